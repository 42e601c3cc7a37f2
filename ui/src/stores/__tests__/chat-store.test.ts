import { mergeById, totalUnread, unreadCount, useChat } from '@/stores/chat-store';
import { BOB, ME, msg, room, welcome } from '@/testing/data';

beforeEach(() => {
  useChat.setState({ scope: null, messages: {}, lastRead: {}, counted: {}, activeRoomId: null, typing: {} });
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

  it('history from before the first visit is not unread', () => {
    useChat.getState().applyWelcome(welcome([room(1, 'general', 40)]));
    useChat.getState().addMessages(1, [msg(39), msg(40)]);
    expect(unreadCount(useChat.getState(), 1)).toBe(0);
  });

  it('markRead clears a room and persists the mark per host and user', () => {
    useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'random')]));
    useChat.getState().addMessages(2, [msg(10, 2, BOB)]);
    expect(unreadCount(useChat.getState(), 2)).toBe(1);
    useChat.getState().markRead(2);
    expect(unreadCount(useChat.getState(), 2)).toBe(0);
    expect(JSON.parse(localStorage.getItem('parley:read:h1:1')!)).toMatchObject({ 2: 10 });
  });

  it('the host count covers what we have not fetched, then held messages add on', () => {
    useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'random', 100)]));
    useChat.setState({ lastRead: { 1: 0, 2: 20 } });
    useChat.getState().addMessages(2, [msg(99, 2), msg(100, 2)]); // only the newest page is held
    useChat.getState().setCounted({ 2: { after: 20, upTo: 100, count: 73 } });
    expect(unreadCount(useChat.getState(), 2)).toBe(73);
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
