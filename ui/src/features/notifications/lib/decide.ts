/**
 * Whether one live message alerts this device, and with a sound: the person's settings (kept on the
 * host, the same on every device) against what only this device knows (is its window focused, which
 * room is open). Pure, so every combination is tested (decide.test.ts).
 */
import type { NotifyLevel, NotifySettings } from '@/lib/protocol';

export type AlertInput = {
  /** The person's level in the message's room. */
  level: NotifyLevel;
  /** The message mentions the person (the host's `mentions`, or their name as a word). */
  mention: boolean;
  /** The room is a direct message. */
  dm: boolean;
  /** Do not disturb: nothing alerts. */
  dnd: boolean;
  /** This window has focus. */
  focused: boolean;
  /** The message's room is the one open in this window. */
  open: boolean;
  soundChannels: boolean;
  soundDirect: boolean;
};

export type Alert = { notify: boolean; sound: boolean };

const QUIET: Alert = { notify: false, sound: false };

export const DEFAULT_SETTINGS: NotifySettings = { dnd: false, sound_channels: false, sound_direct: true, rooms: [] };

/** The person's level in a room (`all` unless they chose another). */
export function levelOf(settings: NotifySettings, roomId: number): NotifyLevel {
  return settings.rooms.find((r) => r.room_id === roomId)?.level ?? 'all';
}

export function decide(input: AlertInput): Alert {
  if (input.dnd || input.level === 'nothing') return QUIET;
  if (input.level === 'mentions' && !input.mention) return QUIET;
  // The person is looking at this very room: the message is on their screen already.
  if (input.focused && input.open) return QUIET;
  const direct = input.dm || input.mention;
  return { notify: true, sound: direct ? input.soundDirect : input.soundChannels };
}
