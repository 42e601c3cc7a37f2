/**
 * Rooms, the messages we hold per room, users, typing and read marks. Pure state: the host is
 * reached from the api/ modules (features/connection/api/sync.ts and each feature's api/). Messages are merged by id, so replayed and live copies never double;
 * changes (edits, deletions, reactions) replace only messages we hold.
 */
import { create } from 'zustand';

import type { MemberChange, ReadMark, RoomOnline, RoomUpdated, Welcome, WireMessage, WireRoom, WireUser } from '@/lib/protocol';
import { SNIPPET_CHARS, TYPING_SHOW_MS } from '@/lib/protocol';
import { loadJson, saveJson } from '@/lib/storage';

export type Typist = { name: string; until: number };
/** The host's count of unread messages in (after, upTo], for a read mark equal to `after`. */
export type Counted = { after: number; upTo: number; count: number; mentions: number };
/** A message to scroll to and flash (search results, quoted replies); `seq` re-triggers a repeat. */
export type Flash = { roomId: number; messageId: number; seq: number };
/** `complete`: the held messages are now known complete up to this id (see `complete`). */
export type AddOptions = { older?: boolean; newer?: boolean; hasMore?: boolean; complete?: number };

export type ChatState = {
  me: number | null;
  /** `hostId:userId`: drafts and the open room are per host and per identity. */
  scope: string | null;
  rooms: Record<number, WireRoom>;
  activeRoomId: number | null;
  messages: Record<number, WireMessage[]>;
  /** Undefined means "not known yet" and is treated as true. */
  hasMoreBefore: Record<number, boolean>;
  /** True while we hold a page from the past (after a jump) rather than the newest messages. */
  hasMoreAfter: Record<number, boolean>;
  /** The change number the messages we hold of a room are current to (the fetch_changes offset). */
  rev: Record<number, number>;
  /**
   * The id up to which the messages we hold of a room are known complete: from the oldest held
   * up to here nothing is missing, because fetches said so. This, not the newest id held, is
   * where a resync resumes (fetch_messages after_id): live messages that arrive around a
   * reconnect sit above a gap until a fetch covers it. Only fetches move it; undefined when
   * nothing of the room was fetched yet.
   */
  complete: Record<number, number>;
  loadingOlder: Record<number, boolean>;
  /** My read mark per room, kept on the host (welcome `last_read_id`, `read_changed`, mark_read). */
  lastRead: Record<number, number>;
  /** The read mark when the room was opened: the "New since you left" line sits after it. */
  newSince: Record<number, number>;
  /** The room was caught up when opened: messages read as they come need no line. */
  followRead: Record<number, boolean>;
  /** Participants' read marks in direct messages (get_read_marks, `seen`). */
  readMarks: Record<number, Record<number, number>>;
  flash: Flash | null;
  /** Exact counts from the host (count_unread), beyond what we have fetched. */
  counted: Record<number, Counted>;
  users: Record<number, WireUser>;
  members: Record<number, number[]>;
  /** On a big host, how many members of the room we show are online, as the host counts them
   * (watch_users' answer, `room_online`): we hear the presence of only some of them. */
  roomOnline: RoomOnline | null;
  typing: Record<number, Record<number, Typist>>;
  drafts: Record<number, string>;

  /** `cached`: a welcome restored from storage before the host answered (its marks may be old).
   * `fresh`: the first welcome of a name that just joined the host. */
  applyWelcome: (w: Welcome, opts?: { cached?: boolean; fresh?: boolean }) => void;
  /** `older`/`newer`: a page fetched before/after what we hold (`hasMore` is then that edge). A live
   * message (neither) is not added while we hold a page from the past: it would sit after a gap. */
  addMessages: (roomId: number, incoming: WireMessage[], opts?: AddOptions) => void;
  /** Hold these messages instead; they are complete up to `opts.complete` (default: the newest). */
  replaceMessages: (
    roomId: number,
    messages: WireMessage[],
    hasMoreBefore: boolean,
    opts?: { hasMoreAfter?: boolean; rev?: number; complete?: number },
  ) => void;
  /** Edits, deletions, reactions: replace the messages we hold (and quotes of them); ignore the rest. */
  applyChanges: (roomId: number, changed: WireMessage[]) => void;
  /** Move a room's known change number forward (never back). */
  setRev: (roomId: number, rev: number) => void;
  setLoadingOlder: (roomId: number, loading: boolean) => void;
  upsertRoom: (room: WireRoom) => void;
  /** `room_updated`: merge a room's changed retention. */
  updateRoomRetention: (change: RoomUpdated) => void;
  /** `retention_changed`: rooms without a rule of their own follow the host's new default. */
  setHostRetention: (days: number | null) => void;
  /** `messages_expired`: drop them; replies that quoted them say the original expired. */
  expireMessages: (roomId: number, ids: number[]) => void;
  /** After a reconnect: drop held messages past their room's retention (their messages_expired
   * may have been sent while we were away). `now`: milliseconds since the epoch. */
  pruneExpired: (now: number) => void;
  setActiveRoom: (roomId: number) => void;
  /** Move the read mark to the newest message we hold, or only up to `upTo` (the newest message
   * that has been on screen); returns the new mark, or null if unchanged. */
  markRead: (roomId: number, upTo?: number) => number | null;
  /** A mark from the host (read_changed, mark_read's answer); never moves back. */
  setLastRead: (roomId: number, lastReadId: number) => void;
  setReadMarks: (roomId: number, marks: ReadMark[]) => void;
  setSeen: (roomId: number, userId: number, lastReadId: number) => void;
  /** I wrote in the room: everything before is read, the line goes. */
  clearNewSince: (roomId: number) => void;
  setFlash: (roomId: number, messageId: number) => void;
  clearFlash: () => void;
  setCounted: (counts: Record<number, Counted>) => void;
  upsertUser: (user: WireUser) => void;
  /** Many people at once (a users_changed, get_users, list_users page): one update. */
  addUsers: (users: WireUser[]) => void;
  setOnline: (userId: number, online: boolean) => void;
  /** Each of these people online or not (a watch_users answer: `online` holds those who are). */
  setOnlineOf: (ids: number[], online: ReadonlySet<number>) => void;
  setMembers: (roomId: number, users: WireUser[]) => void;
  setRoomOnline: (count: RoomOnline | null) => void;
  memberJoined: (change: MemberChange) => void;
  memberLeft: (change: MemberChange) => void;
  /** We are no longer a member: the room becomes an "other room" and its messages are dropped
   * (a later join fetches afresh, so nothing said meanwhile is missed). */
  leftRoom: (roomId: number) => void;
  setTyping: (roomId: number, user: { id: number; name: string }, now?: number) => void;
  pruneTyping: (now?: number) => void;
  setDraft: (roomId: number, text: string) => void;
};

let flashSeq = 0;
// The open room was picked by a restored welcome that did not know the stored one.
let activeIsGuess = false;

/** Without the expired messages; a reply quoting one keeps its place and says the original expired. */
export function expireFrom(held: WireMessage[], gone: Set<number>): WireMessage[] {
  let changed = false;
  const out: WireMessage[] = [];
  for (const m of held) {
    if (gone.has(m.id)) {
      changed = true;
    } else if (m.reply_to && gone.has(m.reply_to.id) && !m.reply_to.expired) {
      changed = true;
      out.push({ ...m, reply_to: { ...m.reply_to, snippet: '', deleted: true, expired: true } });
    } else {
      out.push(m);
    }
  }
  return changed ? out : held;
}

/** Merge two ascending-by-id lists, dropping duplicate ids. */
export function mergeById(held: WireMessage[], incoming: WireMessage[]): WireMessage[] {
  if (incoming.length === 0) return held;
  const last = held[held.length - 1];
  const sortedIncoming = [...incoming].sort((a, b) => a.id - b.id);
  const first = sortedIncoming[0]!;
  // Fast path for the common live case: everything new is after what we hold.
  if (!last || first.id > last.id) {
    const out = held.slice();
    let prev = last?.id ?? -1;
    for (const m of sortedIncoming) {
      if (m.id !== prev) out.push(m);
      prev = m.id;
    }
    return out;
  }
  const byId = new Map<number, WireMessage>();
  for (const m of held) byId.set(m.id, m);
  // A copy we hold that changed later (higher rev) beats an older copy from a page.
  for (const m of sortedIncoming) {
    const had = byId.get(m.id);
    if (!had || m.rev >= had.rev) byId.set(m.id, m);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** Replace the messages we hold by id, and the quotes of them in replies; the rest is ignored. */
export function applyChangesTo(held: WireMessage[], changed: WireMessage[]): WireMessage[] {
  if (held.length === 0 || changed.length === 0) return held;
  const byId = new Map(changed.map((m) => [m.id, m]));
  let touched = false;
  const out = held.map((m) => {
    const next = byId.get(m.id);
    // A change that arrives late (an older rev than the copy we hold) is stale: keep ours.
    let result = next && next.rev >= m.rev ? next : m;
    const quoted = result.reply_to ? byId.get(result.reply_to.id) : undefined;
    if (quoted && result.reply_to) {
      result = {
        ...result,
        reply_to: {
          ...result.reply_to,
          deleted: quoted.deleted,
          snippet: quoted.deleted ? '' : quoted.text.slice(0, SNIPPET_CHARS),
        },
      };
    }
    if (result !== m) touched = true;
    return result;
  });
  return touched ? out : held;
}

type CountState = Pick<ChatState, 'messages' | 'lastRead' | 'me' | 'rooms' | 'counted'>;

/** The host's count, when it was made for the current read mark. */
function hostCount(state: CountState, roomId: number): Counted | undefined {
  const mark = state.lastRead[roomId] ?? 0;
  const counted = state.counted[roomId];
  return counted && counted.after === mark && counted.upTo > mark ? counted : undefined;
}

/** Messages from others after the read mark: the host's count up to a point, then what we hold. */
export function unreadCount(state: CountState, roomId: number): number {
  const mark = state.lastRead[roomId] ?? 0;
  const held = state.messages[roomId] ?? [];
  const base = hostCount(state, roomId);
  const from = base ? base.upTo : mark;
  let n = base ? base.count : 0;
  for (let i = held.length - 1; i >= 0; i--) {
    const m = held[i]!;
    if (m.id <= from) break;
    if (m.author.id !== state.me && !m.deleted) n++;
  }
  const room = state.rooms[roomId];
  // Not counted by the host yet: something newer than anything held still shows as unread.
  if (!base && n === 0 && room && room.last_message_id > mark && room.last_message_id > (held.at(-1)?.id ?? 0)) {
    n = 1;
  }
  return n;
}

/** Of the unread messages, how many mention me. */
export function unreadMentions(state: CountState, roomId: number): number {
  const mark = state.lastRead[roomId] ?? 0;
  const held = state.messages[roomId] ?? [];
  const base = hostCount(state, roomId);
  const from = base ? base.upTo : mark;
  let n = base ? base.mentions : 0;
  for (let i = held.length - 1; i >= 0; i--) {
    const m = held[i]!;
    if (m.id <= from) break;
    if (m.author.id !== state.me && !m.deleted && state.me !== null && m.mentions.includes(state.me)) n++;
  }
  return n;
}

/** Sum of unread over the rooms we are in, except the one open in front of the user. */
export function totalUnread(state: ChatState, excludeActive: boolean): number {
  let total = 0;
  for (const room of Object.values(state.rooms)) {
    if (!room.member) continue;
    if (excludeActive && room.id === state.activeRoomId) continue;
    total += unreadCount(state, room.id);
  }
  return total;
}

function persistScoped(scope: string | null, key: string, value: unknown) {
  if (scope) saveJson(`${key}:${scope}`, value);
}

function newestHeld(messages: WireMessage[] | undefined): number {
  return messages?.at(-1)?.id ?? 0;
}

export const useChat = create<ChatState>((set, get) => ({
  me: null,
  scope: null,
  rooms: {},
  activeRoomId: null,
  messages: {},
  hasMoreBefore: {},
  hasMoreAfter: {},
  rev: {},
  complete: {},
  loadingOlder: {},
  lastRead: {},
  newSince: {},
  followRead: {},
  readMarks: {},
  flash: null,
  counted: {},
  users: {},
  members: {},
  roomOnline: null,
  typing: {},
  drafts: {},

  applyWelcome: (w, opts = {}) => {
    const scope = `${w.server.host_id}:${w.user.id}`;
    const sameScope = scope === get().scope;
    const rooms: Record<number, WireRoom> = {};
    for (const r of w.rooms) rooms[r.id] = r;
    // An incomplete welcome (a big host) keeps the people we learnt of before it.
    const users: Record<number, WireUser> = w.users_complete === false && sameScope ? { ...get().users } : {};
    for (const u of w.users) users[u.id] = u;
    // The host keeps the read marks. A mark we moved but could not send yet is kept (sync sends
    // it again after the welcome). Someone who just joined starts with everything read: history
    // from before they came is not "unread" (sync tells the host).
    const held = sameScope ? get().lastRead : {};
    const lastRead: Record<number, number> = {};
    for (const r of w.rooms) {
      const mark = Math.max(r.last_read_id ?? 0, held[r.id] ?? 0);
      lastRead[r.id] = opts.fresh && mark === 0 && r.member ? r.last_message_id : mark;
    }
    const drafts = sameScope ? get().drafts : loadJson<Record<number, string>>(`drafts:${scope}`, {});
    const storedActive = loadJson<number | null>(`active:${scope}`, null);
    let active = get().activeRoomId;
    // A restored welcome may predate the room open last time: its fallback is only a guess,
    // and the host's welcome gets another chance at the stored room.
    if (activeIsGuess && !opts.cached && storedActive !== null && rooms[storedActive]?.member) active = storedActive;
    activeIsGuess = false;
    if (active === null || !rooms[active]?.member) active = storedActive;
    if (active === null || !rooms[active]?.member) {
      active = w.rooms.find((r) => r.name === 'general')?.id ?? w.rooms.find((r) => r.member)?.id ?? null;
      activeIsGuess = !!opts.cached && storedActive !== null;
    }
    const newSince = sameScope ? { ...get().newSince } : {};
    const followRead = sameScope ? { ...get().followRead } : {};
    // A restored welcome's marks may be old: the line waits for the host's.
    if (!opts.cached && active !== null && newSince[active] === undefined) {
      newSince[active] = lastRead[active] ?? 0;
      followRead[active] = (lastRead[active] ?? 0) >= (rooms[active]?.last_message_id ?? 0);
    }
    set({
      me: w.user.id,
      scope,
      rooms,
      users,
      lastRead,
      newSince,
      followRead,
      drafts,
      activeRoomId: active,
      ...(sameScope
        ? {}
        : {
            messages: {},
            hasMoreBefore: {},
            hasMoreAfter: {},
            rev: {},
            complete: {},
            members: {},
            roomOnline: null,
            typing: {},
            counted: {},
            readMarks: {},
            flash: null,
          }),
    });
  },

  addMessages: (roomId, incoming, opts = {}) => {
    if (incoming.length === 0 && opts.hasMore === undefined && opts.complete === undefined) return;
    const state = get();
    const live = !opts.older && !opts.newer;
    const skip = live && state.hasMoreAfter[roomId] === true;
    const held = state.messages[roomId] ?? [];
    const merged = skip ? held : mergeById(held, incoming);
    const newest = Math.max(newestHeld(merged), ...incoming.map((m) => m.id));
    const room = state.rooms[roomId];
    const patch: Partial<ChatState> = { messages: { ...state.messages, [roomId]: merged } };
    if (room && newest > room.last_message_id) {
      patch.rooms = { ...state.rooms, [roomId]: { ...room, last_message_id: newest } };
    }
    if (opts.older && opts.hasMore !== undefined) {
      patch.hasMoreBefore = { ...state.hasMoreBefore, [roomId]: opts.hasMore };
    }
    if (opts.newer && opts.hasMore !== undefined) {
      patch.hasMoreAfter = { ...state.hasMoreAfter, [roomId]: opts.hasMore };
    }
    if (opts.complete !== undefined && opts.complete > (state.complete[roomId] ?? -1)) {
      patch.complete = { ...state.complete, [roomId]: opts.complete };
    }
    // A typist whose message arrived has stopped typing.
    const typists = state.typing[roomId];
    if (typists) {
      const left = { ...typists };
      for (const m of incoming) delete left[m.author.id];
      patch.typing = { ...state.typing, [roomId]: left };
    }
    set(patch);
  },

  replaceMessages: (roomId, messages, hasMoreBefore, opts = {}) => {
    const state = get();
    const sorted = mergeById([], messages);
    const newest = newestHeld(sorted);
    const room = state.rooms[roomId];
    set({
      messages: { ...state.messages, [roomId]: sorted },
      hasMoreBefore: { ...state.hasMoreBefore, [roomId]: hasMoreBefore },
      hasMoreAfter: { ...state.hasMoreAfter, [roomId]: opts.hasMoreAfter ?? false },
      complete: { ...state.complete, [roomId]: opts.complete ?? newest },
      ...(opts.rev !== undefined ? { rev: { ...state.rev, [roomId]: opts.rev } } : {}),
      ...(room && newest > room.last_message_id
        ? { rooms: { ...state.rooms, [roomId]: { ...room, last_message_id: newest } } }
        : {}),
    });
  },

  applyChanges: (roomId, changed) => {
    const state = get();
    const held = state.messages[roomId];
    if (!held) return;
    const next = applyChangesTo(held, changed);
    if (next !== held) set({ messages: { ...state.messages, [roomId]: next } });
  },

  setRev: (roomId, rev) => {
    if ((get().rev[roomId] ?? -1) >= rev) return;
    set({ rev: { ...get().rev, [roomId]: rev } });
  },

  setLoadingOlder: (roomId, loading) => set({ loadingOlder: { ...get().loadingOlder, [roomId]: loading } }),

  upsertRoom: (room) => {
    const prev = get().rooms[room.id];
    // room_created says member:false and last_read_id 0 to everyone; never downgrade what we know.
    const merged = prev
      ? {
          ...room,
          member: room.member || prev.member,
          last_message_id: Math.max(room.last_message_id, prev.last_message_id),
          last_read_id: Math.max(room.last_read_id ?? 0, prev.last_read_id ?? 0),
        }
      : room;
    const lastRead = get().lastRead;
    const patch: Partial<ChatState> = { rooms: { ...get().rooms, [room.id]: merged } };
    const hostMark = room.last_read_id ?? 0;
    if (lastRead[room.id] === undefined) {
      // First seen (joined, created, a new DM): its history before now is not "unread".
      patch.lastRead = { ...lastRead, [room.id]: hostMark || room.last_message_id };
    } else if (hostMark > (lastRead[room.id] ?? 0)) {
      patch.lastRead = { ...lastRead, [room.id]: hostMark };
    }
    set(patch);
  },

  updateRoomRetention: ({ room_id, retention_days, retention_own }) => {
    const room = get().rooms[room_id];
    if (!room) return;
    set({ rooms: { ...get().rooms, [room_id]: { ...room, retention_days, retention_own } } });
  },

  setHostRetention: (days) => {
    const rooms = { ...get().rooms };
    for (const [id, room] of Object.entries(rooms)) {
      if (!room.retention_own) rooms[Number(id)] = { ...room, retention_days: days };
    }
    set({ rooms });
  },

  expireMessages: (roomId, ids) => {
    const held = get().messages[roomId];
    if (!held || ids.length === 0) return;
    const gone = new Set(ids);
    const next = expireFrom(held, gone);
    if (next !== held) set({ messages: { ...get().messages, [roomId]: next } });
  },

  pruneExpired: (now) => {
    const state = get();
    let messages = state.messages;
    for (const [id, held] of Object.entries(state.messages)) {
      const days = state.rooms[Number(id)]?.retention_days;
      if (!days) continue;
      const cutoff = now - days * 86_400_000;
      const gone = new Set(held.filter((m) => Date.parse(m.created_at) < cutoff).map((m) => m.id));
      const next = gone.size ? expireFrom(held, gone) : held;
      if (next !== held) messages = { ...messages, [id]: next };
    }
    if (messages !== state.messages) set({ messages });
  },

  setActiveRoom: (roomId) => {
    const state = get();
    if (state.activeRoomId !== roomId || state.newSince[roomId] === undefined) {
      const mark = state.lastRead[roomId] ?? 0;
      set({
        newSince: { ...state.newSince, [roomId]: mark },
        followRead: { ...state.followRead, [roomId]: mark >= (state.rooms[roomId]?.last_message_id ?? 0) },
      });
    }
    set({ activeRoomId: roomId });
    persistScoped(get().scope, 'active', roomId);
  },

  markRead: (roomId, upTo) => {
    const state = get();
    const held = newestHeld(state.messages[roomId]);
    // Holding a page from the past, only what we hold has been seen.
    const bottom = state.hasMoreAfter[roomId] ? held : Math.max(held, state.rooms[roomId]?.last_message_id ?? 0);
    // Read as far as the person has seen, never past the bottom.
    const newest = upTo === undefined ? bottom : Math.min(upTo, bottom);
    // Unread messages between the read mark and the oldest we hold were never on screen: what is
    // seen below them does not make them read. (Known when fewer are held than are unread.)
    const mark = state.lastRead[roomId] ?? 0;
    const heldMsgs = state.messages[roomId] ?? [];
    if (upTo !== undefined && (heldMsgs[0]?.id ?? 0) > mark && state.hasMoreBefore[roomId] !== false) {
      const heldUnread = heldMsgs.filter((m) => m.id > mark && m.author.id !== state.me && !m.deleted).length;
      if (heldUnread < unreadCount(state, roomId)) return null;
    }
    if (newest === 0 || (state.lastRead[roomId] ?? 0) >= newest) return null;
    set({
      lastRead: { ...state.lastRead, [roomId]: newest },
      // Caught up when opened and reading along: what arrives is not "new since you left".
      ...(state.followRead[roomId] && state.activeRoomId === roomId
        ? { newSince: { ...state.newSince, [roomId]: newest } }
        : {}),
    });
    return newest;
  },

  setLastRead: (roomId, lastReadId) => {
    if ((get().lastRead[roomId] ?? 0) >= lastReadId) return;
    set({ lastRead: { ...get().lastRead, [roomId]: lastReadId } });
  },

  setReadMarks: (roomId, marks) => {
    const byUser: Record<number, number> = { ...get().readMarks[roomId] };
    for (const m of marks) byUser[m.user_id] = Math.max(m.last_read_id, byUser[m.user_id] ?? 0);
    set({ readMarks: { ...get().readMarks, [roomId]: byUser } });
  },

  setSeen: (roomId, userId, lastReadId) => get().setReadMarks(roomId, [{ user_id: userId, last_read_id: lastReadId }]),

  clearNewSince: (roomId) => {
    const state = get();
    if (state.newSince[roomId] === Number.MAX_SAFE_INTEGER) return;
    set({ newSince: { ...state.newSince, [roomId]: Number.MAX_SAFE_INTEGER } });
  },

  setFlash: (roomId, messageId) => set({ flash: { roomId, messageId, seq: ++flashSeq } }),

  clearFlash: () => set({ flash: null }),

  setCounted: (counts) => set({ counted: { ...get().counted, ...counts } }),

  upsertUser: (user) => {
    const before = get().users[user.id];
    const users = { ...get().users, [user.id]: { ...before, ...user } };
    if (!before || before.name === user.name) return set({ users });
    // A rename: direct messages are titled by their members' names (room.members).
    const rooms = { ...get().rooms };
    for (const room of Object.values(rooms)) {
      if (room.kind === 'dm' && room.members?.some((m) => m.id === user.id)) {
        rooms[room.id] = { ...room, members: room.members.map((m) => (m.id === user.id ? { ...m, name: user.name } : m)) };
      }
    }
    set({ users, rooms });
  },

  addUsers: (list) => {
    const renamed = list.filter((u) => {
      const before = get().users[u.id];
      return before !== undefined && before.name !== u.name;
    });
    const users = { ...get().users };
    for (const u of list) users[u.id] = { ...users[u.id], ...u };
    set({ users });
    // A rename also retitles direct messages: the one-by-one path knows how.
    for (const u of renamed) get().upsertUser(u);
  },

  setOnline: (userId, online) => {
    const user = get().users[userId];
    if (user) set({ users: { ...get().users, [userId]: { ...user, online } } });
  },

  setOnlineOf: (ids, online) => {
    const users = { ...get().users };
    for (const id of ids) {
      const user = users[id];
      if (user) users[id] = { ...user, online: online.has(id) };
    }
    set({ users });
  },

  setMembers: (roomId, users) => {
    const all = { ...get().users };
    for (const u of users) all[u.id] = { ...all[u.id], ...u };
    set({ users: all, members: { ...get().members, [roomId]: users.map((u) => u.id) } });
  },

  setRoomOnline: (count) => set({ roomOnline: count }),

  memberJoined: ({ room_id, user }) => {
    get().upsertUser(user);
    const ids = get().members[room_id];
    if (ids && !ids.includes(user.id)) set({ members: { ...get().members, [room_id]: [...ids, user.id] } });
  },

  memberLeft: ({ room_id, user }) => {
    const ids = get().members[room_id];
    if (ids) set({ members: { ...get().members, [room_id]: ids.filter((id) => id !== user.id) } });
  },

  leftRoom: (roomId) => {
    const state = get();
    const room = state.rooms[roomId];
    if (!room) return;
    const drop = <T,>(record: Record<number, T>) => {
      const copy = { ...record };
      delete copy[roomId];
      return copy;
    };
    set({
      rooms: { ...state.rooms, [roomId]: { ...room, member: false } },
      messages: drop(state.messages),
      hasMoreBefore: drop(state.hasMoreBefore),
      hasMoreAfter: drop(state.hasMoreAfter),
      rev: drop(state.rev),
      complete: drop(state.complete),
      members: drop(state.members),
    });
  },

  setTyping: (roomId, user, now = Date.now()) => {
    if (user.id === get().me) return;
    const room = { ...get().typing[roomId], [user.id]: { name: user.name, until: now + TYPING_SHOW_MS } };
    set({ typing: { ...get().typing, [roomId]: room } });
  },

  pruneTyping: (now = Date.now()) => {
    const typing = get().typing;
    let changed = false;
    const next: Record<number, Record<number, Typist>> = {};
    for (const [roomId, typists] of Object.entries(typing)) {
      const kept: Record<number, Typist> = {};
      for (const [uid, t] of Object.entries(typists)) {
        if (t.until > now) kept[Number(uid)] = t;
        else changed = true;
      }
      next[Number(roomId)] = kept;
    }
    if (changed) set({ typing: next });
  },

  setDraft: (roomId, text) => {
    const drafts = { ...get().drafts, [roomId]: text };
    if (!text) delete drafts[roomId];
    persistScoped(get().scope, 'drafts', drafts);
    set({ drafts });
  },
}));
