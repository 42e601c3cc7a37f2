/**
 * The rooms in the order the sidebar lists them (channels by name, then direct messages newest
 * first), for Alt+↑/↓ and Alt+Shift+↑/↓ (unread rooms only).
 */
import type { WireRoom } from '@/lib/protocol';

export function sidebarOrder(rooms: Record<number, WireRoom>): WireRoom[] {
  const mine = Object.values(rooms).filter((r) => r.member);
  const channels = mine.filter((r) => r.kind !== 'dm').sort((a, b) => a.name.localeCompare(b.name));
  const dms = mine.filter((r) => r.kind === 'dm').sort((a, b) => b.last_message_id - a.last_message_id || b.id - a.id);
  return [...channels, ...dms];
}

/**
 * The room `step` places away from `active` (wrapping around); with `isUnread`, only rooms it
 * accepts count. Null when there is nowhere to go.
 */
export function nextRoom(
  order: WireRoom[],
  active: number | null,
  step: 1 | -1,
  isUnread?: (roomId: number) => boolean,
): number | null {
  if (order.length === 0) return null;
  const from = order.findIndex((r) => r.id === active);
  const n = order.length;
  // From no room (none open), ↓ starts at the first and ↑ at the last.
  const start = from >= 0 ? from : step > 0 ? -1 : n;
  for (let i = 1; i <= n; i++) {
    const at = (((start + step * i) % n) + n) % n;
    const room = order[at]!;
    if (room.id === active) continue;
    if (!isUnread || isUnread(room.id)) return room.id;
  }
  return null;
}
