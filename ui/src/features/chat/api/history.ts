/**
 * The messages we hold per room, fetched from the host: the paging primitives (hold a page,
 * catch up after a point without gaps, learn of changes) and the commands built on them (older,
 * newer, jump to the present or to a message). features/connection resyncs through them after
 * every welcome and features/rooms opens a room on its first unread with them.
 */
import { ensureMessageUsers } from '@/features/chat/api/users';
import { type AddOptions, useChat } from '@/features/chat/stores/chat-store';
import { openRoom } from '@/features/rooms';
import {
  CHANGES_PAGE,
  COMMANDS,
  FETCH_PAGE,
  type ChangesResult,
  type FetchMessagesPayload,
  type FetchResult,
  type WireMessage,
} from '@/lib/protocol';
import { request } from '@/lib/socket';
import { useOutbox } from '@/stores/outbox-store';

// Catch-up pages after a reconnect; further behind than this we restart from the newest page
// instead of holding a gap.
const RESYNC_MAX_PAGES = 10;
const RESYNC_PAGE = 200;
// Changes (edits, deletions, reactions) are fetched in pages of CHANGES_PAGE; further behind than
// this many pages the newest page is fetched afresh instead.
const CHANGES_MAX_PAGES = 20;
// The page fetched around a message we jump to.
const AROUND_PAGE = 50;

/** Add fetched or live messages to the rooms we hold; my own ones leave the outbox. */
export function receive(messages: WireMessage[], roomId?: number, opts?: AddOptions) {
  const chat = useChat.getState();
  const byRoom = new Map<number, WireMessage[]>();
  for (const m of messages) byRoom.set(m.room_id, [...(byRoom.get(m.room_id) ?? []), m]);
  if (roomId !== undefined && !byRoom.has(roomId)) byRoom.set(roomId, []);
  for (const [room, list] of byRoom) chat.addMessages(room, list, opts);
  ensureMessageUsers(messages); // names a big host's welcome did not list
  // Our own message came back (live, in a resync, or as an ack): it is no longer pending.
  const outbox = useOutbox.getState();
  for (const m of messages) if (m.author.id === chat.me) outbox.remove(m.client_id);
}

/** A message changed (edit, deletion, reaction): update our copy if we hold it. */
export function receiveChange(m: WireMessage): void {
  const chat = useChat.getState();
  chat.applyChanges(m.room_id, [m]);
  ensureMessageUsers([m]);
  // Live changes arrive in order while connected, so what we hold is current to this one.
  if (chat.messages[m.room_id]) chat.setRev(m.room_id, m.rev);
}

/** One fetch_messages page (newest, before, after or around an id). */
export async function fetchPage(payload: FetchMessagesPayload) {
  return request<FetchResult>(COMMANDS.fetchMessages, payload);
}

/** True while live messages of the room are not added (we hold a page from the past). */
function skippingLive(roomId: number): boolean {
  return useChat.getState().hasMoreAfter[roomId] === true;
}

/**
 * Hold a fetched page instead of what we held. When the page reaches the present, live messages
 * that arrived while it was on its way are newer than it and are kept. When live messages were
 * being skipped meanwhile (we held a page from the past), the ones the page does not have are
 * fetched: that is what makes the page "the present".
 */
async function holdPage(
  roomId: number,
  page: FetchResult,
  opts: { hasMoreAfter: boolean; skipped: boolean },
): Promise<void> {
  const newest = page.messages.at(-1)?.id ?? 0;
  const skipped = opts.skipped || skippingLive(roomId);
  const above =
    opts.hasMoreAfter || skipped ? [] : (useChat.getState().messages[roomId] ?? []).filter((m) => m.id > newest);
  useChat.getState().replaceMessages(roomId, [...page.messages, ...above], page.has_more, {
    hasMoreAfter: opts.hasMoreAfter,
    rev: page.rev,
    complete: newest,
  });
  receive(page.messages, roomId);
  if (!opts.hasMoreAfter && skipped) await catchUp(roomId, newest);
}

/** Hold the newest page of a room (dropping the history we held). */
async function loadNewest(roomId: number): Promise<void> {
  const room = useChat.getState().rooms[roomId];
  if (room && room.last_message_id === 0 && !useChat.getState().messages[roomId]?.length) {
    // Empty: what arrives from now on is live, so we are current to the room's rev as of now.
    useChat.getState().replaceMessages(roomId, [], false, { rev: room.last_rev ?? 0, complete: 0 });
    return;
  }
  const skipped = skippingLive(roomId);
  const r = await fetchPage({ room_id: roomId, limit: FETCH_PAGE });
  await holdPage(roomId, r, { hasMoreAfter: false, skipped });
}

/**
 * Fetch the room's messages after `after` (an id up to which what we hold is complete), page by
 * page until the host has no more, so no gap can stay; each page moves the complete mark.
 * Resolves false when that took more than RESYNC_MAX_PAGES (the caller loads the newest page).
 */
async function catchUp(roomId: number, after: number): Promise<boolean> {
  for (let page = 0; page < RESYNC_MAX_PAGES; page++) {
    // While we hold a page from the past, live messages are skipped: once the pages reach the
    // present, one more fetch picks up those that came meanwhile.
    const skipped = skippingLive(roomId);
    const r = await fetchPage({ room_id: roomId, after_id: after, limit: RESYNC_PAGE });
    const to = Math.max(after, r.messages.at(-1)?.id ?? after);
    const more = r.has_more || skipped || skippingLive(roomId);
    receive(r.messages, roomId, { newer: true, complete: to, ...(r.has_more ? {} : { hasMore: false }) });
    if (!more) return true;
    after = to;
  }
  return false;
}

/**
 * The id a resync resumes from: where what we hold is known complete. Not the newest id held:
 * a live message can land past a gap (messages sent while we were away), and resuming after it
 * would lose the gap for good.
 */
export function resumePoint(roomId: number): number | undefined {
  const chat = useChat.getState();
  // Held but never fetched (only live messages came): complete from the oldest of them.
  return chat.complete[roomId] ?? chat.messages[roomId]?.[0]?.id;
}

/** Fetch what a room missed since the point up to which we hold it complete; no gaps, no duplicates. */
export async function resyncRoom(roomId: number): Promise<void> {
  const after = resumePoint(roomId);
  if (after !== undefined && (await catchUp(roomId, after))) return;
  await loadNewest(roomId);
}

/** Learn of edits, deletions and reactions to the messages we hold since the rev we know. */
export async function resyncChanges(roomId: number): Promise<void> {
  if (!useChat.getState().messages[roomId]?.length) return;
  // No rev known for what we hold: every change of the room is a safe (bounded, paged) start.
  let rev = useChat.getState().rev[roomId] ?? 0;
  for (let page = 0; page < CHANGES_MAX_PAGES; page++) {
    const r = await request<ChangesResult>(COMMANDS.fetchChanges, { room_id: roomId, after_rev: rev, limit: CHANGES_PAGE });
    useChat.getState().applyChanges(roomId, r.messages);
    rev = Math.max(rev, r.rev);
    useChat.getState().setRev(roomId, rev);
    if (!r.has_more) return;
  }
  await loadNewest(roomId);
}


/** Load the page of history before the oldest message we hold. */
export async function loadOlder(roomId: number): Promise<void> {
  const chat = useChat.getState();
  if (chat.loadingOlder[roomId] || chat.hasMoreBefore[roomId] === false) return;
  const oldest = chat.messages[roomId]?.[0]?.id;
  chat.setLoadingOlder(roomId, true);
  try {
    const r = await fetchPage(
      oldest === undefined ? { room_id: roomId, limit: FETCH_PAGE } : { room_id: roomId, before_id: oldest, limit: FETCH_PAGE },
    );
    if (useChat.getState().rev[roomId] === undefined) useChat.getState().setRev(roomId, r.rev);
    // Nothing was held: this is the newest page, complete up to its newest message.
    const complete = oldest === undefined ? (r.messages.at(-1)?.id ?? 0) : undefined;
    receive(r.messages, roomId, { older: true, hasMore: r.has_more, ...(complete !== undefined ? { complete } : {}) });
  } catch {
    // Offline or refused: the next scroll tries again.
  } finally {
    useChat.getState().setLoadingOlder(roomId, false);
  }
}

/** Holding a page from the past: load the page after it (to the present, once it is reached). */
export async function loadNewer(roomId: number): Promise<void> {
  const chat = useChat.getState();
  const after = resumePoint(roomId);
  if (chat.loadingOlder[roomId] || !chat.hasMoreAfter[roomId] || after === undefined) return;
  chat.setLoadingOlder(roomId, true);
  try {
    const r = await fetchPage({ room_id: roomId, after_id: after, limit: FETCH_PAGE });
    const to = Math.max(after, r.messages.at(-1)?.id ?? after);
    receive(r.messages, roomId, { newer: true, hasMore: r.has_more, complete: to });
    // The present is reached: live messages skipped until now are fetched too.
    if (!r.has_more) await catchUp(roomId, to);
  } catch {
    // Offline or refused: the next scroll tries again.
  } finally {
    useChat.getState().setLoadingOlder(roomId, false);
  }
}

/** Leave a page from the past for the newest messages. */
export async function jumpToPresent(roomId: number): Promise<void> {
  if (!useChat.getState().hasMoreAfter[roomId]) return;
  await loadNewest(roomId);
}

/**
 * Show a message in its room: open the room, load the page around the message if we do not hold
 * it (fetch_messages around_id), scroll to it and flash it. Used by quoted replies and search
 * results. Resolves false when the message is not there (deleted rooms, no access, offline).
 */
export async function jumpToMessage(roomId: number, messageId: number): Promise<boolean> {
  try {
    if (useChat.getState().activeRoomId !== roomId || !useChat.getState().messages[roomId]) await openRoom(roomId);
    const chat = useChat.getState();
    if (!chat.rooms[roomId]?.member) return false;
    const held = chat.messages[roomId] ?? [];
    if (!held.some((m) => m.id === messageId)) {
      const skipped = skippingLive(roomId);
      const r = await fetchPage({ room_id: roomId, around_id: messageId, limit: AROUND_PAGE });
      if (!r.messages.some((m) => m.id === messageId)) return false;
      const current = useChat.getState().messages[roomId] ?? [];
      const pageNewest = r.messages.at(-1)!.id;
      const first = current[0];
      // The page touches what we hold: one gap-free run. Otherwise hold the page on its own.
      if (first && pageNewest >= first.id) {
        receive(r.messages, roomId, { older: true, hasMore: r.has_more });
      } else {
        await holdPage(roomId, r, { hasMoreAfter: r.has_more_after ?? false, skipped });
      }
    }
    useChat.getState().setFlash(roomId, messageId);
    return true;
  } catch {
    return false;
  }
}
