/** Mirror of docs/protocol.md and backend/protocol.py: change them together. */

export const COMMANDS = {
  sendMessage: 'send_message',
  fetchMessages: 'fetch_messages',
  listRooms: 'list_rooms',
  createRoom: 'create_room',
  joinRoom: 'join_room',
  leaveRoom: 'leave_room',
  listMembers: 'list_members',
  typing: 'typing',
  getInvite: 'get_invite',
} as const;
export type Command = (typeof COMMANDS)[keyof typeof COMMANDS];

export const EVENTS = {
  welcome: 'welcome',
  messageCreated: 'message_created',
  roomCreated: 'room_created',
  memberJoined: 'member_joined',
  memberLeft: 'member_left',
  userCreated: 'user_created',
  presenceChanged: 'presence_changed',
  typing: 'typing',
} as const;
export type ServerEvent = (typeof EVENTS)[keyof typeof EVENTS];

/** Codes a refused connect carries in `err.data.code`. */
export const CONNECT_ERRORS = ['invalid', 'bad_code', 'name_taken', 'bad_token', 'rate_limited'] as const;
export type ConnectErrorCode = (typeof CONNECT_ERRORS)[number];

export type WireUser = { id: number; name: string; is_host: boolean; online?: boolean };
export type WireAuthor = { id: number; name: string };
export type WireRoom = {
  id: number;
  name: string;
  kind: 'channel';
  created_at: string;
  member: boolean;
  last_message_id: number;
};
export type WireMessage = {
  id: number;
  room_id: number;
  client_id: string;
  author: WireAuthor;
  text: string;
  created_at: string;
};
export type WireServer = { name: string; version: string; host_id: string };
export type Welcome = {
  user: WireUser;
  token: string;
  rooms: WireRoom[];
  users: WireUser[];
  server: WireServer;
};
export type MemberChange = { room_id: number; user: WireUser };
export type PresenceChange = { user: WireUser; online: boolean };
export type TypingEvent = { room_id: number; user: WireAuthor };

export type WireError = { code: string; message: string; data?: Record<string, unknown> };
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: WireError };

export type AuthPayload =
  | { token: string }
  | { name: string; code: string }
  | { owner_key: string };

export type FetchResult = { messages: WireMessage[]; has_more: boolean };
export type InviteResult = { code: string | null; urls: string[] };
export type ServerInfo = {
  name: string;
  version: string;
  host_id: string;
  needs_code: boolean;
  urls: string[];
};

/** Limits the UI checks before sending (the host checks them again). */
export const MAX_TEXT_CHARS = 4000;
export const FETCH_PAGE = 50;
/** "Say it at most every 3 s while typing" (protocol.md). */
export const TYPING_EVERY_MS = 3000;
/** "show ~5 s" (protocol.md). */
export const TYPING_SHOW_MS = 5000;
