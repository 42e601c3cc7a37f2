/**
 * Whose presence this client hears on a big host (issue 17; docs/protocol.md, "Whose presence a
 * client hears"): the host tells a connection only of the people it shows. After each welcome with
 * `users_complete` false, and whenever what it shows changes, the UI names them with `watch_users`:
 * its DM partners, the open room's recent authors, then the open room's people as listed, at most
 * WATCH_USERS_MAX. The answer sets every dot it names, so a reconnect resyncs presence in one
 * request. A small host's welcome lists everyone and tells everyone every change: nothing is sent.
 */
import { COMMANDS, WATCH_USERS_MAX, type WatchUsersResult } from '@/lib/protocol';
import { request } from '@/lib/socket';

import { useChat, type ChatState } from '../stores/chat-store';
import { usersComplete } from './users';

// Changes within this long (a burst of messages, a room opened) are named in one watch_users.
const GATHER_MS = 250;
// The open room's latest authors, and its people as the panel lists them, at most.
const AUTHORS = 50;
const MEMBERS = 200;

let named: string | null = null; // the ids last named (joined): an unchanged set is not sent again
let timer: ReturnType<typeof setTimeout> | null = null;

/** The people the UI shows a dot or a name for, most wanted first, without me. */
export function shownPeople(state: ChatState): number[] {
  const ids = new Set<number>();
  const add = (id: number) => {
    if (id !== state.me && ids.size < WATCH_USERS_MAX) ids.add(id);
  };
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
  const ids = shownPeople(useChat.getState());
  const key = ids.join(',');
  if (key === named) return;
  named = key;
  try {
    const { online } = await request<WatchUsersResult>(COMMANDS.watchUsers, { ids });
    useChat.getState().setOnlineOf(ids, new Set(online));
  } catch {
    named = null; // offline or timed out: the next welcome names them again
  }
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
}
