import {
  deleteMessage,
  editMessage,
  flushOutbox,
  jumpToMessage,
  jumpToPresent,
  loadNewer,
  loadOlder,
  notifyTyping,
  retryMessage,
  sendMessage,
  unreadCount,
  useChat,
} from '@/features/chat';
import { _resetSyncForTests, connectToHost } from '@/features/connection/api/sync';
import { openDm } from '@/features/dms';
import { react } from '@/features/reactions';
import { leaveRoom, markRoomRead, openRoom } from '@/features/rooms';
import { COMMANDS, EVENTS, type FetchMessagesPayload, type WireMessage } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { useOutbox } from '@/stores/outbox-store';
import { useSession } from '@/stores/session-store';
import { fake } from '@/testing/fake-socket';
import { startFreshSync } from '@/testing/fresh-sync';
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
  stop = startFreshSync();
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
    // From the last id held with nothing missing (3), not from the live 4 (see 'resync gaps').
    expect(fetches.at(-1)!.payload).toMatchObject({ room_id: 1, after_id: 3 });
    expect(useChat.getState().messages[1]!.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('tries again when the host closed the connection, so a removed device learns bad_token', async () => {
    fakeHost([]);
    connectAndWelcome([room(1, 'general')]);
    await settle();
    fake.auth = null;
    fake.drop('io server disconnect');
    expect(fake.auth).not.toBeNull(); // socket.io-client would not retry this by itself
    fake.refuse({ code: 'bad_token', message: 'Unknown device.' });
    expect(useSession.getState().user).toBeNull();
    expect(useSession.getState().joinError).toBe('This device is no longer known to the host. Join again.');
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
  it('holds a message until the uploads it waits for are in, then sends caption and files as one', async () => {
    fakeHost([]);
    connectAndWelcome();
    await settle();
    const entry = sendMessage(1, 'minutes attached', { waiting: ['u1', 'u2'] });
    await flushOutbox();
    await settle();
    expect(fake.sent.filter((s) => s.command === COMMANDS.sendMessage)).toHaveLength(0);
    const file = (id: number) => ({ id, name: `f${id}`, size: 1, mime: 'text/plain', kind: 'file' as const, sha256: 'x' });
    expect(useOutbox.getState().uploaded(entry.client_id, 'u1', file(7))?.waiting).toEqual(['u2']);
    const ready = useOutbox.getState().uploaded(entry.client_id, 'u2', file(8))!;
    expect(ready.waiting).toBeUndefined();
    retryMessage(entry.client_id);
    await settle();
    const sent = fake.sent.filter((s) => s.command === COMMANDS.sendMessage);
    expect(sent.map((s) => [s.payload.text, s.payload.attachments])).toEqual([['minutes attached', [7, 8]]]);
    expect(useOutbox.getState().entries).toEqual([]);
  });

  it('a message that waited for an upload when the page went away shows failed, not sent bare', () => {
    localStorage.setItem(
      'parley:outbox:h9:1',
      JSON.stringify([{ client_id: 'c1', room_id: 1, text: 'cap', created_at: '2026-01-01T00:00:00Z', state: 'sending', waiting: ['u1'] }]),
    );
    useOutbox.getState().load('h9:1');
    expect(useOutbox.getState().entries[0]).toMatchObject({ state: 'failed', waiting: undefined });
  });

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

describe('outbox: what the host answers decides what is tried again', () => {
  const FINAL = ['too_large', 'invalid', 'forbidden', 'not_found', 'storage_full', 'conflict', 'internal'];

  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Let pending promises and timers run, `ms` of fake time at most. */
  async function pass(ms = 0) {
    await vi.advanceTimersByTimeAsync(ms);
  }

  const sendsOf = (clientId: string) =>
    fake.sent.filter((s) => s.command === COMMANDS.sendMessage && s.payload.client_id === clientId).length;

  it.each(FINAL)('%s is final for that message: shown failed, never sent again, and the messages behind it go', async (code) => {
    const host = fakeHost([]);
    const ok = fake.handlers.get(COMMANDS.sendMessage)!;
    fake.handle(COMMANDS.sendMessage, (p: { text: string }) => {
      if (p.text.startsWith('bad')) throw new RequestError(code, `The host says no (${code}).`, { limit: 4000 });
      return ok(p as never);
    });
    connectAndWelcome();
    await pass();
    fake.drop();
    sendMessage(1, 'first');
    const bad = sendMessage(1, 'bad one');
    sendMessage(1, 'last');

    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome());
    await pass();
    expect(host.stored.map((m) => m.text)).toEqual(['first', 'last']);
    expect(useOutbox.getState().entries).toEqual([
      expect.objectContaining({ client_id: bad.client_id, state: 'failed', error: `The host says no (${code}).` }),
    ]);

    // Not on a timer, nor on the next connection: only Retry sends it again.
    await pass(5 * 60_000);
    fake.drop();
    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome());
    await pass(60_000);
    expect(sendsOf(bad.client_id)).toBe(1);
    expect(useOutbox.getState().entries[0]!.state).toBe('failed');
    expect(localStorage.getItem('parley:outbox:h1:1')).toContain('"failed"'); // a reload keeps it failed
  });

  it('a lost ack (no answer in time) is sent again with the same client_id until it is answered', async () => {
    const host = fakeHost([]);
    const ok = fake.handlers.get(COMMANDS.sendMessage)!;
    let lost = 2;
    fake.handle(COMMANDS.sendMessage, (p: never) => {
      if (lost-- > 0) throw new RequestError('timeout', 'The host did not answer in time.');
      return ok(p);
    });
    connectAndWelcome();
    await pass();
    const entry = sendMessage(1, 'eventually');
    await pass();
    expect(useOutbox.getState().entries[0]!.state).toBe('sending');
    await pass(1_000);
    await pass(1_000);
    expect(sendsOf(entry.client_id)).toBe(3);
    expect(useOutbox.getState().entries).toEqual([]);
    expect(host.stored.map((m) => m.text)).toEqual(['eventually']);
  });

  it('rate_limited is tried again after the host’s retry_after, capped at a minute', async () => {
    fakeHost([]);
    const ok = fake.handlers.get(COMMANDS.sendMessage)!;
    const waits: unknown[] = [2, 1e9, 'soon'];
    fake.handle(COMMANDS.sendMessage, (p: never) => {
      if (waits.length) throw new RequestError('rate_limited', 'Slow down.', { retry_after: waits.shift() });
      return ok(p);
    });
    connectAndWelcome();
    await pass();
    const entry = sendMessage(1, 'patient');
    await pass(1_900);
    expect(sendsOf(entry.client_id)).toBe(1);
    await pass(100); // 2 s: the host's retry_after
    expect(sendsOf(entry.client_id)).toBe(2);
    await pass(59_999); // a huge retry_after waits a minute, not forever
    expect(sendsOf(entry.client_id)).toBe(2);
    await pass(1);
    expect(sendsOf(entry.client_id)).toBe(3);
    await pass(1_000); // a retry_after that is not a number: a second
    expect(sendsOf(entry.client_id)).toBe(4);
    expect(useOutbox.getState().entries).toEqual([]);
  });
});

describe('connect refusals', () => {
  it('a bad token forgets the identity and shows the sentence', () => {
    useSession.setState({ token: 'old' });
    fake.refuse({ code: 'bad_token', message: 'Unknown token.' });
    expect(useSession.getState().token).toBeNull();
    expect(useSession.getState().joinError).toBe('This device is no longer known to the host. Join again.');
  });

  it('a refused #owner= key costs nothing: the device signs in again with its own token', async () => {
    fakeHost([msg(1)]);
    localStorage.setItem('parley:token', JSON.stringify('tok-1'));
    localStorage.setItem('parley:welcome', JSON.stringify({ ...welcome([room(1, 'general', 1)]), token: undefined }));
    useSession.setState({ token: 'tok-1' });
    // app/provider.tsx with `#owner=forged` in the address.
    useSession.getState().setOwnerKey('forged');
    connectToHost();

    fake.refuse({ code: 'bad_token', message: 'That host key is not valid here.' });
    // It tried again at once, with the token this time.
    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general', 1)]));
    await settle();

    expect(fake.handshakes).toEqual([{ owner_key: 'forged' }, { token: 'tok-1' }]);
    expect(useSession.getState()).toMatchObject({ token: 'tok-1', ownerKey: null, joinError: null, status: 'connected' });
    expect(useSession.getState().user).toMatchObject({ name: 'ana' });
    expect(localStorage.getItem('parley:token')).toBe(JSON.stringify('tok-1'));
    expect(localStorage.getItem('parley:welcome')).not.toBeNull();
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

describe('resync gaps: a live message past what we missed', () => {
  type Pending = { payload: FetchMessagesPayload; release: () => void; fail: () => void };

  /** Fetches are read at once on the host, but their acks wait for the test: live events can
   * come in between, as they do on a real socket. */
  function gateFetches(): Pending[] {
    const inner = fake.handlers.get(COMMANDS.fetchMessages)!;
    const waiting: Pending[] = [];
    fake.handle(COMMANDS.fetchMessages, async (p: FetchMessagesPayload) => {
      const answer = await inner(p as never);
      await new Promise<void>((release, reject) =>
        waiting.push({ payload: p, release, fail: () => reject(new RequestError('timeout', 'lost')) }),
      );
      return answer;
    });
    return waiting;
  }

  /** Answer every held fetch, oldest first, until none is left (bounded). */
  async function releaseAll(waiting: Pending[]) {
    for (let i = 0; i < 50 && waiting.length > 0; i++) {
      waiting.shift()!.release();
      await settle();
    }
    expect(waiting).toHaveLength(0);
  }

  /** A message sent by someone else: stored on the host, then broadcast to us. */
  function live(host: { stored: WireMessage[] }, id: number, roomId: number) {
    const m = msg(id, roomId);
    host.stored.push(m);
    fake.serverEmit(EVENTS.messageCreated, m);
  }

  const ids = (roomId: number) => useChat.getState().messages[roomId]!.map((m) => m.id);
  const hostIds = (host: { stored: WireMessage[] }, roomId: number) =>
    host.stored.filter((m) => m.room_id === roomId).map((m) => m.id).sort((a, b) => a - b);
  const fetchesOf = (roomId: number) =>
    fake.sent.filter((s) => s.command === COMMANDS.fetchMessages && s.payload.room_id === roomId).map((s) => s.payload);

  it('a live message in another room during the resync does not move that room’s resume point', async () => {
    const host = fakeHost([msg(1, 1), msg(2, 1), msg(3, 1), msg(4, 2), msg(5, 2), msg(6, 2)]);
    connectAndWelcome([room(1, 'general', 3), room(2, 'busy', 6)]);
    await settle();
    expect(ids(2)).toEqual([4, 5, 6]);

    fake.drop();
    host.stored.push(msg(7, 2), msg(8, 2), msg(9, 2), msg(10, 1)); // sent while we were away
    const waiting = gateFetches();
    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general', 10), room(2, 'busy', 9)]));
    await settle();
    // general (the open room) resyncs first; meanwhile a message lands live in busy, past 7–9.
    expect(waiting.map((w) => w.payload.room_id)).toEqual([1]);
    live(host, 11, 2);
    expect(ids(2)).toEqual([4, 5, 6, 11]); // held above the gap for now
    await releaseAll(waiting);

    expect(fetchesOf(2).at(-1)).toMatchObject({ after_id: 6 }); // not 11
    expect(ids(2)).toEqual([4, 5, 6, 7, 8, 9, 11]);
    expect(ids(1)).toEqual([1, 2, 3, 10]);
    expect(useChat.getState().complete[2]).toBe(11);
  });

  it('a drop before the gap is fetched: the next resync still starts below it', async () => {
    const host = fakeHost([msg(1), msg(2), msg(3)]);
    connectAndWelcome([room(1, 'general', 3)]);
    await settle();
    fake.drop();
    host.stored.push(msg(4), msg(5), msg(6));
    const waiting = gateFetches();
    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general', 6)]));
    await settle();
    live(host, 7, 1); // arrives before the fetch's answer...
    fake.drop(); // ...which is then lost with the connection
    waiting.shift()!.fail();
    await settle();
    expect(ids(1)).toEqual([1, 2, 3, 7]);
    expect(useChat.getState().complete[1]).toBe(3);

    host.stored.push(msg(8));
    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general', 8)]));
    await settle();
    await releaseAll(waiting);
    expect(fetchesOf(1).at(-1)).toMatchObject({ after_id: 3 });
    expect(ids(1)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('pages through a long gap while live messages keep coming, and ends with every id once', async () => {
    const host = fakeHost([msg(1), msg(2), msg(3)]);
    connectAndWelcome([room(1, 'general', 3)]);
    await settle();
    fake.drop();
    for (let id = 4; id <= 453; id++) host.stored.push(msg(id));
    const waiting = gateFetches();
    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general', 453)]));
    await settle();
    for (let i = 0; i < 10 && waiting.length > 0; i++) {
      live(host, 1000 + i, 1); // one live message lands during every page
      expect(useChat.getState().hasMoreAfter[1]).not.toBe(true); // live messages are kept, not skipped
      waiting.shift()!.release();
      await settle();
    }
    expect(fetchesOf(1).slice(1).map((p) => p.after_id)).toEqual([3, 203, 403]); // after the first newest page
    expect(ids(1)).toEqual(hostIds(host, 1));
    expect(new Set(ids(1)).size).toBe(ids(1).length);
  });

  it('the newest page keeps live messages that came while it was on its way', async () => {
    const host = fakeHost([msg(1, 2), msg(2, 2)]);
    const waiting = gateFetches();
    connectAndWelcome([room(1, 'general', 0), room(2, 'busy', 2)]);
    await settle();
    expect(waiting.map((w) => w.payload)).toEqual([{ room_id: 2, limit: 50 }]); // nothing held: newest page
    live(host, 3, 2);
    await releaseAll(waiting);
    expect(ids(2)).toEqual([1, 2, 3]);
    expect(useChat.getState().complete[2]).toBe(2);
  });

  it('back to the present from a page of the past, the live messages skipped meanwhile are fetched', async () => {
    const host = fakeHost(Array.from({ length: 300 }, (_, i) => msg(i + 1)));
    connectAndWelcome([room(1, 'general', 300)]);
    await settle();
    expect(await jumpToMessage(1, 40)).toBe(true);
    expect(useChat.getState().hasMoreAfter[1]).toBe(true);
    const waiting = gateFetches();
    const back = jumpToPresent(1);
    await settle();
    live(host, 301, 1); // skipped: we hold the past (and the newest page was read before it)
    await releaseAll(waiting);
    await back;
    expect(useChat.getState().hasMoreAfter[1]).toBe(false);
    expect(ids(1).at(-1)).toBe(301);
    expect(ids(1)).toEqual(hostIds(host, 1).slice(-ids(1).length));
  });

  it('scrolling down from a page of the past reaches the present without losing live messages', async () => {
    const host = fakeHost(Array.from({ length: 120 }, (_, i) => msg(i + 1)));
    connectAndWelcome([room(1, 'general', 120)]);
    await settle();
    expect(await jumpToMessage(1, 10)).toBe(true);
    const waiting = gateFetches();
    for (let i = 0; i < 10 && useChat.getState().hasMoreAfter[1]; i++) {
      const next = loadNewer(1);
      await settle();
      live(host, 1000 + i, 1); // lands while each page is on its way
      await releaseAll(waiting);
      await next;
    }
    expect(useChat.getState().hasMoreAfter[1]).toBe(false);
    expect(ids(1)).toEqual(hostIds(host, 1).slice(-ids(1).length));
    expect(ids(1).at(-1)).toBe(hostIds(host, 1).at(-1));
  });
});

describe('changes: edits, deletions, reactions', () => {
  it('live updates replace the messages we hold and ignore the rest', async () => {
    fakeHost([msg(1), msg(2)]);
    connectAndWelcome([room(1, 'general', 2), room(2, 'random', 5)]);
    await settle();
    fake.serverEmit(EVENTS.messageUpdated, { ...msg(2), text: 'edited', edited_at: '2026-11-23T11:00:00.000Z', rev: 4 });
    fake.serverEmit(EVENTS.messageDeleted, { ...msg(5, 2), text: '', deleted: true, rev: 5 });
    const held = useChat.getState().messages[1]!;
    expect(held.map((m) => m.text)).toEqual(['m1', 'edited']);
    expect(useChat.getState().rev[1]).toBe(4);
    expect(useChat.getState().messages[2]?.some((m) => m.id === 5) ?? false).toBe(false);
  });

  it('after a reconnect asks fetch_changes from the rev it holds and applies what changed', async () => {
    const host = fakeHost([msg(1), msg(2), msg(3)]);
    connectAndWelcome([room(1, 'general', 3)]);
    await settle();
    expect(useChat.getState().rev[1]).toBe(0);
    fake.drop();
    host.change(1, { text: '', deleted: true });
    host.change(3, { reactions: [{ emoji: '👍', user_ids: [BOB.id] }] });
    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general', 3)]));
    await settle();
    const asked = fake.sent.filter((s) => s.command === COMMANDS.fetchChanges).map((s) => s.payload);
    expect(asked).toEqual([{ room_id: 1, after_rev: 0, limit: 200 }]);
    const held = useChat.getState().messages[1]!;
    expect(held[0]).toMatchObject({ id: 1, deleted: true });
    expect(held[2]!.reactions).toEqual([{ emoji: '👍', user_ids: [BOB.id] }]);
    expect(useChat.getState().rev[1]).toBe(2);
  });

  it('a room empty when loaded, filled live, still asks for the changes it missed', async () => {
    const host = fakeHost([]);
    connectAndWelcome([room(1, 'general', 0)]);
    await settle();
    for (const id of [1, 2]) {
      const m = msg(id);
      host.stored.push(m);
      fake.serverEmit(EVENTS.messageCreated, m);
    }
    fake.drop();
    host.change(2, { text: 'edited while away', edited_at: '2026-11-24T02:00:00.000Z' });
    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general', 2)]));
    await settle();
    const asked = fake.sent.filter((s) => s.command === COMMANDS.fetchChanges).map((s) => s.payload);
    expect(asked).toEqual([{ room_id: 1, after_rev: 0, limit: 200 }]);
    expect(useChat.getState().messages[1]!.map((m) => m.text)).toEqual(['m1', 'edited while away']);
  });

  it('edit, delete and react send their commands and apply the answer', async () => {
    const host = fakeHost([msg(1, 1, ME)]);
    fake.handle(COMMANDS.editMessage, (p: { message_id: number; text: string }) => ({
      message: host.change(p.message_id, { text: p.text, edited_at: '2026-11-23T11:00:00.000Z' }),
    }));
    fake.handle(COMMANDS.react, (p: { message_id: number; emoji: string }) => ({
      message: host.change(p.message_id, { reactions: [{ emoji: p.emoji, user_ids: [ME.id] }] }),
    }));
    fake.handle(COMMANDS.deleteMessage, (p: { message_id: number }) => ({
      message: host.change(p.message_id, { text: '', deleted: true, reactions: [] }),
    }));
    connectAndWelcome([room(1, 'general', 1)]);
    await settle();
    await editMessage(1, 'fixed');
    expect(useChat.getState().messages[1]![0]).toMatchObject({ text: 'fixed', edited_at: '2026-11-23T11:00:00.000Z' });
    await react(1, '🎉', true);
    expect(fake.sent.at(-1)!.payload).toEqual({ message_id: 1, emoji: '🎉', on: true });
    expect(useChat.getState().messages[1]![0]!.reactions).toEqual([{ emoji: '🎉', user_ids: [ME.id] }]);
    await deleteMessage(1);
    expect(useChat.getState().messages[1]![0]).toMatchObject({ deleted: true, text: '' });
  });

  it('a reply carries reply_to (the id) and the pending entry keeps the quote', async () => {
    const host = fakeHost([msg(1)]);
    connectAndWelcome([room(1, 'general', 1)]);
    await settle();
    const quote = { id: 1, author: { id: BOB.id, name: BOB.name }, snippet: 'm1', deleted: false };
    fake.drop();
    sendMessage(1, 'answer', { reply_to: quote });
    expect(useOutbox.getState().entries[0]!.reply_to).toEqual(quote);
    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general', 1)]));
    await settle();
    expect(fake.sent.find((s) => s.command === COMMANDS.sendMessage)!.payload).toMatchObject({ text: 'answer', reply_to: 1 });
    expect(host.stored).toHaveLength(2);
  });
});

describe('jumpToMessage', () => {
  it('loads the page around a message we do not hold, holds it apart from the present, and flashes it', async () => {
    fakeHost(Array.from({ length: 300 }, (_, i) => msg(i + 1)));
    connectAndWelcome([room(1, 'general', 300)]);
    await settle();
    expect(await jumpToMessage(1, 40)).toBe(true);
    expect(fake.sent.at(-1)!.payload).toMatchObject({ room_id: 1, around_id: 40 });
    const state = useChat.getState();
    expect(state.messages[1]!.some((m) => m.id === 40)).toBe(true);
    expect(state.messages[1]!.some((m) => m.id === 300)).toBe(false);
    expect(state.hasMoreAfter[1]).toBe(true);
    expect(state.flash).toMatchObject({ roomId: 1, messageId: 40 });
    // A live message is not put after the gap; jumping to the present brings the newest back.
    fake.serverEmit(EVENTS.messageCreated, msg(301));
    expect(useChat.getState().messages[1]!.some((m) => m.id === 301)).toBe(false);
    await jumpToPresent(1);
    expect(useChat.getState().hasMoreAfter[1]).toBe(false);
    expect(useChat.getState().messages[1]!.at(-1)!.id).toBe(300);
  });

  it('a message already held is flashed without fetching', async () => {
    fakeHost([msg(1), msg(2)]);
    connectAndWelcome([room(1, 'general', 2)]);
    await settle();
    const before = fake.sent.length;
    expect(await jumpToMessage(1, 1)).toBe(true);
    expect(fake.sent.slice(before).some((s) => s.command === COMMANDS.fetchMessages)).toBe(false);
    expect(useChat.getState().flash).toMatchObject({ roomId: 1, messageId: 1 });
  });

  it('answers false for a message that is not there', async () => {
    fakeHost([msg(1)]);
    connectAndWelcome([room(1, 'general', 1)]);
    await settle();
    fake.handle(COMMANDS.fetchMessages, () => ({ messages: [], has_more: false, rev: 0 }));
    expect(await jumpToMessage(1, 999)).toBe(false);
  });
});

describe('read marks on the host', () => {
  it('a known device keeps the host mark, even 0 (a room joined while empty)', async () => {
    fakeHost([msg(1, 2), msg(2, 2)]);
    useSession.setState({ token: 'tok-1' });
    connectAndWelcome([room(1, 'general', 0), room(2, 'busy', 2)]);
    await settle();
    expect(useChat.getState().lastRead[2]).toBe(0);
    expect(unreadCount(useChat.getState(), 2)).toBe(2);
  });

  it('a new name starts with history read and the host is told; marking read sends mark_read', async () => {
    fakeHost([msg(1), msg(2)]);
    fake.handle(COMMANDS.markRead, (p: { message_id: number }) => ({ last_read_id: p.message_id }));
    useSession.getState().beginJoin('ana', '');
    connectAndWelcome([room(1, 'general', 2)]);
    await settle();
    expect(useChat.getState().lastRead[1]).toBe(2);
    expect(fake.sent.find((s) => s.command === COMMANDS.markRead)!.payload).toEqual({ room_id: 1, message_id: 2 });
    fake.serverEmit(EVENTS.messageCreated, msg(3));
    markRoomRead(1);
    await settle();
    expect(fake.sent.filter((s) => s.command === COMMANDS.markRead).at(-1)!.payload).toEqual({ room_id: 1, message_id: 3 });
    expect(useChat.getState().lastRead[1]).toBe(3);
  });

  it('follows read_changed from my other devices and seen from the others in a DM', async () => {
    fakeHost([]);
    const dm = { ...room(5, '', 9), kind: 'dm' as const, last_read_id: 2, members: [ME, BOB] };
    connectAndWelcome([room(1, 'general', 0), dm]);
    await settle();
    fake.serverEmit(EVENTS.readChanged, { room_id: 5, last_read_id: 9 });
    expect(useChat.getState().lastRead[5]).toBe(9);
    fake.serverEmit(EVENTS.seen, { room_id: 5, user_id: BOB.id, last_read_id: 7 });
    expect(useChat.getState().readMarks[5]).toEqual({ [BOB.id]: 7 });
  });

  it('count_unread answers give mention counts too', async () => {
    fakeHost([msg(10, 2)]);
    fake.handle(COMMANDS.countUnread, () => ({ counts: [{ room_id: 2, count: 4, mentions: 1 }] }));
    fake.handle(COMMANDS.markRead, (p: { message_id: number }) => ({ last_read_id: p.message_id }));
    connectAndWelcome([room(1, 'general', 0), { ...room(2, 'random', 10), last_read_id: 3 }]);
    await settle();
    expect(useChat.getState().counted[2]).toEqual({ after: 3, upTo: 10, count: 4, mentions: 1 });
  });
});

describe('direct messages', () => {
  it('open_dm creates or finds the room and opens it', async () => {
    fakeHost([]);
    const dm = { ...room(7, '', 0), kind: 'dm' as const, members: [ME, BOB] };
    fake.handle(COMMANDS.openDm, () => ({ room: dm }));
    fake.handle(COMMANDS.getReadMarks, () => ({ marks: [{ user_id: BOB.id, last_read_id: 0 }] }));
    connectAndWelcome();
    await settle();
    await openDm([BOB.id]);
    await settle();
    expect(fake.sent.find((s) => s.command === COMMANDS.openDm)!.payload).toEqual({ user_ids: [BOB.id] });
    expect(useChat.getState().activeRoomId).toBe(7);
    expect(useChat.getState().rooms[7]).toMatchObject({ kind: 'dm', member: true });
    expect(fake.sent.some((s) => s.command === COMMANDS.getReadMarks)).toBe(true);
  });
});

describe('opening a room with more unread than a page', () => {
  it('holds the page from the read message on (a page from the past), not the newest page', async () => {
    fakeHost([...Array.from({ length: 160 }, (_, i) => msg(i + 1, 2))]);
    useSession.setState({ token: 'tok-1' });
    connectAndWelcome([room(1, 'general', 0), { ...room(2, 'busy', 160), last_read_id: 10 }]);
    await settle();
    await openRoom(2);
    const held = useChat.getState().messages[2]!;
    // From the read message itself, so what is seen on it can be marked read with no gap.
    expect(held[0]!.id).toBe(10);
    expect(held).toHaveLength(50);
    expect(useChat.getState().hasMoreAfter[2]).toBe(true);
    expect(useChat.getState().hasMoreBefore[2]).toBe(true);
    // Opening reads nothing: the list marks what comes on screen.
    expect(useChat.getState().lastRead[2]).toBe(10);
  });

  it('keeps the newest page when everything unread fits in it', async () => {
    fakeHost([...Array.from({ length: 80 }, (_, i) => msg(i + 1, 2))]);
    useSession.setState({ token: 'tok-1' });
    connectAndWelcome([room(1, 'general', 0), { ...room(2, 'busy', 80), last_read_id: 70 }]);
    await settle();
    await openRoom(2);
    expect(useChat.getState().messages[2]!.at(-1)!.id).toBe(80);
    expect(useChat.getState().hasMoreAfter[2]).toBe(false);
  });
});

describe('typing after sending', () => {
  it('says "typing" again as soon as a sent message is acked, if the person typed on', async () => {
    fakeHost([]);
    fake.handle(COMMANDS.typing, () => ({}));
    connectAndWelcome();
    await settle();
    const typings = () => fake.sent.filter((s) => s.command === COMMANDS.typing).length;
    notifyTyping(1);
    expect(typings()).toBe(1);
    sendMessage(1, 'hello');
    // Typing on at once: within the 3 s pause, so nothing yet…
    useChat.getState().setDraft(1, 'and more');
    notifyTyping(1);
    expect(typings()).toBe(1);
    await settle();
    // …but the ack (after which the others' copy of my message cleared my typing) says it again.
    expect(typings()).toBe(2);
    // And the pause starts over from there.
    notifyTyping(1);
    expect(typings()).toBe(2);
  });

  it('does not say "typing" after a send when the composer is empty', async () => {
    fakeHost([]);
    fake.handle(COMMANDS.typing, () => ({}));
    connectAndWelcome();
    await settle();
    sendMessage(1, 'hello');
    await settle();
    expect(fake.sent.filter((s) => s.command === COMMANDS.typing)).toHaveLength(0);
  });
});

describe('resync: the host’s processes lost their message queue for a while', () => {
  it('catches up without reconnecting: rooms, each missed message once, presence; told twice, once', async () => {
    const host = fakeHost([msg(1), msg(2), msg(3)]);
    const dm = { ...room(7, '', 0), kind: 'dm' as const, members: [ME, BOB] };
    // Meanwhile, on another device: a DM opened, #random left.
    fake.handle(COMMANDS.listRooms, () => ({ rooms: [room(1, 'general', 5), room(2, 'random', 0, false), dm] }));
    fake.handle(COMMANDS.listUsers, () => ({ users: [{ ...ME, online: true }, { ...BOB, online: true }], has_more: false }));
    connectAndWelcome([room(1, 'general', 3), room(2, 'random', 0)]);
    await settle();
    const connects = fake.sent.length;
    host.stored.push(msg(4), msg(5));
    fake.serverEmit(EVENTS.messageCreated, msg(5)); // 5 came live, 4 was lost between processes
    fake.serverEmit(EVENTS.resync, { within_ms: 0 });
    fake.serverEmit(EVENTS.resync, { within_ms: 0 }); // told again before its moment
    await settle();
    await settle();
    const after = fake.sent.slice(connects);
    expect(after.filter((s) => s.command === COMMANDS.listRooms)).toHaveLength(1);
    expect(after.find((s) => s.command === COMMANDS.fetchMessages)!.payload).toMatchObject({ room_id: 1, after_id: 3 });
    const chat = useChat.getState();
    expect(chat.messages[1]!.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
    expect(chat.rooms[7]?.member).toBe(true);
    expect(chat.rooms[2]?.member).toBe(false);
    expect(chat.users[BOB.id]?.online).toBe(true);
    expect(useSession.getState().status).toBe('connected'); // never dropped: no welcome came
  });
});
