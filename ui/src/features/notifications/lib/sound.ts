/**
 * A short two-note chime made with the Web Audio API: no sound file to ship or fetch.
 *
 * Browsers start an AudioContext suspended until the person has interacted with the page; the
 * context is made (or resumed) on their first click or key press (`unlockAudio`), so a message
 * that arrives later can be heard.
 */

type AudioCtor = typeof AudioContext;

let context: AudioContext | null = null;

function audioClass(): AudioCtor | null {
  const w = window as unknown as { AudioContext?: AudioCtor; webkitAudioContext?: AudioCtor };
  return w.AudioContext ?? w.webkitAudioContext ?? null;
}

function ensure(): AudioContext | null {
  if (context) return context;
  const Ctor = audioClass();
  if (!Ctor) return null;
  try {
    context = new Ctor();
  } catch {
    return null;
  }
  return context;
}

/** Called from a person's click or key press: lets later chimes play. */
export function unlockAudio(): void {
  const ctx = ensure();
  if (ctx && ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
}

export function chime(): void {
  const ctx = ensure();
  if (!ctx) return;
  if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
  const start = ctx.currentTime + 0.01;
  const gain = ctx.createGain();
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.12, start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.35);
  gain.connect(ctx.destination);
  const tone = ctx.createOscillator();
  tone.type = 'sine';
  tone.frequency.setValueAtTime(880, start); // A5, then E6: a rising fifth
  tone.frequency.setValueAtTime(1318.5, start + 0.11);
  tone.connect(gain);
  tone.start(start);
  tone.stop(start + 0.36);
}
