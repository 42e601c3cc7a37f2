/**
 * Auto-away: no input in this window for IDLE_AWAY_MS (10 minutes) while available sets "away"
 * (marked `auto`); the next input here, on any of the person's devices, sets "available" again.
 * Input: keys, pointer presses and moves, wheel, touch, and the window coming into focus.
 */
import { useEffect } from 'react';

import { useChat } from '@/features/chat';
import { useSession } from '@/stores/session-store';

import { saveStatus } from '../api/profile';
import { IDLE_AWAY_MS, idleChange } from '../lib/status';

const CHECK_EVERY_MS = 15_000;
const INPUT = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart', 'focus'] as const;

export function useAutoAway(idleMs: number = IDLE_AWAY_MS): void {
  useEffect(() => {
    let lastInput = Date.now();
    let sending = false;
    // This window already said away for this idle spell: if another device of the person's took
    // it back (they are active there), this one says nothing more until it has input itself.
    let saidAway = false;
    const act = () => {
      const session = useSession.getState();
      const me = session.user ? useChat.getState().users[session.user.id] ?? session.user : null;
      if (!me || session.status !== 'connected' || sending) return;
      const change = idleChange(me, Date.now() - lastInput, idleMs);
      if (!change || (change === 'away' && saidAway)) return;
      if (change === 'away') saidAway = true;
      sending = true;
      const text = me.status_text ?? '';
      saveStatus(change === 'away' ? 'away' : 'available', text, change === 'away')
        .catch(() => undefined) // offline or too fast: the next check or input tries again
        .finally(() => {
          sending = false;
        });
    };
    const onInput = () => {
      lastInput = Date.now();
      saidAway = false;
      act(); // cheap unless an idle away is to be taken back
    };
    for (const name of INPUT) window.addEventListener(name, onInput, { passive: true });
    const timer = setInterval(act, Math.min(CHECK_EVERY_MS, idleMs));
    return () => {
      for (const name of INPUT) window.removeEventListener(name, onInput);
      clearInterval(timer);
    };
  }, [idleMs]);
}
