import { expireFrom, useChat } from '@/features/chat/stores/chat-store';
import { parseDays, retentionNotice } from '@/features/rooms';
import { ME, msg, room } from '@/testing/data';

beforeEach(() => {
  useChat.setState({ messages: {}, rooms: {} });
});

describe('messages_expired', () => {
  it('drops the expired messages and marks replies that quoted them', () => {
    const reply = { ...msg(5), reply_to: { id: 2, author: ME, snippet: 'old words', deleted: false } };
    useChat.setState({ messages: { 1: [msg(1), msg(2), msg(3), reply] } });
    useChat.getState().expireMessages(1, [1, 2]);
    const held = useChat.getState().messages[1]!;
    expect(held.map((m) => m.id)).toEqual([3, 5]);
    expect(held[1]!.reply_to).toEqual({ id: 2, author: ME, snippet: '', deleted: true, expired: true });
  });

  it('leaves the list as it was when none of them is held', () => {
    const held = [msg(7), msg(8)];
    expect(expireFrom(held, new Set([1, 2]))).toBe(held);
  });
});

describe('after a reconnect', () => {
  it('drops held messages past their room retention, and only there', () => {
    const now = Date.parse('2026-12-31T00:00:00.000Z');
    const old = { ...msg(1), created_at: '2026-11-01T00:00:00.000Z' };
    const recent = { ...msg(2), created_at: '2026-12-30T00:00:00.000Z' };
    useChat.setState({
      rooms: {
        1: { ...room(1, 'general'), retention_days: 30, retention_own: false },
        2: { ...room(2, 'keep'), retention_days: null, retention_own: true },
      },
      messages: { 1: [old, recent], 2: [{ ...old, room_id: 2 }] },
    });
    useChat.getState().pruneExpired(now);
    expect(useChat.getState().messages[1]!.map((m) => m.id)).toEqual([2]);
    expect(useChat.getState().messages[2]!.map((m) => m.id)).toEqual([1]);
  });
});

describe('retention rules', () => {
  it('a room without its own rule follows the host default; one with its own keeps it', () => {
    useChat.setState({
      rooms: {
        1: { ...room(1, 'general'), retention_days: null, retention_own: false },
        2: { ...room(2, 'keep'), retention_days: null, retention_own: true },
      },
    });
    useChat.getState().setHostRetention(30);
    expect(useChat.getState().rooms[1]!.retention_days).toBe(30);
    expect(useChat.getState().rooms[2]!.retention_days).toBeNull();
    useChat.getState().updateRoomRetention({ room_id: 2, retention_days: 7, retention_own: true });
    expect(useChat.getState().rooms[2]!.retention_days).toBe(7);
  });

  it('says the rule in the header and checks days before asking the host', () => {
    expect(retentionNotice(30)).toBe('Messages older than 30 days are deleted');
    expect(retentionNotice(1)).toBe('Messages older than 1 day are deleted');
    expect(retentionNotice(null)).toBeNull();
    expect(parseDays(' 90 ')).toBe(90);
    for (const bad of ['0', '3651', 'x', '1.5', '']) expect(typeof parseDays(bad)).toBe('string');
  });
});
