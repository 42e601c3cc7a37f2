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
  countUnread: 'count_unread',
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
  hostsChanged: 'hosts_changed',
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
export type UnreadCounts = { counts: { room_id: number; count: number }[] };
export type ServerInfo = {
  name: string;
  version: string;
  host_id: string;
  needs_code: boolean;
  urls: string[];
};

/** Another Parley host found by mDNS (its own data, from the LAN: treat every field as untrusted). */
export type WireHost = {
  host_id: string;
  name: string;
  version: string;
  needs_code: boolean;
  addresses: string[];
  urls: string[];
};
/** `GET /api/hosts`; `hosts_changed` carries `{hosts}`. */
export type HostsResult = { discovery: boolean; hosts: WireHost[] };
export type HostsChanged = { hosts: WireHost[] };
/** `GET /api/selfcheck`: what the host listens on, which of its URLs answer, whether it advertises. */
export type SelfCheck = {
  listening: { host: string; port: number };
  addresses: { url: string; answers: boolean }[];
  discovery: boolean;
  advertising: boolean;
  advertised_on: string[];
};

/** HTTP paths (relative: the host serves the UI at its root). */
export const HTTP = {
  info: './api/info',
  hosts: './api/hosts',
  selfcheck: './api/selfcheck',
} as const;

/** Limits the UI checks before sending (the host checks them again). */
export const MAX_TEXT_CHARS = 4000;
export const FETCH_PAGE = 50;
/** "Say it at most every 3 s while typing" (protocol.md). */
export const TYPING_EVERY_MS = 3000;
/** "show ~5 s" (protocol.md). */
export const TYPING_SHOW_MS = 5000;
