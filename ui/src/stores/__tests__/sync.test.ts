import { COMMANDS, EVENTS, type FetchMessagesPayload, type WireMessage } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { useChat } from '@/stores/chat-store';
import { useOutbox } from '@/stores/outbox-store';
import { useSession } from '@/stores/session-store';
import {
  _resetSyncForTests,
  flushOutbox,
  leaveRoom,
  loadOlder,
  retryMessage,
  sendMessage,
  startSync,
} from '@/stores/sync';
import { fake } from '@/testing/fake-socket';
import { BOB, ME, msg, room, welcome } from '@/testing/data';

/** A tiny in-memory host answering fetch/send like docs/protocol.md says. */
function fakeHost(initial: WireMessage[]) {
  const stored = [...initial];
  const byClient = new Map<string, WireMessage>();
  const lastRev = () => Math.max(0, ...stored.map((m) => m.rev));
  fake.handle(COMMANDS.fetchMessages, (p: FetchMessagesPayload) => {
    const limit = p.limit ?? 50;
    const inRoom = stored.filter((m) => m.room_id === p.room_id);
    if (p.after_id !== undefined) {
      const after = inRoom.filter((m) => m.id > p.after_id!);
      return { messages: after.slice(0, limit), has_more: after.length > limit, rev: lastRev() };
    }
    if (p.around_id !== undefined) {
      const at = inRoom.findIndex((m) => m.id >= p.around_id!);
      const start = Math.max(0, at - Math.floor(limit / 2));
      const page = inRoom.slice(start, start + limit);
      return { messages: page, has_more: start > 0, has_more_after: start + limit < inRoom.length, rev: lastRev() };
    }
    const before = p.before_id === undefined ? inRoom : inRoom.filter((m) => m.id < p.before_id!);
    return { messages: before.slice(-limit), has_more: before.length > limit, rev: lastRev() };
  });
  fake.handle(COMMANDS.fetchChanges, (p: { room_id: number; after_rev: number }) => {
    const changed = stored.filter((m) => m.room_id === p.room_id && m.rev > p.after_rev).sort((a, b) => a.rev - b.rev);
    return { messages: changed, rev: lastRev(), has_more: false };
  });
  /** A change on the host: the message's new state gets the next host-wide rev. */
  const change = (id: number, patch: Partial<WireMessage>) => {
    const i = stored.findIndex((m) => m.id === id);
    stored[i] = { ...stored[i]!, ...patch, rev: lastRev() + 1 };
    return stored[i]!;
  };
  fake.handle(COMMANDS.sendMessage, (p: { room_id: number; text: string; client_id: string }) => {
    const seen = byClient.get(p.client_id);
    if (seen) return { message: seen };
    const m = msg((stored.at(-1)?.id ?? 0) + 1, p.room_id, ME, p.text, p.client_id);
    stored.push(m);
    byClient.set(p.client_id, m);
    return { message: m };
  });
  fake.handle(COMMANDS.listMembers, () => ({ members: [ME, BOB] }));
  return { stored, byClient, change };
}

async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
}

let stop: () => void;

beforeEach(() => {
  fake.reset();
  _resetSyncForTests();
  useChat.setState({ scope: null, messages: {}, hasMoreBefore: {}, lastRead: {}, activeRoomId: null, rooms: {} });
  useOutbox.setState({ scope: null, entries: [] });
  useSession.setState({ status: 'idle', user: null, token: null, everConnected: false });
  stop = startSync();
});

afterEach(() => stop());

function connectAndWelcome(rooms = [room(1, 'general', 0)]) {
  fake.open();
  fake.serverEmit(EVENTS.welcome, welcome(rooms));
}

describe('welcome and resync', () => {
  it('stores the token and loads the newest page of each room', async () => {
    fakeHost(Array.from({ length: 80 }, (_, i) => msg(i + 1)));
    connectAndWelcome([room(1, 'general', 80)]);
    await settle();
    expect(useSession.getState().token).toBe('tok-1');
    const held = useChat.getState().messages[1]!;
    expect(held).toHaveLength(50);
    expect(held[0]!.id).toBe(31);
    expect(useChat.getState().hasMoreBefore[1]).toBe(true);
  });

  it('after a reconnect fetches only what it missed (after_id), with no duplicates', async () => {
    const host = fakeHost([msg(1), msg(2), msg(3)]);
    connectAndWelcome([room(1, 'general', 3)]);
    await settle();
    fake.drop();
    expect(useSession.getState().status).toBe('reconnecting');
    host.stored.push(msg(4), msg(5));
    // A live copy of 4 raced the resync: it must still appear once.
    fake.open();
    fake.serverEmit(EVENTS.messageCreated, msg(4));
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general', 5)]));
    await settle();
    const fetches = fake.sent.filter((s) => s.command === COMMANDS.fetchMessages);
    expect(fetches.at(-1)!.payload).toMatchObject({ room_id: 1, after_id: 4 });
    expect(useChat.getState().messages[1]!.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('loads older history with before_id and keeps order', async () => {
    fakeHost(Array.from({ length: 120 }, (_, i) => msg(i + 1)));
    connectAndWelcome([room(1, 'general', 120)]);
    await settle();
    await loadOlder(1);
    const held = useChat.getState().messages[1]!;
    expect(fake.sent.at(-1)!.payload).toMatchObject({ before_id: 71 });
    expect(held[0]!.id).toBe(21);
    expect(held).toHaveLength(100);
    await loadOlder(1);
    expect(useChat.getState().messages[1]![0]!.id).toBe(1);
    expect(useChat.getState().hasMoreBefore[1]).toBe(false);
  });
});

describe('outbox', () => {
  it('keeps a message written offline, persists it, and sends it once after welcome', async () => {
    const host = fakeHost([]);
    connectAndWelcome();
    await settle();
    fake.drop();
    const entry = sendMessage(1, 'while offline');
    expect(useOutbox.getState().entries).toMatchObject([{ client_id: entry.client_id, state: 'sending' }]);
    expect(localStorage.getItem('parley:outbox:h1:1')).toContain('while offline');

    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome());
    await settle();
    expect(host.stored.map((m) => m.text)).toEqual(['while offline']);
    expect(useOutbox.getState().entries).toEqual([]);
    // The live broadcast of the same message changes nothing.
    fake.serverEmit(EVENTS.messageCreated, host.stored[0]);
    expect(useChat.getState().messages[1]!.filter((m) => m.text === 'while offline')).toHaveLength(1);
  });

  it('a resend after a lost ack reuses the client_id, so the host stores it once', async () => {
    const host = fakeHost([]);
    connectAndWelcome();
    await settle();
    const entry = useOutbox.getState().enqueue(1, 'twice?');
    await flushOutbox();
    useOutbox.setState({ entries: [{ ...entry }] }); // as if the ack was lost before a reload
    await flushOutbox();
    expect(fake.sent.filter((s) => s.command === COMMANDS.sendMessage).map((s) => s.payload.client_id)).toEqual([
      entry.client_id,
      entry.client_id,
    ]);
    expect(host.stored).toHaveLength(1);
    expect(useChat.getState().messages[1]).toHaveLength(1);
  });

  it('marks a refused message failed with the host’s sentence, and retry sends it', async () => {
    fakeHost([]);
    connectAndWelcome();
    await settle();
    const ok = fake.handlers.get(COMMANDS.sendMessage)!;
    fake.handle(COMMANDS.sendMessage, () => {
      throw new RequestError('forbidden', 'You are not in this room.');
    });
    const entry = sendMessage(1, 'nope');
    await settle();
    expect(useOutbox.getState().entries[0]).toMatchObject({ state: 'failed', error: 'You are not in this room.' });
    fake.handlers.set(COMMANDS.sendMessage, ok);
    retryMessage(entry.client_id);
    await settle();
    expect(useOutbox.getState().entries).toEqual([]);
    expect(useChat.getState().messages[1]!.map((m) => m.text)).toEqual(['nope']);
  });
});

describe('connect refusals', () => {
  it('a bad token forgets the identity and shows the sentence', () => {
    useSession.setState({ token: 'old' });
    fake.refuse({ code: 'bad_token', message: 'Unknown token.' });
    expect(useSession.getState().token).toBeNull();
    expect(useSession.getState().joinError).toBe('This device is no longer known to the host. Join again.');
  });
});

describe('leave room', () => {
  it('moves the room to the other rooms, opens general, and drops what it held', async () => {
    fakeHost([msg(1, 2)]);
    fake.handle(COMMANDS.leaveRoom, () => ({}));
    fake.handle(COMMANDS.joinRoom, (p: { room_id: number }) => ({ room: room(p.room_id, 'random', 1, true) }));
    connectAndWelcome([room(1, 'general', 0), room(2, 'random', 1)]);
    await settle();
    useChat.getState().setActiveRoom(2);

    await leaveRoom(2);
    await settle();
    expect(fake.sent.find((s) => s.command === COMMANDS.leaveRoom)!.payload).toEqual({ room_id: 2 });
    expect(useChat.getState().rooms[2]!.member).toBe(false);
    expect(useChat.getState().messages[2]).toBeUndefined();
    expect(useChat.getState().activeRoomId).toBe(1);
  });

  it('follows a leave made on another device (member_left for me)', async () => {
    fakeHost([]);
    connectAndWelcome([room(1, 'general', 0), room(2, 'random', 0)]);
    await settle();
    fake.serverEmit(EVENTS.memberLeft, { room_id: 2, user: ME });
    expect(useChat.getState().rooms[2]!.member).toBe(false);
    fake.serverEmit(EVENTS.memberLeft, { room_id: 1, user: BOB });
    expect(useChat.getState().rooms[1]!.member).toBe(true);
  });
});
