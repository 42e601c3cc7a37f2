/**
 * Rooms as the person moves between them: open (on the first unread), create, leave, members,
 * and read marks (moved when seen, resent after a reconnect, everyone's in a DM for "Seen").
 */
import { fetchPage, receive, resyncRoom, useChat } from '@/features/chat';
import {
  COMMANDS,
  FETCH_PAGE,
  type MarkReadResult,
  type ReadMarksResult,
  type WireRoom,
  type WireUser,
} from '@/lib/protocol';
import { isConnected, request } from '@/lib/socket';

/** Open a room: join it if needed, load its newest page if we hold nothing, list its members. */
export async function openRoom(roomId: number): Promise<void> {
  const chat = useChat.getState();
  const room = chat.rooms[roomId];
  if (!room) return;
  if (!room.member) {
    const r = await request<{ room: WireRoom }>(COMMANDS.joinRoom, { room_id: roomId });
    useChat.getState().upsertRoom({ ...r.room, member: true });
  }
  useChat.getState().setActiveRoom(roomId);
  if (!(await holdFirstUnread(roomId)) && !useChat.getState().messages[roomId]) await resyncRoom(roomId);
  // The read mark moves when the list is seen at its bottom (features/chat), not here.
  void refreshMembers(roomId);
  if (useChat.getState().rooms[roomId]?.kind === 'dm') void refreshReadMarks(roomId);
}

/**
 * A room opens on its first unread message: when that is not among the messages we hold (more
 * unread than a page), hold the page that starts right after the read mark, as a page from the
 * past (the list offers "Jump to present"). Resolves true when it did.
 */
async function holdFirstUnread(roomId: number): Promise<boolean> {
  const chat = useChat.getState();
  const mark = chat.lastRead[roomId] ?? 0;
  const room = chat.rooms[roomId];
  const held = chat.messages[roomId];
  if (!room || room.last_message_id <= mark) return false;
  // Held from the read mark on (or everything held): the first unread is there already.
  if (held?.length && (held[0]!.id <= mark + 1 || chat.hasMoreBefore[roomId] === false)) return false;
  try {
    // From the read message itself (after_id is exclusive): the page joins the read mark with no
    // gap, so what is seen on it can be marked read.
    const r = await fetchPage({ room_id: roomId, after_id: Math.max(0, mark - 1), limit: FETCH_PAGE });
    // Everything unread fits in a page: the newest page (with some context above) shows it all.
    if (!r.has_more) return false;
    const newest = r.messages.at(-1)?.id ?? mark;
    // Nothing read yet (mark 0): the page starts at the room's first message.
    useChat.getState().replaceMessages(roomId, r.messages, mark > 0, { hasMoreAfter: true, rev: r.rev, complete: newest });
    receive(r.messages, roomId);
    return true;
  } catch {
    return false;
  }
}

const markInflight = new Map<number, number>();

/**
 * The user has seen a room's messages up to `upTo` (on screen, window focused), or its newest
 * (at the bottom): move the read mark there and on the host, which tells my other devices and, in
 * a DM, the others.
 */
export function markRoomRead(roomId: number, upTo?: number): void {
  const mark = useChat.getState().markRead(roomId, upTo);
  if (mark !== null) sendReadMark(roomId, mark);
}

function sendReadMark(roomId: number, mark: number): void {
  if (!isConnected() || (markInflight.get(roomId) ?? 0) >= mark) return;
  markInflight.set(roomId, mark);
  request<MarkReadResult>(COMMANDS.markRead, { room_id: roomId, message_id: mark })
    .then((r) => useChat.getState().setLastRead(roomId, r.last_read_id))
    .catch(() => undefined) // kept locally; sent again after the next welcome
    .finally(() => {
      if (markInflight.get(roomId) === mark) markInflight.delete(roomId);
    });
}

/** Marks we moved while the host could not hear us: send them now. */
export function resendReadMarks(rooms: WireRoom[]): void {
  const lastRead = useChat.getState().lastRead;
  for (const r of rooms) {
    const mine = lastRead[r.id] ?? 0;
    if (r.member && mine > (r.last_read_id ?? 0)) sendReadMark(r.id, mine);
  }
}

/** Everyone's read marks in a direct message, for "Seen". */
export async function refreshReadMarks(roomId: number): Promise<void> {
  try {
    const r = await request<ReadMarksResult>(COMMANDS.getReadMarks, { room_id: roomId });
    useChat.getState().setReadMarks(roomId, r.marks);
  } catch {
    // "Seen" fills in from the next `seen` event or open.
  }
}

export async function refreshMembers(roomId: number): Promise<void> {
  try {
    const r = await request<{ members: WireUser[] }>(COMMANDS.listMembers, { room_id: roomId });
    useChat.getState().setMembers(roomId, r.members);
  } catch {
    // Not fatal: the list fills on the next open.
  }
}

/** Create a room and open it; throws RequestError with the host's sentence on failure. */
export async function createRoom(name: string): Promise<WireRoom> {
  const r = await request<{ room: WireRoom }>(COMMANDS.createRoom, { name });
  const room = { ...r.room, member: true };
  useChat.getState().upsertRoom(room);
  await openRoom(room.id);
  return room;
}

/** Leave a room (not `general`: the host answers forbidden); it moves to "Other rooms". */
export async function leaveRoom(roomId: number): Promise<void> {
  await request(COMMANDS.leaveRoom, { room_id: roomId });
  afterLeaving(roomId);
}

export function afterLeaving(roomId: number): void {
  const chat = useChat.getState();
  chat.leftRoom(roomId);
  if (chat.activeRoomId !== roomId) return;
  const next = Object.values(useChat.getState().rooms).find((r) => r.member && r.name === 'general')
    ?? Object.values(useChat.getState().rooms).find((r) => r.member);
  if (next) void openRoom(next.id).catch(() => undefined);
}

/** Reset module state between unit tests. */
export function _resetRoomsForTests(): void {
  markInflight.clear();
}
