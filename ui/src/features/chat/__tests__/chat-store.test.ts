import {
  applyChangesTo,
  mergeById,
  totalUnread,
  unreadCount,
  unreadMentions,
  useChat,
} from '@/features/chat/stores/chat-store';
import { BOB, ME, msg, room, welcome } from '@/testing/data';

beforeEach(() => {
  useChat.setState({
    scope: null,
    messages: {},
    lastRead: {},
    counted: {},
    activeRoomId: null,
    typing: {},
    hasMoreAfter: {},
    rev: {},
    complete: {},
    newSince: {},
    followRead: {},
  });
});

describe('mergeById', () => {
  it('appends newer messages and drops ids already held', () => {
    const merged = mergeById([msg(1), msg(2)], [msg(2), msg(3), msg(3)]);
    expect(merged.map((m) => m.id)).toEqual([1, 2, 3]);
  });

  it('merges an overlapping or older page in id order', () => {
    const merged = mergeById([msg(5), msg(6)], [msg(7), msg(3), msg(5), msg(4)]);
    expect(merged.map((m) => m.id)).toEqual([3, 4, 5, 6, 7]);
  });
});

describe('unread counts', () => {
  it('counts others’ messages after the read mark, not my own', () => {
    useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'random')]));
    useChat.getState().setActiveRoom(1);
    useChat.getState().addMessages(2, [msg(10, 2), msg(11, 2, ME), msg(12, 2)]);
    const s = useChat.getState();
    expect(unreadCount(s, 2)).toBe(2);
    expect(totalUnread(s, false)).toBe(2);
  });

  it('starts from the read marks the host keeps', () => {
    useChat.getState().applyWelcome(welcome([{ ...room(1, 'general', 40), last_read_id: 39 }]));
    useChat.getState().addMessages(1, [msg(38), msg(39), msg(40)]);
    expect(unreadCount(useChat.getState(), 1)).toBe(1);
  });

  it('a reconnect keeps a mark moved here that the host has not heard of yet', () => {
    useChat.getState().applyWelcome(welcome([{ ...room(1, 'general', 40), last_read_id: 30 }]));
    useChat.getState().addMessages(1, [msg(40)]);
    useChat.getState().markRead(1);
    useChat.getState().applyWelcome(welcome([{ ...room(1, 'general', 40), last_read_id: 30 }]));
    expect(useChat.getState().lastRead[1]).toBe(40);
  });

  it('markRead clears a room and returns the new mark (once)', () => {
    useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'random')]));
    useChat.getState().addMessages(2, [msg(10, 2, BOB)]);
    expect(unreadCount(useChat.getState(), 2)).toBe(1);
    expect(useChat.getState().markRead(2)).toBe(10);
    expect(unreadCount(useChat.getState(), 2)).toBe(0);
    expect(useChat.getState().markRead(2)).toBeNull();
  });

  it('deleted messages are not unread; mentions of me are counted apart', () => {
    useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'random')]));
    useChat.getState().addMessages(2, [
      { ...msg(10, 2), mentions: [ME.id] },
      msg(11, 2),
      { ...msg(12, 2), deleted: true, text: '' },
      { ...msg(13, 2), mentions: [BOB.id] },
    ]);
    expect(unreadCount(useChat.getState(), 2)).toBe(3);
    expect(unreadMentions(useChat.getState(), 2)).toBe(1);
  });

  it('the host count covers what we have not fetched, then held messages add on', () => {
    useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'random', 100)]));
    useChat.setState({ lastRead: { 1: 0, 2: 20 } });
    useChat.getState().addMessages(2, [msg(99, 2), msg(100, 2)]); // only the newest page is held
    useChat.getState().setCounted({ 2: { after: 20, upTo: 100, count: 73, mentions: 2 } });
    expect(unreadCount(useChat.getState(), 2)).toBe(73);
    expect(unreadMentions(useChat.getState(), 2)).toBe(2);
    useChat.getState().addMessages(2, [msg(101, 2), msg(102, 2, ME)]); // live, after the count
    expect(unreadCount(useChat.getState(), 2)).toBe(74);
    useChat.getState().markRead(2); // a new mark: the host's count no longer applies
    expect(unreadCount(useChat.getState(), 2)).toBe(0);
  });

  it('a newer last_message_id than anything held counts as unread', () => {
    useChat.getState().applyWelcome(welcome([room(1, 'general', 5)]));
    useChat.getState().upsertRoom({ ...room(1, 'general', 9) });
    expect(unreadCount(useChat.getState(), 1)).toBe(1);
  });
});

describe('typing', () => {
  it('expires after about five seconds and clears when the typist posts', () => {
    useChat.getState().applyWelcome(welcome());
    useChat.getState().setTyping(1, BOB, 1000);
    expect(Object.keys(useChat.getState().typing[1]!)).toEqual(['2']);
    useChat.getState().pruneTyping(5000);
    expect(Object.keys(useChat.getState().typing[1]!)).toEqual(['2']);
    useChat.getState().pruneTyping(6001);
    expect(useChat.getState().typing[1]).toEqual({});
    useChat.getState().setTyping(1, BOB, 7000);
    useChat.getState().addMessages(1, [msg(3, 1, BOB)]);
    expect(useChat.getState().typing[1]).toEqual({});
  });
});

describe('changes to held messages', () => {
  it('replaces held copies, updates quotes of them, ignores messages not held and stale revs', () => {
    const reply = { ...msg(3, 1, ME), reply_to: { id: 1, author: { id: BOB.id, name: BOB.name }, snippet: 'm1', deleted: false } };
    const held = [msg(1), msg(2), reply];
    const edited = { ...msg(1), text: 'better', edited_at: '2026-11-23T10:05:00.000Z', rev: 7 };
    const next = applyChangesTo(held, [edited, { ...msg(99), rev: 8 }]);
    expect(next.map((m) => m.text)).toEqual(['better', 'm2', 'm3']);
    expect(next[2]!.reply_to!.snippet).toBe('better');
    const gone = applyChangesTo(next, [{ ...msg(1), text: '', deleted: true, rev: 9 }]);
    expect(gone[0]!.deleted).toBe(true);
    expect(gone[2]!.reply_to).toMatchObject({ deleted: true, snippet: '' });
    // An older change arriving late does not undo a newer one.
    expect(applyChangesTo(gone, [edited])[0]!.deleted).toBe(true);
  });

  it('a page from the past does not take live messages (no gap), a newer page does', () => {
    useChat.getState().applyWelcome(welcome([room(1, 'general', 500)]));
    useChat.getState().replaceMessages(1, [msg(10), msg(11)], true, { hasMoreAfter: true, rev: 3 });
    useChat.getState().addMessages(1, [msg(501)]);
    expect(useChat.getState().messages[1]!.map((m) => m.id)).toEqual([10, 11]);
    expect(useChat.getState().rooms[1]!.last_message_id).toBe(501);
    useChat.getState().addMessages(1, [msg(12)], { newer: true, hasMore: false });
    expect(useChat.getState().hasMoreAfter[1]).toBe(false);
    expect(useChat.getState().messages[1]!.map((m) => m.id)).toEqual([10, 11, 12]);
  });
});

describe('the complete mark (where a resync resumes)', () => {
  it('moves with fetched pages only: a live message past a gap does not move it', () => {
    const chat = () => useChat.getState();
    chat().replaceMessages(1, [msg(1), msg(2), msg(3)], false);
    expect(chat().complete[1]).toBe(3);
    chat().addMessages(1, [msg(9)]); // live, with 4–8 possibly missing
    expect(chat().messages[1]!.map((m) => m.id)).toEqual([1, 2, 3, 9]);
    expect(chat().complete[1]).toBe(3);
    chat().addMessages(1, [msg(4), msg(5)], { newer: true, complete: 5 });
    expect(chat().complete[1]).toBe(5);
    chat().addMessages(1, [], { newer: true, complete: 4 }); // never back
    expect(chat().complete[1]).toBe(5);
    chat().addMessages(1, [msg(0)], { older: true, hasMore: false });
    expect(chat().complete[1]).toBe(5);
  });

  it('a page held on its own is complete to its newest (or to what the caller says); leaving drops it', () => {
    useChat.setState({ rooms: { 1: room(1, 'general', 50) } });
    useChat.getState().replaceMessages(1, [msg(20), msg(21), msg(30)], true, { complete: 21, hasMoreAfter: true });
    expect(useChat.getState().complete[1]).toBe(21);
    useChat.getState().replaceMessages(1, [], false);
    expect(useChat.getState().complete[1]).toBe(0);
    useChat.getState().leftRoom(1);
    expect(useChat.getState().complete[1]).toBeUndefined();
  });
});

describe('new since you left', () => {
  it('keeps the read mark the room was opened with while the mark moves on', () => {
    useChat.getState().applyWelcome(welcome([room(1, 'general'), { ...room(2, 'random', 12), last_read_id: 10 }]));
    useChat.getState().addMessages(2, [msg(10, 2), msg(11, 2), msg(12, 2)]);
    useChat.getState().setActiveRoom(2);
    useChat.getState().markRead(2);
    expect(useChat.getState().newSince[2]).toBe(10);
    expect(useChat.getState().lastRead[2]).toBe(12);
    useChat.getState().setActiveRoom(1);
    useChat.getState().setActiveRoom(2);
    expect(useChat.getState().newSince[2]).toBe(12);
  });

  it('no line for messages read as they arrive in a room that was caught up when opened', () => {
    useChat.getState().applyWelcome(welcome([{ ...room(1, 'general', 5), last_read_id: 5 }]));
    useChat.getState().setActiveRoom(1);
    useChat.getState().addMessages(1, [msg(6)]);
    useChat.getState().markRead(1);
    expect(useChat.getState().newSince[1]).toBe(6);
  });
});

describe('the open room across a reload', () => {
  it('a restored welcome that predates the room open last time does not lose it', () => {
    useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'side')]));
    useChat.getState().setActiveRoom(2);
    useChat.setState({ scope: null, activeRoomId: null });
    // The cached welcome is from before "side" existed.
    useChat.getState().applyWelcome(welcome([room(1, 'general')]), { cached: true });
    expect(useChat.getState().activeRoomId).toBe(1);
    useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'side')]));
    expect(useChat.getState().activeRoomId).toBe(2);
  });
});

describe('read marks follow what was on screen', () => {
  it('markRead(room, upTo) moves the mark only as far as the person has seen', () => {
    useChat.getState().applyWelcome(welcome([{ ...room(1, 'general', 5), last_read_id: 1 }]));
    useChat.getState().replaceMessages(1, [msg(1), msg(2), msg(3), msg(4), msg(5)], false);
    expect(useChat.getState().markRead(1, 3)).toBe(3);
    expect(unreadCount(useChat.getState(), 1)).toBe(2);
    expect(useChat.getState().markRead(1, 2)).toBeNull(); // never back
    expect(useChat.getState().markRead(1)).toBe(5); // the bottom reads everything
  });

  it('does not mark read across a gap between the read mark and what we hold', () => {
    useChat.getState().applyWelcome(welcome([{ ...room(1, 'general', 200), last_read_id: 10 }]));
    useChat.getState().replaceMessages(1, [msg(150), msg(151), msg(152)], true);
    // The host counted 190 unread: far more than the 3 held.
    useChat.getState().setCounted({ 1: { after: 10, upTo: 200, count: 190, mentions: 0 } });
    expect(useChat.getState().markRead(1, 151)).toBeNull();
    expect(useChat.getState().lastRead[1]).toBe(10);
  });

  it('marks read what is seen when every unread message is held (live ones in a new DM)', () => {
    useChat.getState().applyWelcome(welcome([room(1, 'general'), { ...room(5, '', 0), kind: 'dm' }]));
    useChat.getState().addMessages(5, [msg(40, 5), msg(41, 5)]);
    expect(useChat.getState().markRead(5, 41)).toBe(41);
  });
});
