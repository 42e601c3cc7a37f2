/**
 * Whose presence this client hears on a big host (issue 17; docs/protocol.md, "Whose presence a
 * client hears"): the host tells a connection only of the people it shows. After each welcome with
 * `users_complete` false, and whenever what it shows changes, the UI names them with `watch_users`:
 * the people panel's rows in or near view (a person scrolling a room of 2,000 sees their true
 * dots), its DM partners, the open room's recent authors, then the open room's first people as
 * listed, at most WATCH_USERS_MAX. The answer sets every dot it names, so a reconnect resyncs
 * presence in one request. It also names the open room, whose online count the host keeps for us
 * (`room_online`): we hear of too few of its people to count them. A small host's welcome lists
 * everyone and tells everyone every change: nothing is sent.
 */
import { COMMANDS, WATCH_USERS_MAX, type RoomOnline, type WatchUsersResult } from '@/lib/protocol';
import { request } from '@/lib/socket';

import { useChat, type ChatState } from '../stores/chat-store';
import { usersComplete } from './users';

// Changes within this long (a burst of messages, a room opened) are named in one watch_users.
const GATHER_MS = 250;
// The open room's latest authors, and its people as the panel lists them, at most.
const AUTHORS = 50;
const MEMBERS = 200;

let named: string | null = null; // the room and ids last named: an unchanged set is not sent again
let timer: ReturnType<typeof setTimeout> | null = null;
let asked = 0; // watch_users sent: only the latest answer's count is the room's
let inPanel: readonly number[] = []; // the people panel's rows in or near view, as listed

/** The people the UI shows a dot or a name for, most wanted first, without me: those a person
 * sees in the people panel (`panel`) before all others. */
export function shownPeople(state: ChatState, panel: readonly number[] = inPanel): number[] {
  const ids = new Set<number>();
  const add = (id: number) => {
    if (id !== state.me && ids.size < WATCH_USERS_MAX) ids.add(id);
  };
  for (const id of panel) add(id);
  for (const r of Object.values(state.rooms)) {
    if (r.kind === 'dm' && r.member) for (const m of r.members ?? []) add(m.id);
  }
  const active = state.activeRoomId;
  if (active !== null) {
    for (const m of (state.messages[active] ?? []).slice(-AUTHORS)) add(m.author.id);
    for (const id of (state.members[active] ?? []).slice(0, MEMBERS)) add(id);
  }
  return [...ids];
}

/** The room whose online count the host tells the people panel: the open channel, if we are in
 * it (the host counts for members only). */
export function countedRoom(state: ChatState): number | null {
  const active = state.activeRoomId;
  const room = active !== null ? state.rooms[active] : undefined;
  // A DM's members are watched (its partners): the panel counts them itself, and thousands of
  // open DMs would cost the host a count each per presence window.
  return active !== null && room?.member && room.kind === 'channel' ? active : null;
}

/** The people panel's rows in or near view, in its order: watched first, gathered. */
export function showInPanel(ids: readonly number[]): void {
  inPanel = ids;
  watchSoon();
}

/** A welcome arrived: name what we show to this new connection (it knows nothing of it yet). */
export function watchAfterWelcome(): void {
  named = null;
  void watchShown();
}

/** What we show may have changed: named again, gathered, if it did (a big host only). */
export function watchSoon(): void {
  if (usersComplete() || timer !== null) return;
  timer = setTimeout(() => {
    timer = null;
    void watchShown();
  }, GATHER_MS);
}

async function watchShown(): Promise<void> {
  if (usersComplete()) return;
  const state = useChat.getState();
  const ids = shownPeople(state);
  const room = countedRoom(state);
  const key = `${room}:${ids.join(',')}`;
  if (key === named) return;
  named = key;
  const mine = ++asked;
  try {
    const answer = await request<WatchUsersResult>(COMMANDS.watchUsers, room === null ? { ids } : { ids, room_id: room });
    const chat = useChat.getState();
    chat.setOnlineOf(ids, new Set(answer.online));
    // An older answer's count may be of the room we showed before: only the latest says.
    if (mine === asked) chat.setRoomOnline(room === null || answer.room_online === undefined ? null : { room_id: room, online: answer.room_online });
  } catch {
    named = null; // offline or timed out: the next welcome names them again
  }
}

/** `room_online`: the count of the room we named last (one named before is not ours to show). */
export function roomOnlineChanged(count: RoomOnline): void {
  const chat = useChat.getState();
  if (chat.roomOnline?.room_id === count.room_id) chat.setRoomOnline(count);
}

/** Follows the chat store: rooms, the open room, its messages and people (call once; returns
 * the way to stop). */
export function startPresenceWatch(): () => void {
  return useChat.subscribe((s, before) => {
    if (s.rooms !== before.rooms || s.activeRoomId !== before.activeRoomId || s.messages !== before.messages || s.members !== before.members) {
      watchSoon();
    }
  });
}

/** Module state back to a fresh page's, between unit tests. */
export function _resetPresenceWatchForTests(): void {
  named = null;
  if (timer !== null) clearTimeout(timer);
  timer = null;
  asked = 0;
  inPanel = [];
}
