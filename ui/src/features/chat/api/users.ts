/**
 * People on demand (issue 17). On a big host the welcome lists only me and some of those online
 * (`users_complete` false): a name met elsewhere (a message's author, a mention, a reaction) is
 * asked for with `get_users`, gathered over a few milliseconds into one request; the pickers that
 * list everyone (new DM, mentions, search, the people panel) page through `list_users` once.
 * On a small host the welcome is complete and both do nothing.
 */
import { COMMANDS, GET_USERS_MAX, type UsersPage, type WireMessage } from '@/lib/protocol';
import { request } from '@/lib/socket';

import { useChat } from '../stores/chat-store';

// Ids met within this long go in one get_users.
const GATHER_MS = 30;
// list_users pages, at most (500 each): a bound, not a size anyone reaches.
const MAX_PAGES = 200;

let complete = true;
const pending = new Set<number>();
const asked = new Set<number>();
let timer: ReturnType<typeof setTimeout> | null = null;
let listing: Promise<void> | null = null;

/** After each welcome: whether it listed everyone (then nothing is ever asked for). */
export function setUsersComplete(value: boolean): void {
  complete = value;
  asked.clear();
  listing = null;
}

/** Whether the last welcome listed everyone (a small host). */
export function usersComplete(): boolean {
  return complete;
}

/** Ask the host for whichever of these people we do not know (once each, gathered). */
export function ensureUsers(ids: Iterable<number>): void {
  if (complete) return;
  const known = useChat.getState().users;
  for (const id of ids) {
    if (known[id] || asked.has(id)) continue;
    asked.add(id);
    pending.add(id);
  }
  if (pending.size > 0 && timer === null) timer = setTimeout(() => void askPending(), GATHER_MS);
}

/** The people a message names: its author, those it mentions, those who reacted. */
export function ensureMessageUsers(messages: WireMessage[]): void {
  if (complete) return;
  const ids: number[] = [];
  for (const m of messages) {
    ids.push(m.author.id, ...(m.mentions ?? []));
    for (const r of m.reactions ?? []) ids.push(...r.user_ids);
  }
  ensureUsers(ids);
}

async function askPending(): Promise<void> {
  timer = null;
  const ids = [...pending].slice(0, GET_USERS_MAX);
  for (const id of ids) pending.delete(id);
  if (pending.size > 0) timer = setTimeout(() => void askPending(), 0);
  try {
    const { users } = await request<UsersPage>(COMMANDS.getUsers, { ids });
    useChat.getState().addUsers(users);
  } catch {
    for (const id of ids) asked.delete(id); // offline or timed out: asked again when next met
  }
}

/** Everyone, a page at a time, once per welcome (the pickers call it as they open). */
export function loadAllUsers(): Promise<void> {
  if (complete) return Promise.resolve();
  listing ??= listEveryone().catch(() => {
    listing = null; // tried again when a picker next opens
  });
  return listing;
}

/** A small host's people as the host sees them now, presence included (after a `resync`: what
 * the welcome listed may have changed unheard). A big host names whom it shows with watch_users. */
export async function reloadSmallHostUsers(): Promise<void> {
  if (complete) await listEveryone();
}

async function listEveryone(): Promise<void> {
  let after = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const r = await request<UsersPage>(COMMANDS.listUsers, { after_id: after });
    useChat.getState().addUsers(r.users);
    const last = r.users.at(-1);
    if (!r.has_more || !last) return;
    after = last.id;
  }
}

/** Module state back to a small host's, between unit tests. */
export function _resetUsersForTests(): void {
  setUsersComplete(true);
  pending.clear();
  if (timer !== null) clearTimeout(timer);
  timer = null;
}
