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
  fetchChanges: 'fetch_changes',
  editMessage: 'edit_message',
  deleteMessage: 'delete_message',
  react: 'react',
  openDm: 'open_dm',
  markRead: 'mark_read',
  getReadMarks: 'get_read_marks',
  search: 'search',
  adminInfo: 'admin_info',
  adminRenameHost: 'admin_rename_host',
  adminSetJoinCode: 'admin_set_join_code',
  adminRemoveDevice: 'admin_remove_device',
  createBot: 'create_bot',
  listBots: 'list_bots',
  resetBotToken: 'reset_bot_token',
  revokeBot: 'revoke_bot',
  createWebhook: 'create_webhook',
  listWebhooks: 'list_webhooks',
  deleteWebhook: 'delete_webhook',
  startBackup: 'start_backup',
  getBackupSettings: 'get_backup_settings',
  setBackupSettings: 'set_backup_settings',
  adminSetRetention: 'admin_set_retention',
  adminSetRoomRetention: 'admin_set_room_retention',
  getNotifySettings: 'get_notify_settings',
  setNotifySettings: 'set_notify_settings',
  setRoomNotify: 'set_room_notify',
  // Devices and admins (issue 15).
  createDeviceLink: 'create_device_link',
  listDevices: 'list_devices',
  revokeDevice: 'revoke_device',
  adminCreateRecoveryLink: 'admin_create_recovery_link',
  adminSetAdmin: 'admin_set_admin',
  setName: 'set_name',
  setStatus: 'set_status',
  signOut: 'sign_out',
  getUsers: 'get_users',
  listUsers: 'list_users',
  watchUsers: 'watch_users',
} as const;
export type Command = (typeof COMMANDS)[keyof typeof COMMANDS];

export const EVENTS = {
  welcome: 'welcome',
  messageCreated: 'message_created',
  roomCreated: 'room_created',
  memberJoined: 'member_joined',
  memberLeft: 'member_left',
  userCreated: 'user_created',
  usersChanged: 'users_changed',
  typing: 'typing',
  hostsChanged: 'hosts_changed',
  messageUpdated: 'message_updated',
  messageDeleted: 'message_deleted',
  readChanged: 'read_changed',
  seen: 'seen',
  serverChanged: 'server_changed',
  backupProgress: 'backup_progress',
  backupFinished: 'backup_finished',
  backupFailed: 'backup_failed',
  roomUpdated: 'room_updated',
  retentionChanged: 'retention_changed',
  messagesExpired: 'messages_expired',
  notifySettingsChanged: 'notify_settings_changed',
  // Devices and admins (issue 15).
  roleChanged: 'role_changed',
  devicesChanged: 'devices_changed',
  signedOut: 'signed_out',
  userUpdated: 'user_updated',
  // The online count of the room a client shows, on a big host (issue 17).
  roomOnline: 'room_online',
  // Several host processes: their message queue was away, catch up (docs/protocol.md).
  resync: 'resync',
} as const;
export type ServerEvent = (typeof EVENTS)[keyof typeof EVENTS];

/** Codes a refused connect carries in `err.data.code`. */
export const CONNECT_ERRORS = [
  'invalid',
  'bad_code',
  'name_taken',
  'bad_token',
  'rate_limited',
  'storage_full',
  'bad_link',
  'internal',
] as const;
export type ConnectErrorCode = (typeof CONNECT_ERRORS)[number];

/** A person's status (set_status); `status_auto`: the away came from idleness. */
export type UserStatus = 'available' | 'away' | 'dnd';
/** `bot`: a bot user (made by the host user); it then has an `avatar` (one emoji). */
export type WireUser = {
  id: number;
  name: string;
  is_host: boolean;
  bot?: boolean;
  avatar?: string;
  online?: boolean;
  /** May use the host's panels: the host person, or someone they made an admin. */
  admin?: boolean;
  status?: UserStatus;
  status_text?: string;
  status_auto?: boolean;
};
/** `bot` is present (true) only when the author is a bot. */
export type WireAuthor = { id: number; name: string; bot?: boolean };
export type RoomKind = 'channel' | 'dm';
export type WireRoom = {
  id: number;
  /** `""` for a direct message: show the other participants' names instead. */
  name: string;
  kind: RoomKind;
  created_at: string;
  member: boolean;
  last_message_id: number;
  /** The room's newest change number (edits, deletions, reactions): the fetch_changes offset. */
  last_rev: number;
  /** The receiving user's read mark kept on the host (0 in broadcasts such as room_created). */
  last_read_id: number;
  /** Direct messages: every participant, the receiver included. */
  members?: WireAuthor[];
  /** Messages older than this many days are deleted; null: kept forever (the effective rule). */
  retention_days?: number | null;
  /** The room has its own rule (days or keep forever) instead of following the host's default. */
  retention_own?: boolean;
};
/** The message replied to; `snippet` is its first 140 characters. `expired`: the original was
 * deleted by retention (then `deleted` is true as well). */
export type WireQuote = { id: number; author: WireAuthor; snippet: string; deleted: boolean; expired?: boolean };
export type WireReaction = { emoji: string; user_ids: number[] };
/** An uploaded file; `kind` is `image` only for PNG/JPEG/GIF/WebP recognised from the bytes. */
export type WireFile = {
  id: number;
  name: string;
  size: number;
  mime: string;
  kind: 'image' | 'file';
  sha256: string;
};
export type WireMessage = {
  id: number;
  room_id: number;
  client_id: string;
  author: WireAuthor;
  /** `""` when deleted. */
  text: string;
  created_at: string;
  reply_to: WireQuote | null;
  edited_at: string | null;
  /** A tombstone: no text, reactions, mentions or attachments. */
  deleted: boolean;
  /** 0 until the message changes, then the host-wide change number of its latest change. */
  rev: number;
  /** In the order they were first added. */
  reactions: WireReaction[];
  /** Ids of the users named with `@name` in the text. */
  mentions: number[];
  attachments: WireFile[];
};
export type WireServer = { name: string; version: string; host_id: string };
export type Welcome = {
  user: WireUser;
  token: string;
  rooms: WireRoom[];
  users: WireUser[];
  /** false on a big host: `users` is me and some of those online; the rest on demand. */
  users_complete?: boolean;
  server: WireServer;
  /** Only to the host user until they chose a name: the OS account's name, to ask with. */
  name_suggestion?: string;
};
export type MemberChange = { room_id: number; user: WireUser };
/** Joins, arrivals and departures of one short window, each person once, as they are now. */
export type UsersChanged = { users: WireUser[] };
/** get_users / list_users (a page by id, after_id). */
export type UsersPage = { users: WireUser[]; has_more?: boolean };
/** `list_rooms`: every channel (with `member`) and the direct messages we are in. */
export type RoomsList = { rooms: WireRoom[] };
/** `resync`: catch up at a random moment within `within_ms`. */
export type Resync = { within_ms: number };
export const GET_USERS_MAX = 100;
/** watch_users: the people whose presence a connection hears (a big host), at most this many. */
export const WATCH_USERS_MAX = 500;
/** watch_users' answer: those of the named people online now; with a `room_id`, how many of
 * that room's members are online (the host counts those the client does not hear of). */
export type WatchUsersResult = { online: number[]; room_online?: number };
/** `room_online`: the room named in watch_users has this many members online now. */
export type RoomOnline = { room_id: number; online: number };
export type TypingEvent = { room_id: number; user: WireAuthor };
/** `read_changed`: the user's read mark moved (on another of their devices). */
export type ReadChanged = { room_id: number; last_read_id: number };
/** `seen`: another participant of a direct message read up to `last_read_id`. */
export type SeenEvent = { room_id: number; user_id: number; last_read_id: number };
export type ServerChanged = { server: WireServer };
/** `room_updated`: a room's changed fields (today its retention). */
export type RoomUpdated = { room_id: number; retention_days: number | null; retention_own: boolean };
/** `retention_changed`: the host's default; rooms without their own rule follow it. */
export type RetentionChanged = { days: number | null };
/** `messages_expired`: these messages of the room were deleted by retention; drop them. */
export type MessagesExpired = { room_id: number; message_ids: number[] };

export type WireError = { code: string; message: string; data?: Record<string, unknown> };
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: WireError };

export type AuthPayload =
  | { token: string }
  | { name: string; code: string }
  | { owner_key: string }
  | { link: string };

/** `fetch_messages`: `has_more` = more before (or after, with `after_id`); `has_more_after` only
 * with `around_id`; `rev` = the room's last_rev when it was read. */
export type FetchResult = { messages: WireMessage[]; has_more: boolean; has_more_after?: boolean; rev: number };
export type FetchMessagesPayload = {
  room_id: number;
  after_id?: number;
  before_id?: number;
  around_id?: number;
  limit?: number;
};
/** `fetch_changes`: current state of every message changed after `after_rev`, ascending rev. */
export type ChangesResult = { messages: WireMessage[]; rev: number; has_more: boolean };
export type SendMessagePayload = {
  room_id: number;
  text: string;
  client_id: string;
  reply_to?: number;
  attachments?: number[];
};
export type MessageResult = { message: WireMessage };
export type RoomResult = { room: WireRoom };
export type MarkReadResult = { last_read_id: number };
export type ReadMark = { user_id: number; last_read_id: number };
export type ReadMarksResult = { marks: ReadMark[] };
/** `fingerprint`: the host's TLS key (52 base32 characters), null when it serves plain HTTP. */
export type InviteResult = { code: string | null; urls: string[]; fingerprint?: string | null };
export type UnreadCount = { room_id: number; count: number; mentions: number };
export type UnreadCounts = { counts: UnreadCount[] };
export type SearchPayload = {
  query: string;
  room_id?: number;
  author_id?: number;
  before_id?: number;
  /** ISO-8601 date or zoned time: sent at or after it (inclusive). */
  after?: string;
  /** ISO-8601 date or zoned time: sent strictly before it (exclusive). */
  before?: string;
  limit?: number;
};
/** What of a result matched: its text, and which of its files by name. */
export type SearchMatch = { text: boolean; files: number[] };
export type SearchHit = WireMessage & { match?: SearchMatch };
/** `search`: newest first. */
export type SearchResult = { messages: SearchHit[]; has_more: boolean };

/** Host administration (the host user only). */
export type WireDevice = {
  id: number;
  user: WireAuthor;
  label: string;
  /** Given by its person, or read from its browser ("Firefox on Android"); "" for old devices. */
  name?: string;
  created_at: string;
  last_seen_at: string;
  online: boolean;
};
export type AdminInfo = {
  name: string;
  join_code: string | null;
  devices: WireDevice[];
  /** The host-wide retention in days; null: kept forever. */
  retention_days?: number | null;
};
export type AdminRetentionResult = { days: number | null };
export type AdminRenameResult = { server: WireServer };
export type AdminJoinCodeResult = { join_code: string | null };

/** Bots and incoming webhooks (the host user only). Tokens and secrets come once, in the ack. */
export type WireBot = WireUser & { bot: true; avatar: string; has_token: boolean };
export type CreateBotResult = { bot: WireUser; token: string };
export type ListBotsResult = { bots: WireBot[] };
export type BotTokenResult = { token: string };
export type WireWebhook = { id: number; bot_id: number; room_id: number; room_name: string; created_at: string };
/** `path`: `/api/hooks/<id>/<secret>`; `urls`: the host's LAN URLs with it. */
export type CreateWebhookResult = { webhook: WireWebhook; path: string; urls: string[] };
export type ListWebhooksResult = { webhooks: WireWebhook[] };
/** The webhook endpoint's body limit (bytes); text is limited like any message. */
export const WEBHOOK_BODY_MAX = 32 * 1024;
/** Backups (the host user's; docs/protocol.md "Backups"). */
export const BACKUP_KEEP_MAX = 100;
export type BackupCounts = { users: number; rooms: number; messages: number; files: number };
/** The last backup's outcome as the host recorded it. */
export type BackupLast =
  | { ok: true; at: string; path: string; bytes: number; counts: BackupCounts }
  | { ok: false; at: string; error: string };
export type BackupSettings = { folder: string; keep: number; daily: boolean; last: BackupLast | null; running: boolean };
export type BackupStarted = { started: true; folder: string };
/** `phase` "database": pages; "files": bytes. */
export type BackupProgressEvent = { phase: 'database' | 'files'; done: number; total: number; scheduled: boolean };
export type BackupFinishedEvent = {
  path: string;
  bytes: number;
  counts: BackupCounts;
  created_at: string;
  host_id: string;
  host_name: string | null;
  scheduled: boolean;
  removed: string[];
};
export type BackupFailedEvent = { error: WireError; scheduled: boolean };

/** Uploads (HTTP, `Authorization: Bearer <token>`). */
export type UploadStart = { room_id: number; name: string; size: number; sha256: string };
export type UploadStarted = { upload_id: string; offset: number; size: number; chunk_size: number };
export type UploadStatus = { upload_id: string; offset: number; size: number };
/** PUT answer; the last chunk also carries the finished `file`. */
export type UploadChunkResult = { offset: number; file?: WireFile };
export type ServerInfo = {
  name: string;
  version: string;
  host_id: string;
  needs_code: boolean;
  urls: string[];
  /** The largest upload the host accepts (`PARLEY_MAX_UPLOAD_BYTES`). */
  max_upload_bytes?: number;
  /** False when the host runs with `--no-tls` (everyone sees "Not encrypted"). */
  tls?: boolean;
  /** SHA-256 of the host's TLS public key, 52 base32 characters; null without TLS. */
  fingerprint?: string | null;
  /** The host uses an organisation's certificate (`--tls-cert`): browsers show no warning. */
  custom_certificate?: boolean;
};

/** Another Parley host found by mDNS (its own data, from the LAN: treat every field as untrusted). */
export type WireHost = {
  host_id: string;
  name: string;
  version: string;
  needs_code: boolean;
  addresses: string[];
  urls: string[];
  /** The key fingerprint the host announces in its mDNS TXT (`fp`): a first-use hint, unverified. */
  fingerprint?: string | null;
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
  uploads: './api/uploads',
  files: './api/files',
  export: './api/export',
} as const;
export const uploadPath = (uploadId: string) => `${HTTP.uploads}/${uploadId}`;
export const filePath = (fileId: number) => `${HTTP.files}/${fileId}`;
/** An export archive (docs/export.md): the whole host (host user), one room, or one's own DMs. */
export type ExportScope = { scope: 'host' } | { scope: 'mine' } | { scope: 'room'; room_id: number };
export const exportPath = (what: ExportScope) =>
  `${HTTP.export}?${new URLSearchParams(Object.entries(what).map(([k, v]) => [k, String(v)])).toString()}`;

/** Limits the UI checks before sending (the host checks them again). */
export const MAX_TEXT_CHARS = 4000;

/** Text length as the host counts it against MAX_TEXT_CHARS: Unicode code points (Python's
 * `len`), not UTF-16 units (`String.length` counts most emoji twice). */
export function textLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
export const FETCH_PAGE = 50;
export const FETCH_MAX = 200;
/** fetch_changes page (its default and maximum). */
export const CHANGES_PAGE = 200;
/** open_dm: the caller and 1–7 others. */
export const DM_MAX_OTHERS = 7;
/** Different emoji per message. */
export const MAX_REACTIONS = 20;
/** The quoted snippet of a reply is the first 140 characters. */
export const SNIPPET_CHARS = 140;
export const MAX_ATTACHMENTS = 10;
export const SEARCH_PAGE = 20;
export const SEARCH_MAX = 50;
export const MAX_SEARCH_CHARS = 200;
/** Default `PARLEY_MAX_UPLOAD_BYTES` (the host refuses bigger uploads up front). */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
/** count_unread answers for 1–500 rooms; counts are capped at 1,000. */
export const UNREAD_ROOMS_MAX = 500;
export const UNREAD_CAP = 1000;
/** Retention rules: 1–3650 days (admin_set_retention, admin_set_room_retention). */
export const RETENTION_MIN_DAYS = 1;
export const RETENTION_MAX_DAYS = 3650;
/** "Say it at most every 3 s while typing" (protocol.md). */
export const TYPING_EVERY_MS = 3000;
/** "show ~5 s" (protocol.md). */
export const TYPING_SHOW_MS = 5000;

/** A room's notification level, and one person's notification settings (the same on all their devices). */
export type NotifyLevel = 'all' | 'mentions' | 'nothing';
export const NOTIFY_LEVELS: readonly NotifyLevel[] = ['all', 'mentions', 'nothing'];
export type NotifySettings = {
  dnd: boolean;
  sound_channels: boolean;
  sound_direct: boolean;
  rooms: { room_id: number; level: NotifyLevel }[];
};
export type NotifySettingsResult = { settings: NotifySettings };
/** Devices and admins (issue 15; docs/protocol.md "Devices and admins"). A sign-in link is
 * `URL/#signin=SECRET`: the secret comes once, in the ack. */
export const SIGN_IN_FRAGMENT = 'signin';
export type SignInLinkResult = { secret: string; expires_at: string; seconds: number; urls: string[] };
export type RecoveryLinkResult = SignInLinkResult & { user: WireAuthor };
export type MyDevice = {
  id: number;
  name: string;
  created_at: string;
  last_seen_at: string;
  online: boolean;
  /** The device this list was asked from. */
  current: boolean;
  /** False for the host machine's own window. */
  removable: boolean;
};
export type MyDevicesResult = { devices: MyDevice[] };
export type RoleChanged = { user: WireUser };
export type SignedOut = { device_id: number };
/** Profiles (set_name, set_status, sign_out; `user_updated`). */
export type UserUpdated = { user: WireUser };
export type ProfileAck = { user: WireUser };
/** A status's text: at most 80 characters (the host folds whitespace first). */
export const MAX_STATUS_TEXT_CHARS = 80;
/** Names: 1–32 characters once whitespace is folded. */
export const MAX_NAME_CHARS = 32;
