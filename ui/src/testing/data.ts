/** Wire objects for unit tests. */
import type { Welcome, WireMessage, WireRoom } from '@/lib/protocol';

export const ME = { id: 1, name: 'ana', is_host: false };
export const BOB = { id: 2, name: 'bob', is_host: false };

export function room(id: number, name: string, last = 0, member = true): WireRoom {
  return {
    id,
    name,
    kind: 'channel',
    created_at: '2026-11-23T10:00:00.000Z',
    member,
    last_message_id: last,
    last_rev: 0,
    last_read_id: 0,
  };
}

export function msg(id: number, roomId = 1, author = BOB, text = `m${id}`, clientId = `c${id}`): WireMessage {
  return {
    id,
    room_id: roomId,
    client_id: clientId,
    author: { id: author.id, name: author.name },
    text,
    created_at: new Date(Date.UTC(2026, 10, 23, 10, 0, id)).toISOString(),
    reply_to: null,
    edited_at: null,
    deleted: false,
    rev: 0,
    reactions: [],
    mentions: [],
    attachments: [],
  };
}

export function welcome(rooms: WireRoom[] = [room(1, 'general')]): Welcome {
  return {
    user: ME,
    token: 'tok-1',
    rooms,
    users: [
      { ...ME, online: true },
      { ...BOB, online: false },
    ],
    server: { name: 'Test host', version: '0.1.0', host_id: 'h1' },
  };
}
