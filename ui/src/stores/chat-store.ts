/**
 * Rooms, the messages we hold per room, users, typing and read marks. Pure state: the host is
 * reached from stores/sync.ts. Messages are merged by id, so replayed and live copies never double.
 */
import { create } from 'zustand';

import type { MemberChange, Welcome, WireMessage, WireRoom, WireUser } from '@/lib/protocol';
import { TYPING_SHOW_MS } from '@/lib/protocol';
import { loadJson, saveJson } from '@/lib/storage';

export type Typist = { name: string; until: number };
/** The host's count of unread messages in (after, upTo], for a read mark equal to `after`. */
export type Counted = { after: number; upTo: number; count: number };

type ChatState = {
  me: number | null;
  /** `hostId:userId`: read marks and drafts are per host and per identity. */
  scope: string | null;
  rooms: Record<number, WireRoom>;
  activeRoomId: number | null;
  messages: Record<number, WireMessage[]>;
  /** Undefined means "not known yet" and is treated as true. */
  hasMoreBefore: Record<number, boolean>;
  loadingOlder: Record<number, boolean>;
  lastRead: Record<number, number>;
  /** Exact counts from the host (count_unread), beyond what we have fetched. */
  counted: Record<number, Counted>;
  users: Record<number, WireUser>;
  members: Record<number, number[]>;
  typing: Record<number, Record<number, Typist>>;
  drafts: Record<number, string>;

  applyWelcome: (w: Welcome) => void;
  addMessages: (roomId: number, incoming: WireMessage[], opts?: { older?: boolean; hasMore?: boolean }) => void;
  replaceMessages: (roomId: number, messages: WireMessage[], hasMoreBefore: boolean) => void;
  setLoadingOlder: (roomId: number, loading: boolean) => void;
  upsertRoom: (room: WireRoom) => void;
  setActiveRoom: (roomId: number) => void;
  markRead: (roomId: number) => void;
  setCounted: (counts: Record<number, Counted>) => void;
  upsertUser: (user: WireUser) => void;
  setOnline: (userId: number, online: boolean) => void;
  setMembers: (roomId: number, users: WireUser[]) => void;
  memberJoined: (change: MemberChange) => void;
  memberLeft: (change: MemberChange) => void;
  /** We are no longer a member: the room becomes an "other room" and its messages are dropped
   * (a later join fetches afresh, so nothing said meanwhile is missed). */
  leftRoom: (roomId: number) => void;
  setTyping: (roomId: number, user: { id: number; name: string }, now?: number) => void;
  pruneTyping: (now?: number) => void;
  setDraft: (roomId: number, text: string) => void;
};

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
  for (const m of sortedIncoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** Messages from others after the read mark: the host's count up to a point, then what we hold. */
export function unreadCount(
  state: Pick<ChatState, 'messages' | 'lastRead' | 'me' | 'rooms' | 'counted'>,
  roomId: number,
): number {
  const mark = state.lastRead[roomId] ?? 0;
  const held = state.messages[roomId] ?? [];
  // The host's count holds only for the mark it was asked about.
  const counted = state.counted[roomId];
  const base = counted && counted.after === mark && counted.upTo > mark ? counted : undefined;
  const from = base ? base.upTo : mark;
  let n = base ? base.count : 0;
  for (let i = held.length - 1; i >= 0; i--) {
    const m = held[i]!;
    if (m.id <= from) break;
    if (m.author.id !== state.me) n++;
  }
  const room = state.rooms[roomId];
  // Not counted by the host yet: something newer than anything held still shows as unread.
  if (!base && n === 0 && room && room.last_message_id > mark && room.last_message_id > (held.at(-1)?.id ?? 0)) {
    n = 1;
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

export const useChat = create<ChatState>((set, get) => ({
  me: null,
  scope: null,
  rooms: {},
  activeRoomId: null,
  messages: {},
  hasMoreBefore: {},
  loadingOlder: {},
  lastRead: {},
  counted: {},
  users: {},
  members: {},
  typing: {},
  drafts: {},

  applyWelcome: (w) => {
    const scope = `${w.server.host_id}:${w.user.id}`;
    const sameScope = scope === get().scope;
    const rooms: Record<number, WireRoom> = {};
    for (const r of w.rooms) rooms[r.id] = r;
    const users: Record<number, WireUser> = {};
    for (const u of w.users) users[u.id] = u;
    const lastRead = sameScope ? { ...get().lastRead } : loadJson<Record<number, number>>(`read:${scope}`, {});
    // A room seen for the first time starts read: history from before you came is not "unread".
    for (const r of w.rooms) if (lastRead[r.id] === undefined) lastRead[r.id] = r.last_message_id;
    const drafts = sameScope ? get().drafts : loadJson<Record<number, string>>(`drafts:${scope}`, {});
    const storedActive = loadJson<number | null>(`active:${scope}`, null);
    let active = get().activeRoomId;
    if (active === null || !rooms[active]?.member) active = storedActive;
    if (active === null || !rooms[active]?.member) {
      active = w.rooms.find((r) => r.name === 'general')?.id ?? w.rooms.find((r) => r.member)?.id ?? null;
    }
    persistScoped(scope, 'read', lastRead);
    set({
      me: w.user.id,
      scope,
      rooms,
      users,
      lastRead,
      drafts,
      activeRoomId: active,
      ...(sameScope ? {} : { messages: {}, hasMoreBefore: {}, members: {}, typing: {}, counted: {} }),
    });
  },

  addMessages: (roomId, incoming, opts = {}) => {
    if (incoming.length === 0 && opts.hasMore === undefined) return;
    const state = get();
    const merged = mergeById(state.messages[roomId] ?? [], incoming);
    const newest = merged.at(-1)?.id ?? 0;
    const room = state.rooms[roomId];
    const patch: Partial<ChatState> = { messages: { ...state.messages, [roomId]: merged } };
    if (room && newest > room.last_message_id) {
      patch.rooms = { ...state.rooms, [roomId]: { ...room, last_message_id: newest } };
    }
    if (opts.older && opts.hasMore !== undefined) {
      patch.hasMoreBefore = { ...state.hasMoreBefore, [roomId]: opts.hasMore };
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

  replaceMessages: (roomId, messages, hasMoreBefore) => {
    const state = get();
    const sorted = mergeById([], messages);
    const newest = sorted.at(-1)?.id ?? 0;
    const room = state.rooms[roomId];
    set({
      messages: { ...state.messages, [roomId]: sorted },
      hasMoreBefore: { ...state.hasMoreBefore, [roomId]: hasMoreBefore },
      ...(room && newest > room.last_message_id
        ? { rooms: { ...state.rooms, [roomId]: { ...room, last_message_id: newest } } }
        : {}),
    });
  },

  setLoadingOlder: (roomId, loading) => set({ loadingOlder: { ...get().loadingOlder, [roomId]: loading } }),

  upsertRoom: (room) => {
    const prev = get().rooms[room.id];
    // room_created says member:false to everyone; never downgrade what we know.
    const merged = prev ? { ...room, member: room.member || prev.member } : room;
    const lastRead = get().lastRead;
    const patch: Partial<ChatState> = { rooms: { ...get().rooms, [room.id]: merged } };
    if (lastRead[room.id] === undefined) {
      patch.lastRead = { ...lastRead, [room.id]: room.last_message_id };
      persistScoped(get().scope, 'read', patch.lastRead);
    }
    set(patch);
  },

  setActiveRoom: (roomId) => {
    set({ activeRoomId: roomId });
    persistScoped(get().scope, 'active', roomId);
    get().markRead(roomId);
  },

  markRead: (roomId) => {
    const state = get();
    const newest = Math.max(state.messages[roomId]?.at(-1)?.id ?? 0, state.rooms[roomId]?.last_message_id ?? 0);
    if ((state.lastRead[roomId] ?? 0) >= newest) return;
    const lastRead = { ...state.lastRead, [roomId]: newest };
    persistScoped(state.scope, 'read', lastRead);
    set({ lastRead });
  },

  setCounted: (counts) => set({ counted: { ...get().counted, ...counts } }),

  upsertUser: (user) => set({ users: { ...get().users, [user.id]: { ...get().users[user.id], ...user } } }),

  setOnline: (userId, online) => {
    const user = get().users[userId];
    if (user) set({ users: { ...get().users, [userId]: { ...user, online } } });
  },

  setMembers: (roomId, users) => {
    const all = { ...get().users };
    for (const u of users) all[u.id] = { ...all[u.id], ...u };
    set({ users: all, members: { ...get().members, [roomId]: users.map((u) => u.id) } });
  },

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
    const messages = { ...state.messages };
    delete messages[roomId];
    const hasMoreBefore = { ...state.hasMoreBefore };
    delete hasMoreBefore[roomId];
    const members = { ...state.members };
    delete members[roomId];
    set({ rooms: { ...state.rooms, [roomId]: { ...room, member: false } }, messages, hasMoreBefore, members });
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
