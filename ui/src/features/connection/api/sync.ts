/**
 * The conversation with the host: connect, welcome, and after every (re)connect a resync of every
 * room (new messages and changes), the outbox flushed and read marks resent; then live events
 * kept in the stores. The per-feature commands live in each feature's api/.
 */
import {
  _resetMessagesForTests,
  _resetPresenceWatchForTests,
  _resetUsersForTests,
  type Counted,
  flushOutbox,
  receive,
  receiveChange,
  reloadSmallHostUsers,
  resyncChanges,
  resyncRoom,
  roomOnlineChanged,
  setUsersComplete,
  startPresenceWatch,
  useChat,
  usersComplete,
  watchAfterWelcome,
} from '@/features/chat';
import { _resetRoomsForTests, afterLeaving, refreshMembers, refreshReadMarks, resendReadMarks } from '@/features/rooms';
import { classifyConnectFailure } from '@/lib/connect-failure';
import { hostAnswers, hostOrigin } from '@/lib/http';
import {
  COMMANDS,
  EVENTS,
  HTTP,
  type MemberChange,
  type MessagesExpired,
  type ReadChanged,
  type Resync,
  type RetentionChanged,
  type RoleChanged,
  type RoomOnline,
  type RoomUpdated,
  type RoomsList,
  type SeenEvent,
  type ServerChanged,
  type TypingEvent,
  type UnreadCounts,
  UNREAD_ROOMS_MAX,
  type UsersChanged,
  type UserUpdated,
  type Welcome,
  type WireMessage,
  type WireRoom,
  type WireError,
  type WireUser,
} from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { connect, disconnect, onConnection, onEvent, request } from '@/lib/socket';
import { loadJson, removeKey, saveJson } from '@/lib/storage';
import { useOutbox } from '@/stores/outbox-store';
import { useSession } from '@/stores/session-store';

// A reconnect attempt count after which the banner says "offline" rather than "reconnecting".
const OFFLINE_AFTER_ATTEMPTS = 3;
const WELCOME_CACHE = 'welcome';

let diagnosing = false;
// A `resync` is waiting for its moment: more of them meanwhile make no second catch-up.
let resyncTimer: ReturnType<typeof setTimeout> | null = null;
// "Sign out of this device" is under way: the host drops the connection, which must not be
// taken for a drop to reconnect from.
let signingOut = false;
let droppedWhileSigningOut = false;

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
    startPresenceWatch(),
    onConnection({
      connect: () => {
        // The host speaks first (`welcome`); until then we are still connecting.
      },
      disconnect: (reason) => {
        if (signingOut) {
          droppedWhileSigningOut = true; // the drop that follows the ack (or, rarely, beats it)
          return;
        }
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
      cancelResync(); // the welcome's own resync covers it
      const before = useSession.getState();
      const fresh = before.pendingJoin !== null && before.token === null && before.ownerKey === null;
      useSession.getState().welcome(w);
      chat().applyWelcome(w, { fresh });
      setUsersComplete(w.users_complete !== false);
      watchAfterWelcome(); // a big host: whose presence this connection hears
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
    onEvent<UsersChanged>(EVENTS.usersChanged, ({ users }) => {
      const active = chat().activeRoomId;
      const members = active !== null ? chat().members[active] : undefined;
      chat().addUsers(users);
      // Someone new (in general without a member_joined) or back online: the open room's list.
      // Only on a small host: a big one's general is the whole host, fetched when a room opens.
      if (active !== null && usersComplete() && users.some((u) => u.online && !members?.includes(u.id))) refreshActiveMembersSoon();
    }),
    onEvent<RoomOnline>(EVENTS.roomOnline, roomOnlineChanged),
    onEvent<TypingEvent>(EVENTS.typing, ({ room_id, user }) => chat().setTyping(room_id, user)),
    // Someone was made an admin or not: their tag everywhere, and our own panels if it is us.
    onEvent<RoleChanged>(EVENTS.roleChanged, ({ user }) => {
      chat().upsertUser(user);
      const session = useSession.getState();
      if (session.user?.id === user.id) useSession.setState({ user: { ...session.user, admin: user.admin } });
    }),
    // This device was revoked (from another of ours, or by an admin): the host drops us next.
    onEvent(EVENTS.signedOut, () => {
      removeKey(WELCOME_CACHE);
      useSession.getState().signedOut();
      disconnect(); // ours first: a close by the host would otherwise be retried
    }),
    onEvent<UserUpdated>(EVENTS.userUpdated, ({ user }) => applyUser(user)),
    onEvent<Resync>(EVENTS.resync, ({ within_ms }) => resyncSoon(within_ms)),
  ];
  return () => offs.forEach((off) => off());
}

/** Someone's name or status changed (user_updated, or our own profile command's answer): every
 * list, message author, DM title and mention follows; ours also in the session and its cache. */
export function applyUser(user: WireUser): void {
  useChat.getState().upsertUser(user);
  const session = useSession.getState();
  if (session.user?.id !== user.id) return;
  session.updateMe(user);
  const cached = loadJson<Omit<Welcome, 'token'> | null>(WELCOME_CACHE, null);
  if (cached) {
    const { online: _online, ...me } = user;
    saveJson(WELCOME_CACHE, {
      ...cached,
      user: { ...cached.user, ...me },
      users: cached.users.map((u) => (u.id === user.id ? { ...u, ...me } : u)),
      name_suggestion: undefined,
    });
  }
}

/**
 * "Sign out of this device": the host forgets this device (its token stops working, the
 * connection is dropped), then this page forgets the token and its cached identity and shows the
 * join screen. A refusal (the host's own window, offline) changes nothing here and is thrown.
 */
export async function signOutOfThisDevice(): Promise<void> {
  signingOut = true;
  droppedWhileSigningOut = false;
  try {
    await request(COMMANDS.signOut, {});
  } catch (err) {
    // Dropped before the ack arrived: the host forgot the device all the same.
    if (!droppedWhileSigningOut) {
      signingOut = false;
      throw err;
    }
  }
  removeKey(WELCOME_CACHE);
  useSession.getState().signOut();
  disconnect();
  signingOut = false;
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

/**
 * Open a one-time sign-in link (`#signin=`): connect with it now, also when this page was already
 * connected (a link pasted into a tab that shows Parley changes only the fragment: no reload).
 */
export function signInWithLink(secret: string): void {
  useSession.getState().setLinkSecret(secret);
  disconnect();
  connectToHost();
}

/** Connect with the best credential we have (owner key, link, token, or the join form). */
export function connectToHost(): void {
  if (useSession.getState().status === 'idle') useSession.getState().setStatus('connecting');
  connect(() => useSession.getState().handshake());
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
    // A big host's room lists grow with the host (general is everyone): the list held from before
    // the reconnect stays, its dots set by watch_users; a fresh one when the room is next opened.
    if (usersComplete() || !useChat.getState().members[active]) void refreshMembers(active);
    if (useChat.getState().rooms[active]?.kind === 'dm') void refreshReadMarks(active);
  }
  void refreshUnreadCounts();
}

/**
 * The host's processes lost their message queue for a while (docs/protocol.md, `resync`): what
 * was said through another process meanwhile never came, though we stayed connected. Caught up
 * as after a welcome, at a random moment within `withinMs` (thousands of clients are told at
 * once), once however often we are told before then.
 */
function resyncSoon(withinMs: number): void {
  if (resyncTimer !== null) return;
  resyncTimer = setTimeout(() => {
    resyncTimer = null;
    void catchUp();
  }, Math.random() * Math.max(0, withinMs));
}

function cancelResync(): void {
  if (resyncTimer !== null) clearTimeout(resyncTimer);
  resyncTimer = null;
}

/** Our rooms as the host has them now (joined, left or a DM opened on another device), then their
 * messages and changes, then the presence of those we show. */
async function catchUp(): Promise<void> {
  const chat = () => useChat.getState();
  try {
    const { rooms } = await request<RoomsList>(COMMANDS.listRooms, {});
    for (const room of rooms) {
      if (!room.member && chat().rooms[room.id]?.member) afterLeaving(room.id);
      else chat().upsertRoom(room);
    }
  } catch {
    return; // offline or timed out: the welcome after the reconnect resyncs everything
  }
  await resyncAll();
  // Presence: each asks only on its kind of host (a small one lists everyone; a big one names
  // whom it shows). A small host's list that fails waits for the next welcome.
  await reloadSmallHostUsers().catch(() => undefined);
  watchAfterWelcome();
}

/** Reset module state (here and in the feature commands) between unit tests. */
export function _resetSyncForTests(): void {
  diagnosing = false;
  cancelResync();
  signingOut = false;
  droppedWhileSigningOut = false;
  _resetMessagesForTests();
  _resetUsersForTests();
  _resetPresenceWatchForTests();
  _resetRoomsForTests();
}
