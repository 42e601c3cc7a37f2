/** How rooms are named on screen: `#name` for channels, the other participants for DMs. */
import type { WireAuthor, WireRoom } from '@/lib/protocol';

/** The participants of a direct message other than me. */
export function dmOthers(room: WireRoom, me: number | null): WireAuthor[] {
  return (room.members ?? []).filter((m) => m.id !== me);
}

/** "bob" or "bob, carol" (a DM); "name" (a channel). No `#`. */
export function roomName(room: WireRoom, me: number | null): string {
  if (room.kind !== 'dm') return room.name;
  const others = dmOthers(room, me).map((m) => m.name);
  return others.length ? others.join(', ') : 'Only you';
}

/** The title of a room: `#general`, or the DM's participants. */
export function roomTitle(room: WireRoom, me: number | null): string {
  return room.kind === 'dm' ? roomName(room, me) : `#${room.name}`;
}
