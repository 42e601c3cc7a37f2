/**
 * The conversation with the host: connect, welcome, resync after every (re)connect (new messages
 * and changes), outbox delivery, history paging, jumps, read marks and room and message commands.
 * Components reach it through feature hooks.
 */
import { classifyConnectFailure } from '@/lib/connect-failure';
import { hostAnswers, hostOrigin } from '@/lib/http';
import {
  CHANGES_PAGE,
  COMMANDS,
  EVENTS,
  FETCH_PAGE,
  HTTP,
  type ChangesResult,
  type FetchMessagesPayload,
  type FetchResult,
  type InviteResult,
  type MarkReadResult,
  type MemberChange,
  type MessageResult,
  type MessagesExpired,
  type PresenceChange,
  type ReadChanged,
  type ReadMarksResult,
  type RetentionChanged,
  type RoomResult,
  type RoomUpdated,
  type SeenEvent,
  type SendMessagePayload,
  type ServerChanged,
  type TypingEvent,
  type UnreadCounts,
  TYPING_EVERY_MS,
  UNREAD_ROOMS_MAX,
  type Welcome,
  type WireMessage,
  type WireRoom,
  type WireError,
  type WireUser,
} from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { connect, disconnect, isConnected, onConnection, onEvent, request } from '@/lib/socket';
import { loadJson, removeKey, saveJson } from '@/lib/storage';
import { type AddOptions, type Counted, useChat } from '@/stores/chat-store';
import { type OutboxEntry, type SendExtras, useOutbox } from '@/stores/outbox-store';
import { useSession } from '@/stores/session-store';

// Catch-up pages after a reconnect; further behind than this we restart from the newest page
// instead of holding a gap.
const RESYNC_MAX_PAGES = 10;
const RESYNC_PAGE = 200;
// Changes (edits, deletions, reactions) are fetched in pages of CHANGES_PAGE; further behind than
// this many pages the newest page is fetched afresh instead.
const CHANGES_MAX_PAGES = 20;
// The page fetched around a message we jump to.
const AROUND_PAGE = 50;
// A reconnect attempt count after which the banner says "offline" rather than "reconnecting".
const OFFLINE_AFTER_ATTEMPTS = 3;
const WELCOME_CACHE = 'welcome';
// A send whose ack was lost (timeout) is sent again after this long, while connected.
const LOST_ACK_RETRY_MS = 1000;
// The longest wait a rate_limited answer can impose before the send is tried again.
const RETRY_AFTER_MAX_S = 60;

const inflight = new Set<string>();
let lastTypingSent = 0;
let diagnosing = false;

/** Restore the last identity so a reload renders rooms (and the outbox) before the host answers. */
export function restoreCachedSession(): void {
  const session = useSession.getState();
  if (!session.token) return;
  const cached = loadJson<Welcome | null>(WELCOME_CACHE, null);
  if (!cached) return;
  useSession.setState({ user: cached.user, server: cached.server });
  useChat
    .getState()
    .applyWelcome({ ...cached, users: cached.users.map((u) => ({ ...u, online: false })) }, { cached: true });
  useOutbox.getState().load(`${cached.server.host_id}:${cached.user.id}`);
}

/** Subscribe to everything the host says; returns the cleanup. Call once (app/provider.tsx). */
export function startSync(): () => void {
  const chat = () => useChat.getState();
  const offs = [
    onConnection({
      connect: () => {
        // The host speaks first (`welcome`); until then we are still connecting.
      },
      disconnect: (reason) => {
        const manual = reason === 'io client disconnect';
        useSession.getState().setStatus(manual ? 'idle' : 'reconnecting');
        // The host closed this connection itself (admin_remove_device): socket.io-client does not
        // retry that on its own. Try again, so a revoked token comes back as `bad_token`.
        if (reason === 'io server disconnect') connectToHost();
      },
      connectError: (data) => {
        if (data?.code) {
          const had = useSession.getState().token;
          const next = useSession.getState().refused(data.code, data.message);
          // The identity shown from the cache goes only with the token it belongs to.
          if (had !== null && useSession.getState().token === null) removeKey(WELCOME_CACHE);
          disconnect();
          // A refused owner key: sign in with the device's token as if the link had not been opened.
          if (next === 'retry') connectToHost();
        } else {
          void diagnoseConnectError(data);
        }
      },
      reconnectAttempt: (attempt) => {
        useSession.getState().setStatus(attempt >= OFFLINE_AFTER_ATTEMPTS ? 'offline' : 'reconnecting');
      },
    }),
    onEvent<Welcome>(EVENTS.welcome, (w) => {
      const { token: _token, ...cache } = w;
      saveJson(WELCOME_CACHE, cache);
      const before = useSession.getState();
      const fresh = before.pendingJoin !== null && before.token === null && before.ownerKey === null;
      useSession.getState().welcome(w);
      chat().applyWelcome(w, { fresh });
      chat().pruneExpired(Date.now());
      useOutbox.getState().load(`${w.server.host_id}:${w.user.id}`);
      resendReadMarks(w.rooms);
      void resyncAll().then(flushOutbox);
    }),
    onEvent<WireMessage>(EVENTS.messageCreated, (m) => {
      receive([m]);
    }),
    onEvent<WireMessage>(EVENTS.messageUpdated, (m) => receiveChange(m)),
    onEvent<WireMessage>(EVENTS.messageDeleted, (m) => receiveChange(m)),
    onEvent<ReadChanged>(EVENTS.readChanged, ({ room_id, last_read_id }) => chat().setLastRead(room_id, last_read_id)),
    onEvent<SeenEvent>(EVENTS.seen, ({ room_id, user_id, last_read_id }) => chat().setSeen(room_id, user_id, last_read_id)),
    onEvent<ServerChanged>(EVENTS.serverChanged, ({ server }) => {
      useSession.setState({ server });
      const cached = loadJson<Omit<Welcome, 'token'> | null>(WELCOME_CACHE, null);
      if (cached) saveJson(WELCOME_CACHE, { ...cached, server });
    }),
    onEvent<WireRoom>(EVENTS.roomCreated, (room) => chat().upsertRoom(room)),
    onEvent<RoomUpdated>(EVENTS.roomUpdated, (change) => chat().updateRoomRetention(change)),
    onEvent<RetentionChanged>(EVENTS.retentionChanged, ({ days }) => chat().setHostRetention(days)),
    onEvent<MessagesExpired>(EVENTS.messagesExpired, ({ room_id, message_ids }) => chat().expireMessages(room_id, message_ids)),
    onEvent<MemberChange>(EVENTS.memberJoined, (change) => {
      chat().memberJoined(change);
      const room = chat().rooms[change.room_id];
      if (change.user.id === chat().me && room && !room.member) chat().upsertRoom({ ...room, member: true });
    }),
    onEvent<MemberChange>(EVENTS.memberLeft, (change) => {
      chat().memberLeft(change);
      // We left on another device (or this one): the room moves to "Other rooms" here too.
      if (change.user.id === chat().me && chat().rooms[change.room_id]?.member) afterLeaving(change.room_id);
    }),
    onEvent<WireUser>(EVENTS.userCreated, (user) => {
      chat().upsertUser(user);
      refreshActiveMembersSoon(); // a new user is in general without a member_joined
    }),
    onEvent<PresenceChange>(EVENTS.presenceChanged, ({ user, online }) => {
      chat().upsertUser({ ...user, online });
      const active = chat().activeRoomId;
      if (online && active !== null && !chat().members[active]?.includes(user.id)) refreshActiveMembersSoon();
    }),
    onEvent<TypingEvent>(EVENTS.typing, ({ room_id, user }) => chat().setTyping(room_id, user)),
  ];
  return () => offs.forEach((off) => off());
}

/**
 * A connect failed without the host's auth answer: find out whether the host answers plain HTTP
 * at all (down / unreachable) or turned the handshake away (refused address or origin).
 */
export async function diagnoseConnectError(data?: WireError): Promise<void> {
  if (diagnosing) return; // socket.io retries every few seconds; one probe at a time
  diagnosing = true;
  try {
    const answered = await hostAnswers(HTTP.info);
    const failure = classifyConnectFailure(data, answered, hostOrigin());
    const session = useSession.getState();
    if (failure.step === 'auth' || session.status === 'connected') return; // connected meanwhile
    const stop = session.pendingJoin !== null && session.user === null;
    session.connectFailed(failure);
    if (stop) disconnect();
  } finally {
    diagnosing = false;
  }
}

let membersTimer: ReturnType<typeof setTimeout> | null = null;

function refreshActiveMembersSoon(): void {
  if (membersTimer) return;
  membersTimer = setTimeout(() => {
    membersTimer = null;
    const active = useChat.getState().activeRoomId;
    if (active !== null) void refreshMembers(active);
  }, 300);
}

/** Connect with the best credential we have (owner key, token, or the join form). */
export function connectToHost(): void {
  if (useSession.getState().status === 'idle') useSession.getState().setStatus('connecting');
  connect(() => useSession.getState().handshake());
}

function receive(messages: WireMessage[], roomId?: number, opts?: AddOptions) {
  const chat = useChat.getState();
  const byRoom = new Map<number, WireMessage[]>();
  for (const m of messages) byRoom.set(m.room_id, [...(byRoom.get(m.room_id) ?? []), m]);
  if (roomId !== undefined && !byRoom.has(roomId)) byRoom.set(roomId, []);
  for (const [room, list] of byRoom) chat.addMessages(room, list, opts);
  // Our own message came back (live, in a resync, or as an ack): it is no longer pending.
  const outbox = useOutbox.getState();
  for (const m of messages) if (m.author.id === chat.me) outbox.remove(m.client_id);
}

/** A message changed (edit, deletion, reaction): update our copy if we hold it. */
function receiveChange(m: WireMessage): void {
  const chat = useChat.getState();
  chat.applyChanges(m.room_id, [m]);
  // Live changes arrive in order while connected, so what we hold is current to this one.
  if (chat.messages[m.room_id]) chat.setRev(m.room_id, m.rev);
}

async function fetchPage(payload: FetchMessagesPayload) {
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

/** Exact unread badges: ask the host to count what lies between each read mark and the newest id
 * we know, so badges are right without fetching more than a page of history. */
export async function refreshUnreadCounts(): Promise<void> {
  const chat = useChat.getState();
  const marks = Object.values(chat.rooms)
    .filter((r) => r.member)
    .map((r) => ({
      room_id: r.id,
      after_id: chat.lastRead[r.id] ?? 0,
      up_to_id: Math.max(r.last_message_id, chat.messages[r.id]?.at(-1)?.id ?? 0),
    }))
    .filter((m) => m.up_to_id > m.after_id)
    .slice(0, UNREAD_ROOMS_MAX);
  if (marks.length === 0) return;
  try {
    const { counts } = await request<UnreadCounts>(COMMANDS.countUnread, { rooms: marks });
    const counted: Record<number, Counted> = {};
    counts.forEach((c, i) => {
      const mark = marks[i]!;
      counted[c.room_id] = { after: mark.after_id, upTo: mark.up_to_id, count: c.count, mentions: c.mentions ?? 0 };
    });
    useChat.getState().setCounted(counted);
  } catch {
    // Badges fall back to what we hold; the next welcome asks again.
  }
}

/** After each welcome: every room we are in, the open one first. */
export async function resyncAll(): Promise<void> {
  const chat = useChat.getState();
  const ids = Object.values(chat.rooms)
    .filter((r) => r.member)
    .map((r) => r.id)
    .sort((a, b) => Number(b === chat.activeRoomId) - Number(a === chat.activeRoomId));
  for (const id of ids) {
    // What we held before this welcome may have changed meanwhile; new messages come current.
    const heldBefore = (chat.messages[id]?.length ?? 0) > 0;
    try {
      await resyncRoom(id);
      if (heldBefore) await resyncChanges(id);
    } catch (err) {
      if (err instanceof RequestError && (err.code === 'offline' || err.code === 'timeout')) return;
    }
  }
  const active = useChat.getState().activeRoomId;
  if (active !== null) {
    void refreshMembers(active);
    if (useChat.getState().rooms[active]?.kind === 'dm') void refreshReadMarks(active);
  }
  void refreshUnreadCounts();
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

/** Put a message in the outbox and try to deliver it now. */
export function sendMessage(roomId: number, text: string, extras: SendExtras = {}): OutboxEntry {
  const entry = useOutbox.getState().enqueue(roomId, text, extras);
  useChat.getState().clearNewSince(roomId);
  if (isConnected() && useSession.getState().status === 'connected') void deliver(entry);
  return entry;
}

async function deliver(entry: OutboxEntry): Promise<void> {
  if (entry.waiting?.length) return; // its files are still uploading (sent when the last one is in)
  if (inflight.has(entry.client_id)) return;
  inflight.add(entry.client_id);
  try {
    const payload: SendMessagePayload = { room_id: entry.room_id, text: entry.text, client_id: entry.client_id };
    if (entry.reply_to) payload.reply_to = entry.reply_to.id;
    if (entry.attachments?.length) payload.attachments = entry.attachments.map((f) => f.id);
    const { message } = await request<MessageResult>(COMMANDS.sendMessage, payload);
    receive([message]);
    useOutbox.getState().remove(entry.client_id);
    typingAfterSend(entry.room_id);
  } catch (err) {
    // Only a lost ack is tried again (the host dedupes the resend by client_id), and a send the
    // host asked us to slow down. Any other answer (too_large, invalid, forbidden, not_found,
    // storage_full, …) is final for this message: sending it again would get the same answer,
    // so it shows as failed with the host's sentence (Retry is the person's call), and the
    // messages behind it go on.
    const e = err instanceof RequestError ? err : new RequestError('internal', String(err));
    if (e.code === 'offline') return; // stays "sending"; flushed on the next welcome
    if (e.code === 'timeout' || e.code === 'rate_limited') {
      const wait = e.code === 'rate_limited' ? retryAfterMs(e.data?.retry_after) : LOST_ACK_RETRY_MS;
      setTimeout(() => {
        const still = useOutbox.getState().entries.find((x) => x.client_id === entry.client_id);
        if (still && still.state === 'sending' && isConnected()) void deliver(still);
      }, wait);
      return;
    }
    useOutbox.getState().mark(entry.client_id, 'failed', e.message);
  } finally {
    inflight.delete(entry.client_id);
  }
}

/** The host's `retry_after` (seconds) as a delay, kept to something sane whatever it says. */
function retryAfterMs(retryAfter: unknown): number {
  const seconds = typeof retryAfter === 'number' && Number.isFinite(retryAfter) ? retryAfter : 1;
  return Math.min(Math.max(seconds, 0.2), RETRY_AFTER_MAX_S) * 1000;
}

/** Send every pending outbox entry, oldest first, once connected. */
export async function flushOutbox(): Promise<void> {
  for (const entry of useOutbox.getState().entries) {
    if (entry.state !== 'sending') continue;
    if (!isConnected()) return;
    await deliver(entry);
  }
}

export function retryMessage(clientId: string): void {
  const entry = useOutbox.getState().entries.find((e) => e.client_id === clientId);
  if (!entry) return;
  useOutbox.getState().mark(clientId, 'sending');
  if (isConnected()) void deliver({ ...entry, state: 'sending' });
}

export function discardMessage(clientId: string): void {
  useOutbox.getState().remove(clientId);
}

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
function resendReadMarks(rooms: WireRoom[]): void {
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

/** Apply a changed message from an ack (the room's event follows; both are idempotent). */
function applyAck(message: WireMessage): WireMessage {
  useChat.getState().applyChanges(message.room_id, [message]);
  return message;
}

/** Edit one of my messages; throws RequestError with the host's sentence. */
export async function editMessage(messageId: number, text: string): Promise<WireMessage> {
  const r = await request<MessageResult>(COMMANDS.editMessage, { message_id: messageId, text });
  return applyAck(r.message);
}

/** Delete a message (mine, or any as the host user); it becomes a tombstone everywhere. */
export async function deleteMessage(messageId: number): Promise<WireMessage> {
  const r = await request<MessageResult>(COMMANDS.deleteMessage, { message_id: messageId });
  return applyAck(r.message);
}

/** Add (`on`) or remove my reaction. */
export async function react(messageId: number, emoji: string, on: boolean): Promise<WireMessage> {
  const r = await request<MessageResult>(COMMANDS.react, { message_id: messageId, emoji, on });
  return applyAck(r.message);
}

/** Open (creating on first use) the direct message with these people, and show it. */
export async function openDm(userIds: number[]): Promise<WireRoom> {
  const r = await request<RoomResult>(COMMANDS.openDm, { user_ids: userIds });
  const room = { ...r.room, member: true };
  useChat.getState().upsertRoom(room);
  await openRoom(room.id);
  return room;
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

function afterLeaving(roomId: number): void {
  const chat = useChat.getState();
  chat.leftRoom(roomId);
  if (chat.activeRoomId !== roomId) return;
  const next = Object.values(useChat.getState().rooms).find((r) => r.member && r.name === 'general')
    ?? Object.values(useChat.getState().rooms).find((r) => r.member);
  if (next) void openRoom(next.id).catch(() => undefined);
}

/** Tell the room we are typing, at most every 3 s. */
export function notifyTyping(roomId: number, now = Date.now()): void {
  if (now - lastTypingSent < TYPING_EVERY_MS || !isConnected()) return;
  lastTypingSent = now;
  request(COMMANDS.typing, { room_id: roomId }).catch(() => undefined);
}

/**
 * A message of mine reached the host. Others stop showing me as typing when it arrives, so the
 * 3 s pause starts over: the next keystroke says "typing" at once, and if I already typed on
 * while it was on its way (that `typing` may have reached them before the message, which then
 * cleared it), say it again now that the message is out.
 */
function typingAfterSend(roomId: number): void {
  lastTypingSent = 0;
  if (useChat.getState().drafts[roomId]) notifyTyping(roomId);
}

export async function getInvite(): Promise<InviteResult> {
  return request<InviteResult>(COMMANDS.getInvite, {});
}

/** Reset module state between unit tests. */
export function _resetSyncForTests(): void {
  inflight.clear();
  markInflight.clear();
  lastTypingSent = 0;
  diagnosing = false;
}
