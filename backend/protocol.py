"""Names and bounds of the wire protocol (docs/protocol.md); mirrored by ui/src/lib/protocol.ts.

Client → server commands are imperative and always acked; server → client events are past-tense facts.
What each command carries, decoded, is in ``commands.py``.
"""

from __future__ import annotations

from typing import Final

# Commands (client → server). The handler for X is web.events.ChatNamespace.on_X.
SEND_MESSAGE: Final = "send_message"
FETCH_MESSAGES: Final = "fetch_messages"
LIST_ROOMS: Final = "list_rooms"
CREATE_ROOM: Final = "create_room"
JOIN_ROOM: Final = "join_room"
LEAVE_ROOM: Final = "leave_room"
LIST_MEMBERS: Final = "list_members"
TYPING: Final = "typing"
GET_INVITE: Final = "get_invite"
COUNT_UNREAD: Final = "count_unread"
FETCH_CHANGES: Final = "fetch_changes"
EDIT_MESSAGE: Final = "edit_message"
DELETE_MESSAGE: Final = "delete_message"
REACT: Final = "react"
OPEN_DM: Final = "open_dm"
MARK_READ: Final = "mark_read"
GET_READ_MARKS: Final = "get_read_marks"
SEARCH: Final = "search"
ADMIN_INFO: Final = "admin_info"
ADMIN_RENAME_HOST: Final = "admin_rename_host"
ADMIN_SET_JOIN_CODE: Final = "admin_set_join_code"
ADMIN_REMOVE_DEVICE: Final = "admin_remove_device"
# Bots and incoming webhooks (the host user only; chat/bots.py).
CREATE_BOT: Final = "create_bot"
LIST_BOTS: Final = "list_bots"
RESET_BOT_TOKEN: Final = "reset_bot_token"
REVOKE_BOT: Final = "revoke_bot"
CREATE_WEBHOOK: Final = "create_webhook"
LIST_WEBHOOKS: Final = "list_webhooks"
DELETE_WEBHOOK: Final = "delete_webhook"
START_BACKUP: Final = "start_backup"
GET_BACKUP_SETTINGS: Final = "get_backup_settings"
SET_BACKUP_SETTINGS: Final = "set_backup_settings"
ADMIN_SET_RETENTION: Final = "admin_set_retention"
ADMIN_SET_ROOM_RETENTION: Final = "admin_set_room_retention"
# Notification settings, one person's on all their devices (issue 15; chat/notify.py).
GET_NOTIFY_SETTINGS: Final = "get_notify_settings"
SET_NOTIFY_SETTINGS: Final = "set_notify_settings"
SET_ROOM_NOTIFY: Final = "set_room_notify"
# Devices and admins (issue 15; chat/devices.py).
CREATE_DEVICE_LINK: Final = "create_device_link"
LIST_DEVICES: Final = "list_devices"
REVOKE_DEVICE: Final = "revoke_device"
ADMIN_CREATE_RECOVERY_LINK: Final = "admin_create_recovery_link"
ADMIN_SET_ADMIN: Final = "admin_set_admin"

# Issue 17: people a client does not know yet, by id or a page at a time (chat/directory.py).
GET_USERS: Final = "get_users"
LIST_USERS: Final = "list_users"
GET_USERS_MAX: Final = 100
LIST_USERS_MAX: Final = 500
# A welcome lists every user while the host has at most this many (each user ~150 bytes of JSON
# to encode per arrival); above, with "users_complete": false, the caller and up to
# WELCOME_SAMPLE of those online (the rest: get_users, list_users; whom the client shows, it names
# with watch_users right after, so a bigger sample only costs every arrival more bytes).
WELCOME_USERS_MAX: Final = 100
WELCOME_SAMPLE: Final = 20
# A connection hears users_changed only of the people it shows (chat/interest.py): those it was
# told about, or these (replacing them), at most WATCH_USERS_MAX per connection.
WATCH_USERS: Final = "watch_users"
WATCH_USERS_MAX: Final = 500

# Events (server → client).
WELCOME: Final = "welcome"
MESSAGE_CREATED: Final = "message_created"
ROOM_CREATED: Final = "room_created"
MEMBER_JOINED: Final = "member_joined"
MEMBER_LEFT: Final = "member_left"
USER_CREATED: Final = "user_created"
# Joins, arrivals and departures, gathered per short window (chat/crowd.py); it replaced the
# one-by-one presence_changed, and user_created for people joining.
USERS_CHANGED: Final = "users_changed"
TYPING_EVENT: Final = "typing"
HOSTS_CHANGED: Final = "hosts_changed"
MESSAGE_UPDATED: Final = "message_updated"
MESSAGE_DELETED: Final = "message_deleted"
READ_CHANGED: Final = "read_changed"
SEEN: Final = "seen"
SERVER_CHANGED: Final = "server_changed"
BACKUP_PROGRESS: Final = "backup_progress"
BACKUP_FINISHED: Final = "backup_finished"
BACKUP_FAILED: Final = "backup_failed"

# Incoming webhooks: POST {"text"} to WEBHOOK_PATH/<id>/<secret>; a body over this is refused
# (413) before it is read: the longest message, every character JSON-escaped, fits.
WEBHOOK_PATH: Final = "/api/hooks"
WEBHOOK_BODY_MAX: Final = 32 * 1024
ROOM_UPDATED: Final = "room_updated"
RETENTION_CHANGED: Final = "retention_changed"
MESSAGES_EXPIRED: Final = "messages_expired"
# To all of one person's connections when their notification settings changed.
NOTIFY_SETTINGS_CHANGED: Final = "notify_settings_changed"

# The room every user belongs to; it cannot be left.
GENERAL: Final = "general"

# Default and maximum page of history per fetch_messages (and of changes per fetch_changes).
FETCH_DEFAULT: Final = 50
FETCH_MAX: Final = 200
# Default and maximum page of search results.
SEARCH_DEFAULT: Final = 20
SEARCH_MAX: Final = 50
# Rooms per count_unread: a client has one entry per room it is in.
MAX_UNREAD_ROOMS: Final = 500
# Files one message may carry.
MAX_ATTACHMENTS: Final = 10
# Backups the admin's folder keeps (set_backup_settings), and the longest folder path accepted.
BACKUP_KEEP_MAX: Final = 100
BACKUP_FOLDER_MAX_CHARS: Final = 4096
# People named in one open_dm (the caller may be among them): a conversation, not a channel.
MAX_DM_USERS: Final = 8
# Retention: messages older than this many days are deleted (a day at least, ten years at most).
RETENTION_MIN_DAYS: Final = 1
RETENTION_MAX_DAYS: Final = 3650

# Profiles (chat/profiles.py): any signed-in person, about themselves only.
SET_NAME: Final = "set_name"
SET_STATUS: Final = "set_status"
SIGN_OUT: Final = "sign_out"
# A person's name or status changed (everyone connected hears it).
USER_UPDATED: Final = "user_updated"
# A person's status, and the longest text beside it (a line in the people list, not a bio).
STATUSES: Final = ("available", "away", "dnd")
MAX_STATUS_TEXT_CHARS: Final = 80


def room_channel(room_id: int) -> str:
    """The Socket.IO room whose members get a Parley room's events."""
    return f"room:{room_id}"


# The Socket.IO room of every admin's connections (backup progress; chat/devices.py keeps it).
ADMINS_CHANNEL: Final = "admins"


def user_channel(user_id: int) -> str:
    """The Socket.IO room holding all of one user's connections (their devices)."""
    return f"user:{user_id}"


# Devices and admins (issue 15; chat/devices.py).
ROLE_CHANGED: Final = "role_changed"
DEVICES_CHANGED: Final = "devices_changed"
SIGNED_OUT: Final = "signed_out"
# A sign-in link opens the UI at URL/#signin=SECRET. One made to add a device works for this many
# seconds, one an admin made for someone who lost every device for a day; each works once.
SIGN_IN_FRAGMENT: Final = "signin"
DEVICE_LINK_SECONDS: Final = 10 * 60
RECOVERY_LINK_SECONDS: Final = 24 * 60 * 60
# The longest device name (given, or read from a user agent).
DEVICE_NAME_MAX: Final = 40

# How many of a room's members are online, to the connections that show it (chat/room_counts.py):
# on a big host a client hears only the people it shows, so it cannot count a big room itself.
ROOM_ONLINE: Final = "room_online"
# Several host processes (wire/cluster.py): after the message queue was away, each process tells
# its own connections to catch up as after a reconnect (what others broadcast meanwhile is lost),
# each at a random moment within ``within_ms`` so that thousands do not ask at once.
RESYNC: Final = "resync"
