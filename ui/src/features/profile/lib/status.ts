/** How a status reads on screen, and when idleness sets or takes back "away". */
import type { UserStatus, WireUser } from '@/lib/protocol';

export const STATUS_LABELS: Record<UserStatus, string> = {
  available: 'Available',
  away: 'Away',
  dnd: 'Do not disturb',
};

/** No input in the window for this long: away (docs/protocol.md, "Profiles"). */
export const IDLE_AWAY_MS = 10 * 60_000;

export function statusOf(user: Pick<WireUser, 'status'>): UserStatus {
  return user.status ?? 'available';
}

/** The line under a name: "Away · lunch", "in a meeting" (available says nothing of itself). */
export function statusLine(user: Pick<WireUser, 'status' | 'status_text'>): string {
  const status = statusOf(user);
  const text = user.status_text ?? '';
  if (status === 'available') return text;
  return text ? `${STATUS_LABELS[status]} · ${text}` : STATUS_LABELS[status];
}

/**
 * What idleness changes: `away` after `idleMs` without input while available, `back` on input
 * while an idle away holds (on any of the person's devices); otherwise nothing. An away or
 * do-not-disturb the person chose is never touched.
 */
export function idleChange(
  me: Pick<WireUser, 'status' | 'status_auto'>,
  idleForMs: number,
  idleMs: number = IDLE_AWAY_MS,
): 'away' | 'back' | null {
  const status = statusOf(me);
  if (status === 'available' && idleForMs >= idleMs) return 'away';
  if (status === 'away' && me.status_auto && idleForMs < idleMs) return 'back';
  return null;
}
