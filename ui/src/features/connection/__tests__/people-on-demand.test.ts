/**
 * A big host's welcome lists only me and some of those online (`users_complete` false): the UI
 * asks for the people it meets but does not know (get_users, gathered into one request) and pages
 * through everyone (list_users) when a picker needs them; users_changed batches update everyone.
 * The host tells it only of the people it shows: it names them (watch_users) after each welcome
 * and when they change, and a reconnect does not fetch the open room's whole member list again.
 */
import { loadAllUsers, showInPanel, useChat } from '@/features/chat';
import { _resetSyncForTests } from '@/features/connection/api/sync';
import { COMMANDS, EVENTS, type WireUser } from '@/lib/protocol';
import { fake } from '@/testing/fake-socket';
import { startFreshSync } from '@/testing/fresh-sync';
import { BOB, ME, msg, room, welcome } from '@/testing/data';
import type { WireRoom } from '@/lib/protocol';

const person = (id: number): WireUser => ({ id, name: `p${id}`, is_host: false, online: id % 2 === 0 });
// The host's people: me, Bob, and 1,200 more (ids 3..1202).
const EVERYONE: WireUser[] = [
  { ...ME, online: true },
  { ...BOB, online: true },
  ...Array.from({ length: 1200 }, (_, i) => person(i + 3)),
];

const ROOM_ONLINE = 601;

function fakeHost() {
  fake.handle(COMMANDS.fetchMessages, () => ({ messages: [], has_more: false, rev: 0 }));
  fake.handle(COMMANDS.fetchChanges, () => ({ messages: [], rev: 0, has_more: false }));
  fake.handle(COMMANDS.listMembers, () => ({ members: EVERYONE.slice(0, 300) }));
  fake.handle(COMMANDS.watchUsers, (p: { ids: number[]; room_id?: number }) => ({
    online: p.ids.filter((id) => EVERYONE.find((u) => u.id === id)?.online),
    // The host's count of the room's members online (half of them, at this fake host).
    ...(p.room_id === undefined ? {} : { room_online: ROOM_ONLINE }),
  }));
  fake.handle(COMMANDS.getUsers, (p: { ids: number[] }) => ({
    users: EVERYONE.filter((u) => p.ids.includes(u.id)),
  }));
  fake.handle(COMMANDS.listUsers, (p: { after_id?: number }) => {
    const after = EVERYONE.filter((u) => u.id > (p.after_id ?? 0));
    return { users: after.slice(0, 500), has_more: after.length > 500 };
  });
}

async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 60)); // past the gathering window
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

let stop: () => void;

beforeEach(() => {
  stop = startFreshSync();
  fakeHost();
});

afterEach(() => stop());

function bigWelcome(rooms: WireRoom[] = [room(1, 'general', 0)]) {
  fake.open();
  fake.serverEmit(EVENTS.welcome, { ...welcome(rooms), users: [{ ...ME, online: true }], users_complete: false });
}

// A direct message with p900 (not in the open room's first people).
const DM: WireRoom = { ...room(7, '', 0), kind: 'dm', members: [{ id: 1, name: 'ana' }, { id: 900, name: 'p900' }] };

const sentOf = (command: string) => fake.sent.filter((s) => s.command === command);

describe('people on demand (a big host)', () => {
  it('asks once, in one get_users, for the authors and mentions it meets but does not know', async () => {
    bigWelcome();
    await settle();
    expect(useChat.getState().users[500]).toBeUndefined();
    fake.serverEmit(EVENTS.messageCreated, { ...msg(1, 1, { id: 500, name: 'p500', is_host: false }), mentions: [700, 1] });
    fake.serverEmit(EVENTS.messageCreated, { ...msg(2, 1, { id: 501, name: 'p501', is_host: false }), mentions: [] });
    fake.serverEmit(EVENTS.messageCreated, { ...msg(3, 1, { id: 500, name: 'p500', is_host: false }), mentions: [] });
    await settle();
    const asks = sentOf(COMMANDS.getUsers);
    expect(asks).toHaveLength(1);
    expect([...(asks[0]!.payload.ids as number[])].sort((a, b) => a - b)).toEqual([500, 501, 700]);
    const users = useChat.getState().users;
    expect(users[500]).toMatchObject({ name: 'p500', online: true });
    expect(users[501]).toMatchObject({ name: 'p501', online: false });
    expect(users[700]?.name).toBe('p700');
    // Known now: meeting them again asks nothing.
    fake.serverEmit(EVENTS.messageCreated, { ...msg(4, 1, { id: 700, name: 'p700', is_host: false }), mentions: [500] });
    await settle();
    expect(sentOf(COMMANDS.getUsers)).toHaveLength(1);
  });

  it('pages through everyone once for the pickers', async () => {
    bigWelcome();
    await settle();
    await Promise.all([loadAllUsers(), loadAllUsers()]);
    const pages = sentOf(COMMANDS.listUsers);
    expect(pages.map((p) => p.payload.after_id)).toEqual([0, 500, 1000]);
    expect(Object.keys(useChat.getState().users)).toHaveLength(EVERYONE.length);
    await loadAllUsers();
    expect(sentOf(COMMANDS.listUsers)).toHaveLength(3);
  });

  it('a users_changed batch updates everyone it lists, and a reconnect keeps who it learnt', async () => {
    bigWelcome();
    await settle();
    fake.serverEmit(EVENTS.usersChanged, { users: [person(40), { ...person(41), online: true }, { ...BOB, online: false }] });
    const users = useChat.getState().users;
    expect(users[40]).toMatchObject({ name: 'p40', online: true });
    expect(users[41]).toMatchObject({ online: true });
    expect(users[2]).toMatchObject({ name: 'bob', online: false });
    fake.drop();
    bigWelcome();
    await settle();
    expect(useChat.getState().users[40]?.name).toBe('p40');
  });
});

describe('whose presence it hears (a big host)', () => {
  it('names the people it shows in one watch_users, and its answer sets their dots', async () => {
    bigWelcome([room(1, 'general', 0), DM]);
    await settle();
    // Learnt before a reconnect, as they were then.
    useChat.getState().addUsers([{ ...person(900), online: false }, { ...person(5), online: true }]);
    fake.drop();
    bigWelcome([room(1, 'general', 0), DM]);
    await settle();
    await new Promise((r) => setTimeout(r, 300)); // past the watch's gathering window
    await settle();
    const watches = sentOf(COMMANDS.watchUsers);
    expect(watches.length).toBeGreaterThanOrEqual(1);
    const named = watches.at(-1)!.payload.ids as number[];
    // DM partners first, then the open room's people as listed (the first 200 of 300); never me.
    expect(named[0]).toBe(900);
    expect(named).toContain(2);
    expect(named).not.toContain(1);
    expect(named).toHaveLength(200); // 900, and the first 200 people but me
    const users = useChat.getState().users;
    expect(users[900]?.online).toBe(true); // even ids are online at the fake host: set right
    expect(users[5]?.online).toBe(false);
  });

  it('a reconnect names them again but does not fetch the open room\'s member list again', async () => {
    bigWelcome();
    await settle();
    await new Promise((r) => setTimeout(r, 300));
    await settle();
    const members = sentOf(COMMANDS.listMembers).length;
    const watches = sentOf(COMMANDS.watchUsers).length;
    expect(members).toBe(1); // the first welcome: the open room had none held
    fake.drop();
    bigWelcome();
    await settle();
    await new Promise((r) => setTimeout(r, 300));
    await settle();
    expect(sentOf(COMMANDS.listMembers)).toHaveLength(members);
    expect(sentOf(COMMANDS.watchUsers)).toHaveLength(watches + 1);
  });
});

describe('the people panel of a big room (a big host)', () => {
  const watched = async () => {
    await new Promise((r) => setTimeout(r, 300)); // past the watch's gathering window
    await settle();
    return sentOf(COMMANDS.watchUsers).at(-1)!.payload as { ids: number[]; room_id?: number };
  };

  it('names the rows in view first, then the rest as before; their answer sets those dots', async () => {
    bigWelcome([room(1, 'general', 0), DM]);
    await settle();
    // Far down the list (past the first 200), as a person scrolled there.
    useChat.getState().addUsers([{ ...person(1100), online: false }, { ...person(1101), online: true }]);
    showInPanel([1100, 1101, 1]);
    const { ids } = await watched();
    expect(ids.slice(0, 3)).toEqual([1100, 1101, 900]); // never me; then the DM partner
    expect(ids).toContain(2); // the open room's first people still follow
    expect(ids.length).toBeLessThanOrEqual(500);
    expect(useChat.getState().users[1100]?.online).toBe(true); // even ids are online at the fake host
    expect(useChat.getState().users[1101]?.online).toBe(false);
    // Scrolled away: no longer first; the same rows again are not named twice.
    showInPanel([]);
    expect((await watched()).ids[0]).toBe(900);
    const before = sentOf(COMMANDS.watchUsers).length;
    showInPanel([]);
    await watched();
    expect(sentOf(COMMANDS.watchUsers)).toHaveLength(before);
  });

  it('names the open room for its online count, and follows room_online for that room only', async () => {
    bigWelcome([room(1, 'general', 0), room(3, 'lobby', 0, false), { ...room(4, ''), kind: 'dm' }]);
    await settle();
    expect((await watched()).room_id).toBe(1);
    expect(useChat.getState().roomOnline).toEqual({ room_id: 1, online: ROOM_ONLINE });
    fake.serverEmit(EVENTS.roomOnline, { room_id: 1, online: 602 });
    fake.serverEmit(EVENTS.roomOnline, { room_id: 3, online: 9 }); // not the room we named
    expect(useChat.getState().roomOnline).toEqual({ room_id: 1, online: 602 });
    // A room we are not in: the host counts for members only, so nothing is named or shown.
    useChat.getState().setActiveRoom(3);
    expect((await watched()).room_id).toBeUndefined();
    expect(useChat.getState().roomOnline).toBeNull();
    // A DM: its members are watched, the panel counts them; the host is not asked to.
    useChat.getState().setActiveRoom(1);
    expect((await watched()).room_id).toBe(1);
    useChat.getState().setActiveRoom(4);
    expect((await watched()).room_id).toBeUndefined();
  });
});

describe('a small host', () => {
  it('lists everyone in its welcome: nothing is asked for', async () => {
    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general', 0)]));
    await settle();
    fake.serverEmit(EVENTS.messageCreated, { ...msg(1, 1, { id: 900, name: 'ghost', is_host: false }), mentions: [] });
    await loadAllUsers();
    await settle();
    expect(sentOf(COMMANDS.getUsers)).toHaveLength(0);
    expect(sentOf(COMMANDS.listUsers)).toHaveLength(0);
    expect(sentOf(COMMANDS.watchUsers)).toHaveLength(0);
  });
});
