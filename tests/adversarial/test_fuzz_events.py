"""An event fuzzer (the hostile-peer issue): every command of docs/protocol.md, with payloads that are
valid, nearly valid (one field wrong) and garbage, plus unknown and non-string event names, missing
and extra arguments, and raw Socket.IO/Engine.IO texts, sent from outside to a real host process.

Hypothesis draws batches of cases, each with one case of every command and a few raw packets;
each batch is sent down one raw websocket in one go (pipelined), followed by a websocket ping: the
host reads a connection's frames in order and answers the ping only after everything before it,
so its pong closes the batch. The batches come from three people:
an ordinary user, the host user (``is_host``: the admin commands go through) and a websocket that
never signed in. For every case:

- an event with an ack id of at most 100 digits (the longest Socket.IO's decoder reads) gets
  exactly one ack, ``{"ok": true, ...}`` with the keys its command promises, or ``{"ok": false,
  "error": {"code", "message", "data"?}}`` with a documented code, never ``internal``; an ack the
  case may get (a raw packet, a person not signed in) comes at most once and has the same shape;
- the connection stays up (texts documented to end a session, an Engine.IO close or a Socket.IO
  disconnect, are sent after the batch's ping, and the next batch opens a new connection);
- what the host pushes meanwhile are documented events only.

After every ``CHECK_EVERY`` cases and at the end, ``Target.assert_unharmed()``; after every batch,
the host's log has no new traceback. The host is this module's own, with a raised send rate
(``PARLEY_SEND_RATE``/``PARLEY_SEND_BURST``): at the default 20-burst, 5-a-second rate nearly every
send, edit, reaction and new room would be answered ``rate_limited`` before its handler ran
(``rate_limited`` is still a valid answer here, and typing and read marks keep their fixed limits).
The run is reproducible (``derandomize``, no example database); ``PARLEY_FUZZ_SHRINK=1`` lets
Hypothesis shrink a failing batch when minimising one by hand.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st

from backend.chat.names import name_key
from backend.chat.sessions import hash_token
from backend.storage.sqlite.store import SqliteBackend
from tests.adversarial.conftest import Target, seed, start_target
from tests.conftest import FASTPATH
from tests.rawws import FrameStream, masked

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not FASTPATH, reason="the host's own websocket reader (backend/wire)"),
]

REPO = Path(__file__).resolve().parents[2]
# Raw packets per batch, besides one case of every command.
RAW_PER_BATCH = 6
# Cases per Hypothesis example: one pipelined burst down one connection.
BATCH = 48 + RAW_PER_BATCH  # len(COMMANDS) + raw (checked below)
# Cases per run: the issue asks for 10,000; twice that, because the rarest successes (leave_room,
# edit_message: a room the person joined during the run, a message still theirs) came 3-5 times
# in 10,000, so whether a run carried one out at all turned on unrelated changes (a derandomized
# run draws differently whenever the constants Hypothesis collects from backend/ change). At
# 20,000 the rarest expect ~6: about 1 run in 400 rather than 1 in 20 missing one.
CASES = 20_000
BATCHES = -(-CASES // BATCH)
# Devices of each fuzzing person that revoke_device may take (see _seed_world): each goes once.
OWN_SPARE_DEVICES = 40
# The invariants are checked after this many cases (and at the end).
CHECK_EVERY = 1000
# The bound on one run, on a busy 2-core CI machine.
RUN_BUDGET_S = 120.0
# One batch's answers must all be in by then (a host that stops answering fails, never hangs).
BATCH_TIMEOUT_S = 30.0
SHRINK = os.environ.get("PARLEY_FUZZ_SHRINK", "") == "1"

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA

# Error codes an ack may carry (docs/protocol.md, "Error codes"), "internal" (a bug) left out.
ACK_CODES = {"invalid", "too_large", "rate_limited", "not_found", "forbidden", "conflict"}
ACK_CODES |= {"name_taken"}  # create_bot: a name someone here has, or one like it
# Server -> client events (docs/protocol.md, "Events").
SERVER_EVENTS = {
    "welcome",
    "message_created",
    "room_created",
    "member_joined",
    "member_left",
    "user_created",
    "users_changed",
    "typing",
    "hosts_changed",
    "message_updated",
    "message_deleted",
    "read_changed",
    "seen",
    "server_changed",
    "backup_progress",
    "backup_finished",
    "backup_failed",
    "room_updated",
    "retention_changed",
    "messages_expired",
    "notify_settings_changed",
    "role_changed",
    "devices_changed",
    "signed_out",
    "user_updated",
    "room_online",
}

# Every command of docs/protocol.md: (required fields, optional fields, what an ok ack holds).
COMMANDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], set[str]]] = {
    "send_message": (("room_id", "text", "client_id"), ("reply_to", "attachments"), {"message"}),
    "fetch_messages": (
        ("room_id",),
        ("after_id", "before_id", "around_id", "limit"),
        {"messages", "has_more", "rev"},
    ),
    "fetch_changes": (("room_id", "after_rev"), ("limit",), {"messages", "rev", "has_more"}),
    "edit_message": (("message_id", "text"), (), {"message"}),
    "delete_message": (("message_id",), (), {"message"}),
    "react": (("message_id", "emoji", "on"), (), {"message"}),
    "open_dm": (("user_ids",), (), {"room"}),
    "mark_read": (("room_id", "message_id"), (), {"last_read_id"}),
    "get_read_marks": (("room_id",), (), {"marks"}),
    "search": (
        ("query",),
        ("room_id", "author_id", "before_id", "limit", "after", "before"),
        {"messages", "has_more"},
    ),
    "count_unread": (("rooms",), (), {"counts"}),
    "list_rooms": ((), (), {"rooms"}),
    "create_room": (("name",), (), {"room"}),
    "join_room": (("room_id",), (), {"room"}),
    "leave_room": (("room_id",), (), set()),
    "list_members": (("room_id",), (), {"members"}),
    "typing": (("room_id",), (), set()),
    "get_invite": ((), (), {"code", "urls"}),
    "admin_info": ((), (), {"name", "join_code", "devices"}),
    "admin_rename_host": (("host_name",), (), {"server"}),
    "admin_set_join_code": (("code",), (), {"join_code"}),
    "admin_remove_device": (("device_id",), (), set()),
    "create_bot": (("name",), ("avatar",), {"bot", "token"}),
    "list_bots": ((), (), {"bots"}),
    "reset_bot_token": (("bot_id",), (), {"token"}),
    "revoke_bot": (("bot_id",), (), set()),
    "create_webhook": (("bot_id", "room_id"), (), {"webhook", "path", "urls"}),
    "list_webhooks": ((), (), {"webhooks"}),
    "delete_webhook": (("webhook_id",), (), set()),
    "start_backup": ((), (), {"started", "folder"}),
    "get_backup_settings": ((), (), {"folder", "keep", "daily", "last", "running"}),
    "set_backup_settings": (
        ("folder", "keep", "daily"),
        (),
        {"folder", "keep", "daily", "last", "running"},
    ),
    "admin_set_retention": (("days",), (), {"days"}),
    "admin_set_room_retention": (("room_id", "days"), (), {"room"}),
    "get_notify_settings": ((), (), {"settings"}),
    "set_notify_settings": ((), ("dnd", "sound_channels", "sound_direct"), {"settings"}),
    "set_room_notify": (("room_id", "level"), (), {"settings"}),
    "create_device_link": ((), ("name",), {"secret", "expires_at", "seconds", "urls"}),
    "list_devices": ((), (), {"devices"}),
    "revoke_device": (("device_id",), (), set()),
    "admin_create_recovery_link": (
        ("user_id",),
        (),
        {"secret", "expires_at", "seconds", "urls", "user"},
    ),
    "admin_set_admin": (("user_id", "admin"), (), {"user"}),
    "set_name": (("name",), (), {"user"}),
    "set_status": (("status",), ("text", "auto"), {"user"}),
    "sign_out": ((), (), set()),
    "watch_users": (("ids",), ("room_id",), {"online"}),
    "get_users": (("ids",), (), {"users"}),
    "list_users": ((), ("after_id", "limit"), {"users", "has_more"}),
}
# Fresh device tokens per fuzzing person: each sign_out the fuzzer gets through forgets one
# (and drops its connection); the next session signs in with the next.
SPARE_TOKENS = 200
# The wire key of a field whose strategy differs between commands (a host's name is not a room's).
WIRE_KEY = {"host_name": "name"}
# Keys of a Message (docs/protocol.md, "Objects").
MESSAGE_KEYS = {
    "id",
    "room_id",
    "client_id",
    "author",
    "text",
    "created_at",
    "reply_to",
    "edited_at",
    "deleted",
    "rev",
    "reactions",
    "mentions",
    "attachments",
}


# -- the world the fuzzer plays in ---------------------------------------------------------------


@dataclass
class World:
    """The seeded host and the ids the strategies draw from."""

    target: Target
    tokens: dict[str, str]  # "user" / "host" -> device token
    users: list[int]  # every user id
    rooms: list[int]  # every room id seeded
    messages: list[int]  # messages the fuzzer may touch (never the known ones)
    known: frozenset[int]  # the 200 messages assert_unharmed compares
    devices: list[int]  # devices admin_remove_device may hit
    protected: frozenset[int]  # devices it must not (Keeper's, the fuzzing people's)
    bots: list[int]  # bot users reset_bot_token, revoke_bot and create_webhook may hit
    webhooks: list[int]  # webhooks delete_webhook may hit
    spares: dict[str, list[str]]  # "user" / "host" -> device tokens for after a sign_out


def _seed_world(data_dir: Path) -> dict[str, Any]:
    """Beyond ``seed``: the host user and an ordinary user (the fuzzing people), someone else,
    a channel and a direct message neither fuzzing person is in, one they share, messages of
    their own and others', and spare devices for the admin to remove."""
    store = SqliteBackend(data_dir / "parley.sqlite3", synchronous="normal").open_writer()
    try:
        store.begin()
        keeper = store.users.by_name_key(name_key("Keeper"))
        general = store.rooms.by_name_key("general")
        assert keeper is not None and general is not None
        tokens, people, devices = {}, {}, []
        spares: dict[str, list[str]] = {}
        for persona, name, is_host in (("host", "Boss", True), ("user", "Fuzzer", False)):
            user = store.users.insert(name, name_key(name), is_host=is_host)
            tokens[persona] = secrets.token_urlsafe(32)
            devices.append(store.devices.insert(user.id, hash_token(tokens[persona])))
            spares[persona] = [secrets.token_urlsafe(32) for _ in range(SPARE_TOKENS)]
            for spare in spares[persona]:
                devices.append(store.devices.insert(user.id, hash_token(spare)))
            store.members.insert(general.id, user.id)
            people[persona] = user
        other = store.users.insert("Other", name_key("Other"))
        store.members.insert(general.id, other.id)
        # Spare devices of the fuzzing people themselves, for revoke_device (their own only), then
        # someone else's for the admin to remove. Theirs first and interleaved: Hypothesis draws
        # the front of a sampled list far more often (with someone else's first, a run carried
        # out revoke_device 0-4 times in 140). Each is revoked once, so there are many.
        victims = [
            store.devices.insert(people[persona].id, hash_token(secrets.token_urlsafe(32)))
            for _ in range(OWN_SPARE_DEVICES)
            for persona in ("host", "user")
        ]
        victims += [
            store.devices.insert(other.id, hash_token(secrets.token_urlsafe(32)), f"spare {n}")
            for n in range(12)
        ]
        secret = store.rooms.insert("secret", "secret", kind="channel", created_by=keeper.id)
        store.members.insert(secret.id, keeper.id)
        theirs = store.rooms.insert(
            "", None, kind="dm", created_by=keeper.id, dm_key=f"{keeper.id},{other.id}"
        )
        pair = sorted((people["host"].id, people["user"].id))
        ours = store.rooms.insert(
            "", None, kind="dm", created_by=pair[0], dm_key=f"{pair[0]},{pair[1]}"
        )
        for room, members in ((theirs, (keeper.id, other.id)), (ours, pair)):
            for member in members:
                store.members.insert(room.id, member)
        messages = []
        for n in range(10):
            for room, author in (
                (general, people["user"]),
                (general, people["host"]),
                (ours, people["user"]),
                (theirs, other),
                (secret, keeper),
            ):
                message, _ = store.messages.insert(
                    room.id, author, f"w-{n}-{author.id}-{room.id}", f"seeded {n} @Keeper"
                )
                messages.append(message.id)
        bots = []
        for n in range(3):
            bot = store.users.insert(f"Bot {n}", name_key(f"Bot {n}"), is_bot=True, avatar="🤖")
            store.devices.insert(bot.id, hash_token(secrets.token_urlsafe(32)), "bot")
            bots.append(bot.id)
        webhooks = [
            store.webhooks.insert(bot, general.id, hash_token(secrets.token_urlsafe(32)))
            for bot in bots * 4
        ]
        store.commit()
        keepers = [d.id for d in store.devices.all() if d.user.id == keeper.id]
        return {
            "tokens": tokens,
            "users": [keeper.id, people["host"].id, people["user"].id, other.id],
            # Ours (the DM the fuzzing people share) second: Hypothesis draws the front of a
            # sampled list far more often, and get_read_marks is carried out only there.
            "rooms": [general.id, ours.id, secret.id, theirs.id],
            "messages": messages,
            "devices": victims,
            "protected": frozenset({*keepers, *devices}),
            "bots": bots,
            "webhooks": webhooks,
            "spares": spares,
        }
    finally:
        store.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("fuzz-events") / "data"
    seeded = seed(data_dir)
    extra = _seed_world(data_dir)
    env = {"PARLEY_SEND_RATE": "100000", "PARLEY_SEND_BURST": "100000"}
    target = start_target(data_dir, seeded=seeded, env=env)
    try:
        yield World(target=target, known=frozenset(target.known), **extra)
    finally:
        status = target.process.stop()
    assert status == 0, target.log()[-3000:]


# -- strategies ------------------------------------------------------------------------------------

# Strings a hostile client likes: lone surrogates, NUL, bidi overrides, invisible and combining
# characters, case folding surprises, FTS5 query syntax, injection classics.
HOSTILE = [
    "\ud800",
    "\udfff",
    "a\udc80b",
    "\x00",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u200f",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\u2028",
    "\u0301",
    "\U0001f389",
    "\U0001f44d\U0001f3fd",
    "\U0001f3f3\ufe0f\u200d\U0001f308",
    "\u0130",
    "\u212a",
    "\u00df",
    "\u2168",
    "\u0663",
    "\n",
    "\r\n",
    "\t",
    " ",
    "\u3000",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%n",
    "${x}",
    "\\",
    '"',
    "null",
    "NaN",
    "general",
    "GENERAL",
    "@Keeper",
    "@",
    "AND",
    "OR",
    "NOT",
    "NEAR(",
    "NEAR(a b, 2)",
    '"unbalanced',
    "*",
    "a*",
    "^a",
    "-a",
    "+a",
    "text:known",
    "{text}: x",
    "(a OR",
    "known message",
    "\u00e9\u0301",
    "x" * 300,
]
# Integers at the edges of every range the host has (ids, JavaScript's safe integers, SQLite's
# 64 bits, the 100-digit limit of the JSON decoder).
EDGE_INTS = [
    0,
    1,
    -1,
    2,
    200,
    201,
    500,
    501,
    4000,
    2**31 - 1,
    2**31,
    2**53 - 1,
    2**53,
    2**63 - 1,
    2**63,
    2**64,
    -(2**63),
    -(2**63) - 1,
    10**99,
    -(10**99),
]
EMOJI = [
    "\U0001f44d",
    "\u2764\ufe0f",
    "\U0001f44d\U0001f3fd",
    "\U0001f3f3\ufe0f\u200d\U0001f308",
    "\u2b50",
    "1\ufe0f\u20e3",
]

chars = st.characters(codec="utf-8") | st.sampled_from(["\ud800", "\udfff", "\x00", "\u202e"])
short_text = st.text(chars, max_size=12)
hostile_text = st.lists(st.sampled_from(HOSTILE) | short_text, min_size=1, max_size=4).map("".join)
text_values = st.one_of(short_text, hostile_text, st.sampled_from(HOSTILE))


def _repeat(unit: str, n: int) -> str:
    return (unit * (n // max(1, len(unit)) + 1))[:n]


# Big strings, built by repetition (Hypothesis draws a handful of choices, not a million).
big_text = st.builds(
    _repeat,
    st.sampled_from(["x", "é", "\U0001f389", " ", "a ", "\ud800"]),
    # Over the text limit, over the 64 KiB event limit, and (rarely) over Engine.IO's 1 MiB.
    st.sampled_from([4000, 4001, 5000, 20_000, 65_000, 70_000] * 3 + [1_100_000]),
)
ints = st.one_of(st.sampled_from(EDGE_INTS), st.integers(-5, 400), st.integers())
floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1.0, 0.5, -0.0, 1e308])
scalars = st.one_of(st.none(), st.booleans(), ints, floats, text_values)
json_values = st.recursive(
    scalars,
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.dictionaries(
            st.sampled_from(["room_id", "text", "id", "x"]) | short_text, kids, max_size=4
        )
    ),
    max_leaves=8,
)


def _field_strategies(world: World) -> dict[str, st.SearchStrategy[Any]]:
    """The values a field's valid form takes: right type, mostly in range, ids of this world."""
    # From both ends of the list: Hypothesis draws the front of a sampled list far more often,
    # and the last room (the direct message the fuzzing people share, the only room where
    # get_read_marks is carried out) came up so rarely that whether a run carried it out at all
    # turned on unrelated changes to backend/ (Hypothesis mixes the project's own constants
    # into what it draws, so a derandomized run draws differently after any such change).
    seeded_rooms = st.sampled_from(world.rooms)
    room_ids = st.one_of(
        seeded_rooms, st.sampled_from(world.rooms[::-1]), st.integers(1, max(world.rooms) + 50)
    )
    seeded_messages = st.sampled_from(world.messages + sorted(world.known)[:5])
    message_ids = st.one_of(
        seeded_messages, seeded_messages, st.integers(1, max(world.messages) + 50)
    )
    user_ids = st.sampled_from(world.users) | st.integers(1, 30)
    id_lists = st.lists(user_ids, min_size=1, max_size=8)
    name_chars = st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_ ")
    unread_entry = st.fixed_dictionaries(
        {"room_id": room_ids},
        optional={"after_id": st.integers(0, 400), "up_to_id": st.integers(0, 400)},
    )
    plain = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
    search_dates = st.sampled_from(
        [
            "2020-01-01",
            "2099-12-31",
            "2026-12-06T10:00:00Z",
            "2026-12-06T10:00:00.5+05:30",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-05:00",
            "2026-12-06T10:00:00",
            "2026-12-06 10:00:00Z",
            "2026-02-30",
        ]
    ) | st.datetimes(
        timezones=st.builds(timezone, st.timedeltas(timedelta(hours=-23), timedelta(hours=23)))
    ).map(lambda d: d.isoformat())
    return {
        "room_id": room_ids,
        "message_id": message_ids,
        "reply_to": message_ids,
        "author_id": user_ids,
        "device_id": st.sampled_from(world.devices) | st.integers(1, 40),
        "after_id": st.integers(0, 400),
        "before_id": st.integers(0, 400),
        "around_id": message_ids,
        "after_rev": st.integers(0, 500),
        "limit": st.integers(1, 200),
        "text": st.one_of(*[st.text(plain, min_size=1, max_size=40)] * 3, hostile_text),
        "client_id": st.text("abcdefABCDEF0123456789_.:-", min_size=1, max_size=64),
        "attachments": st.lists(st.integers(1, 20), min_size=1, max_size=10),
        "emoji": st.sampled_from(EMOJI),
        "on": st.booleans(),
        "user_ids": id_lists,
        "ids": st.lists(user_ids, min_size=1, max_size=8),
        "query": st.one_of(
            *[st.sampled_from(["known", "seeded", "message", "keeper", "know*"])] * 2, hostile_text
        ),
        # Search's date range: dates, times in several zones, the calendar's edges (an offset
        # that shifts them past it), and near-misses (no zone, a space for the T).
        "after": search_dates,
        "before": search_dates,
        "rooms": st.lists(unread_entry, min_size=1, max_size=4),
        "name": st.text(name_chars, min_size=1, max_size=33),
        "host_name": st.text(plain, min_size=1, max_size=64),
        "code": st.none() | st.just("") | st.text("abcXYZ0123456789", min_size=6, max_size=32),
        "avatar": st.sampled_from(EMOJI),
        "bot_id": st.sampled_from(world.bots) | st.integers(1, 40),
        "webhook_id": st.sampled_from(world.webhooks) | st.integers(1, 60),
        # Backup folders: absolute paths inside the fuzz run's own folder (_harmless keeps them
        # there), or one inside the data dir (refused).
        "folder": st.builds(
            lambda sub: str(_backup_root(world) / sub),
            st.sampled_from(["a", "b", "c d", "é"]),
        )
        | st.just(str(world.target.data_dir / "inside")),
        "keep": st.integers(1, 100),
        "daily": st.booleans(),
        "user_id": user_ids,
        "admin": st.booleans(),
        # Retention: the known messages are minutes old, so no rule (a day at least) takes them.
        "days": st.none() | st.integers(1, 3650) | st.just("default"),
        # Notification settings (a person's own: nothing the invariants compare).
        "dnd": st.booleans(),
        "sound_channels": st.booleans(),
        "sound_direct": st.booleans(),
        "level": st.sampled_from(["all", "mentions", "nothing"]),
        # Profiles: a status and whether idleness set it (text and name are drawn as above).
        "status": st.sampled_from(["available", "away", "dnd"]),
        "auto": st.booleans(),
    }


def _deep(n: int, opener: str = "[") -> str:
    closer = {"[": "]", "{": "}"}[opener]
    if opener == "{":
        return '{"a":' * n + "1" + "}" * n
    return opener * n + closer * n


@st.composite
def _mutated(draw: st.DrawFn, value: Any) -> Any:
    """``value`` made wrong in one way: type, size, range, nesting, or its text."""
    how = draw(
        st.sampled_from(
            ["type", "nest", "huge", "negative", "string", "hostile", "big", "list", "null"]
        )
    )
    if how == "type":
        return draw(json_values)
    if how == "nest":
        return draw(st.sampled_from([[value], {"value": value}, [[value]], {"$gt": value}]))
    if how == "huge":
        return draw(st.sampled_from([2**53, 2**63, 2**64, 10**99, 1e308, float("inf")]))
    if how == "negative":
        return draw(st.sampled_from([-1, 0, -(2**63), -(10**99), -0.0]))
    if how == "string":
        return str(value)
    if how == "hostile":
        if isinstance(value, str):
            cut = draw(st.integers(0, len(value)))
            return value[:cut] + draw(st.sampled_from(HOSTILE)) + value[cut:]
        return draw(st.sampled_from(HOSTILE))
    if how == "big":
        return draw(big_text)
    if how == "list":
        if isinstance(value, list):
            return value * draw(st.sampled_from([0, 50, 600]))
        return [value] * draw(st.sampled_from([0, 11, 600]))
    return None


@st.composite
def _payload(
    draw: st.DrawFn, world: World, fields: dict[str, st.SearchStrategy[Any]], name: str
) -> tuple[str, Any]:
    """(kind, payload) for command ``name``: valid, nearly valid, or garbage."""
    required, optional, _ok = COMMANDS[name]
    data: dict[str, Any] = {}
    for key in required:
        data[WIRE_KEY.get(key, key)] = draw(fields[key])
    for key in optional:
        if draw(st.integers(0, 2)) == 0:  # one in three: most valid sends carry no reply_to
            data[WIRE_KEY.get(key, key)] = draw(fields[key])
    kind = draw(st.sampled_from(["valid", "valid", "nearly", "nearly", "garbage"]))
    if kind == "nearly":
        keys = [WIRE_KEY.get(k, k) for k in (*required, *optional)]
        change = draw(
            st.sampled_from(["field", "field", "missing", "extra"]) if keys else st.just("extra")
        )
        if change == "extra":
            extra = draw(
                st.sampled_from(["__proto__", "constructor", "room_id ", "ROOM_ID", "ok", "x"])
            )
            data[extra] = draw(json_values)
        else:
            key = draw(st.sampled_from(keys))
            if change == "missing":
                data.pop(key, None)
            else:
                data[key] = draw(_mutated(data.get(key, draw(fields[keys_field(key)]))))
    elif kind == "garbage":
        return kind, draw(json_values)
    return kind, data


def keys_field(wire_key: str) -> str:
    return next((k for k, v in WIRE_KEY.items() if v == wire_key), wire_key)


def _harmless(world: World, name: Any, payload: Any) -> Any:
    """Keep the fuzzer's hands off what the invariants compare: the host user may delete anyone's
    message (the 200 known ones included), and the admin may remove any device (the fuzzing
    people's own included, which would end their sessions)."""
    if not isinstance(payload, dict):
        return payload
    if name == "delete_message":
        value = payload.get("message_id")
        if type(value) is int and value in world.known:
            payload = {**payload, "message_id": value + 10**9}
    if name in ("admin_remove_device", "revoke_device"):
        value = payload.get("device_id")
        if type(value) is int and value in world.protected:
            payload = {**payload, "device_id": value + 10**9}
    if name == "set_backup_settings":
        # The host makes the folder it is given: an absolute path the mutations moved out of the
        # run's own folder is moved back in (a relative one is refused before any disk work).
        value = payload.get("folder")
        root = _backup_root(world)
        if isinstance(value, str) and os.path.isabs(value.strip()) and "\x00" not in value:
            normal = os.path.normpath(value.strip())
            if not (normal + "/").startswith(f"{root}/"):
                payload = {**payload, "folder": str(root / "moved")}
    return payload


def _backup_root(world: World) -> Path:
    return world.target.data_dir.parent / "fuzz-backups"


# Event names that are not commands: python-socketio's own, the handlers' Python names, near
# misses, and names of what the host only sends.
ODD_NAMES = [
    "connect",
    "disconnect",
    "message",
    "welcome",
    "on_send_message",
    "send_message ",
    "SEND_MESSAGE",
    "Send_Message",
    "__init__",
    "__class__",
    "trigger_event",
    "emit",
    "_chat",
    "limits",
    "*",
    "",
    "send_message\x00",
    "\ud800",
    "admin_",
    "on_",
]


@dataclass
class Template:
    """A case before its ack id is known: the text is ``head + id + tail``."""

    head: str
    tail: str
    id_style: str  # "plain", "zeros", "padded", "none", "too_long", "unicode"
    must: bool  # an ack is owed (when the id style gives one and the person is signed in)
    command: str | None = None  # whose ok-shape to check
    note: str = ""

    def __repr__(self) -> str:
        return f"<{self.note}: {(self.head + self.tail)[:80]!r}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """What Hypothesis prints for a failing batch: short (a case can be a megabyte)."""
        p.text(repr(self))


ID_STYLES = st.sampled_from(["plain"] * 12 + ["zeros", "padded", "none", "too_long", "unicode"])


@st.composite
def _event_case(
    draw: st.DrawFn,
    world: World,
    fields: dict[str, st.SearchStrategy[Any]],
    command_name: str | None = None,
) -> Template:
    """A Socket.IO EVENT on "/" built from a command (``command_name``, or any), with an odd
    name instead, or garbage."""
    name: Any = command_name or draw(st.sampled_from(sorted(COMMANDS)))
    kind, payload = draw(_payload(world, fields, name))
    shape = draw(
        st.sampled_from(["event"] * 14 + ["name", "no_args", "extra_args", "not_list", "empty"])
    )
    command: str | None = name
    if shape == "name":
        name = draw(
            st.one_of(
                st.sampled_from(ODD_NAMES),
                short_text,
                st.none(),
                st.booleans(),
                ints,
                floats,
                st.lists(scalars, max_size=2),
                st.dictionaries(short_text, scalars, max_size=2),
            )
        )
        command = None
    payload = _harmless(world, name, payload)
    data: Any
    if shape == "no_args":
        data = [name]
    elif shape == "extra_args":
        data = [name, payload, *draw(st.lists(json_values, min_size=1, max_size=3))]
    elif shape == "not_list":
        data = draw(json_values.filter(lambda v: not isinstance(v, list)))
    elif shape == "empty":
        data = []
    else:
        data = [name, payload]
    if shape != "event":
        command = None
    body = _after_id(json.dumps(data))
    # sign_out always asks for an answer: only the answer says whether the host is about to drop
    # the connection (Run._batch), so one it may carry out unanswered is not sent.
    style = "plain" if command == "sign_out" else draw(ID_STYLES)
    nsp = draw(st.sampled_from([""] * 9 + ["/,"]))
    return Template(f"42{nsp}", body, style, must=True, command=command, note=f"{kind}/{shape}")


def _after_id(body: str) -> str:
    """``body`` as it may follow an ack id: JSON that starts with a digit or a minus gets a space
    first (JSON allows it), or its digits would read as more of the id ("42" "13" "5" is id 135),
    or "13-" as a count of binary attachments (python-socketio reads one in any packet)."""
    return " " + body if body[:1] in set("-0123456789") else body


RAW_HEADS = [
    # Engine.IO packet types a client may or may not send, and ones that do not exist.
    *"0123456789",
    "b",
    "x",
    "",
    # Socket.IO packet types inside an Engine.IO message, with and without namespaces.
    *(f"4{t}" for t in "0123456789"),
    "4",
    "4a",
    "42/",
    "42/,",
    "42/x,",
    "42/admin,",
    "42/\u00e9,",
    "40/x,",
    "41/x,",
    "43/,",
    "45-",
    "450-",
    "451-",
    "4999999-",
    "42/?x=1,",
    "460-/x,",
]


@st.composite
def _raw_case(draw: st.DrawFn, world: World, fields: dict[str, st.SearchStrategy[Any]]) -> Template:
    """A raw Engine.IO/Socket.IO text: any packet type, namespace, ack id, binary placeholder,
    broken JSON, deep nesting."""
    head = draw(st.sampled_from(RAW_HEADS))
    body_kind = draw(
        st.sampled_from(["event", "json", "broken", "deep", "text", "empty", "placeholder"])
    )
    if body_kind == "event":
        # Not sign_out: a raw case's answer is not read, and one that signs the person out
        # would end the batch's connection unseen (Run._batch sends those last, and reads them).
        name = draw(st.sampled_from(sorted(set(COMMANDS) - {"sign_out"})))
        template = draw(_event_case(world, fields, name))
        body = template.tail
    elif body_kind == "json":
        body = json.dumps(draw(json_values))
    elif body_kind == "broken":
        whole = json.dumps(draw(json_values | st.just(["list_rooms", {}])))
        body = whole[: draw(st.integers(0, max(0, len(whole) - 1)))] + draw(
            st.sampled_from(["", "{", "]", ",", '"', "\\", "\x00"])
        )
    elif body_kind == "deep":
        depth = draw(st.sampled_from([10, 500, 999, 1000, 1001, 3000, 100_000]))
        body = _deep(depth, draw(st.sampled_from(["[", "{"])))
        if draw(st.booleans()):
            body = f'["list_rooms",{body}]'
    elif body_kind == "text":
        body = draw(short_text | hostile_text)
    elif body_kind == "placeholder":
        body = json.dumps(["send_message", {"_placeholder": True, "num": draw(ints)}])
    else:
        body = ""
    # After "" or "4", an id's first digit would be read as the packet's type ("4" "215" is an
    # event with id 15): no id there.
    style = "none" if head in ("", "4") else draw(ID_STYLES)
    return Template(head, _after_id(body), style, must=False, note=f"raw {head!r}/{body_kind}")


def batch_strategy(world: World) -> st.SearchStrategy[list[Template]]:
    """One case of every command and RAW_PER_BATCH raw packets, in any order. (Drawing the
    command of each case instead, Hypothesis drew the first one listed for a quarter of them.)"""
    fields = _field_strategies(world)
    each = [_event_case(world, fields, name) for name in sorted(COMMANDS)]
    raw = [_raw_case(world, fields)] * RAW_PER_BATCH
    return st.tuples(*each, *raw).flatmap(lambda cases: st.permutations(list(cases)))


# -- sending and checking --------------------------------------------------------------------------

ARABIC_DIGITS = str.maketrans(
    "0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
)


def ack_id(n: int, style: str) -> tuple[str, int | None, bool]:
    """(the id's text, the id the host answers with, whether an answer is owed)."""
    if style == "none":
        return "", None, False
    if style == "zeros":
        return "000" + str(n), n, True
    if style == "padded":  # 100 digits: the longest id Socket.IO's decoder reads
        return str(n).rjust(100, "0"), n, True
    if style == "too_long":  # 120 digits: not an id Socket.IO's decoder reads (unique per n)
        text = "1" * (119 - len(str(n))) + "0" + str(n)
        return text, int(text), False
    if style == "unicode":  # digits int() reads but Socket.IO's writers never send
        return str(n).translate(ARABIC_DIGITS), n, False
    return str(n), n, True


def ends_session(text: str) -> bool:
    """Whether ``text`` is a client's documented way to end its session: Engine.IO's close (1) or
    Socket.IO's disconnect (41; counted here whatever namespace it names)."""
    return text.startswith(("1", "41"))


@dataclass
class Sent:
    n: int
    template: Template
    text: str
    answer_id: int | None
    owed: bool
    answers: int = 0
    outcome: str = ""  # "ok" or the error code


@dataclass
class Session:
    """One person's raw websocket: send a batch, read until its ping comes back."""

    persona: str
    sock: socket.socket
    frames: FrameStream

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def _open_session(world: World, persona: str) -> Session:
    """A websocket past Engine.IO's open; past Socket.IO's connect and ``welcome`` too, with the
    person's token, unless the person is "anon"."""
    s, rest = world.target.raw()
    s.settimeout(BATCH_TIMEOUT_S)
    frames = FrameStream(s, rest)
    if persona != "anon":
        s.sendall(masked(TEXT, ("40" + json.dumps({"token": world.tokens[persona]})).encode()))
        while not (frame := frames.next()).payload.startswith(b'42["welcome"'):
            assert not frame.payload.startswith(b"44"), frame.payload
    return Session(persona, s, frames)


def check_ack(sent: Sent, args: Any) -> str:
    """The ack's one argument is ``{"ok": true, ...}`` or a documented error: "ok" or its code."""
    where = f"case {sent.n} ({sent.template.note}): {sent.text[:300]!r}"
    assert isinstance(args, list) and len(args) == 1, f"{where}: ack args {args!r}"
    ack = args[0]
    assert isinstance(ack, dict) and type(ack.get("ok")) is bool, f"{where}: ack {ack!r}"
    if ack["ok"]:
        command = sent.template.command
        if command is not None and command in COMMANDS:
            want = COMMANDS[command][2]
            assert want <= ack.keys(), f"{where}: ok ack without {want - ack.keys()}: {ack!r}"
            if "message" in want:
                assert MESSAGE_KEYS <= ack["message"].keys(), f"{where}: {ack!r}"
        return "ok"
    error = ack.get("error")
    assert isinstance(error, dict) and set(ack) == {"ok", "error"}, f"{where}: {ack!r}"
    assert error.get("code") in ACK_CODES, f"{where}: error code {error.get('code')!r}: {ack!r}"
    assert isinstance(error.get("message"), str) and error["message"], f"{where}: {ack!r}"
    assert set(error) <= {"code", "message", "data"}, f"{where}: {ack!r}"
    if "data" in error:
        assert isinstance(error["data"], dict), f"{where}: {ack!r}"
    if error["code"] == "too_large":
        assert type(error["data"]["limit"]) is int, f"{where}: {ack!r}"
    if error["code"] == "rate_limited":
        assert isinstance(error["data"]["retry_after"], int | float), f"{where}: {ack!r}"
    return str(error["code"])


def _listing(batch: list[Sent]) -> str:
    return "\n".join(f"  {s.n} {s.template.note}: {s.text[:200]!r}" for s in batch)


_ACK = re.compile(rb"43([0-9]+)(\[.*)", re.DOTALL)


def read_batch(
    session: Session,
    probe: bytes,
    batch: list[Sent],
    earlier: dict[int, Sent],
    *,
    may_end: bool = False,
) -> bool:
    """Read the host's frames until the pong for ``probe``, checking every ack and push;
    ``earlier``: the cases of earlier batches, to name one answered late. ``may_end``: the batch
    is sign_out cases; once one was answered ok the host drops the connection, and True says so
    (the cases after it are owed nothing)."""
    by_id = {s.answer_id: s for s in batch if s.answer_id is not None}

    def signed_out() -> bool:
        return may_end and any(s.outcome == "ok" for s in batch)

    while True:
        try:
            frame = session.frames.next()
        except (EOFError, OSError) as exc:
            if signed_out():
                return True
            raise AssertionError(
                f"{session.persona}: the connection ended during a batch ({exc!r}):\n"
                + _listing(batch)
            ) from None
        assert not frame.masked and frame.rsv == 0, frame
        if frame.opcode == PONG and frame.payload == probe:
            break
        if frame.opcode == CLOSE:
            if signed_out():
                return True
            raise AssertionError(
                f"{session.persona}: closed {frame.payload!r} during a batch:\n" + _listing(batch)
            )
        if frame.opcode != TEXT:
            continue
        payload = frame.payload
        if payload == b"2":  # Engine.IO's ping: answer it, or the host drops the connection
            session.send(masked(TEXT, b"3"))
            continue
        match = _ACK.fullmatch(payload)
        if match is not None:
            answered = int(match.group(1))
            sent = by_id.get(answered)
            late = earlier.get(answered)
            assert late is None, (
                f"{session.persona}: case {late.n if late else 0} of an earlier batch answered "
                f"after that batch's ping: {late.text[:300] if late else ''!r}"
            )
            assert sent is not None, (
                f"{session.persona}: an ack nobody asked for: {payload[:300]!r}\n" + _listing(batch)
            )
            sent.answers += 1
            assert sent.answers == 1, f"case {sent.n} answered twice: {sent.text[:300]!r}"
            sent.outcome = check_ack(sent, json.loads(match.group(2)))
            continue
        if payload.startswith(b"41") and signed_out():  # Socket.IO's disconnect, after sign_out
            return True
        if payload.startswith(b"42["):
            event = json.loads(payload[2:])
            assert event[0] in SERVER_EVENTS, f"an undocumented event: {payload[:300]!r}"
    for sent in batch:
        if sent.owed:
            assert sent.answers == 1, (
                f"{session.persona}: case {sent.n} ({sent.template.note}) got no ack: "
                f"{sent.text[:300]!r}"
            )
    # The pong can come before the host's disconnect does: signed out all the same.
    return signed_out()


@dataclass
class Run:
    world: World
    sessions: dict[str, Session] = field(default_factory=dict)
    cases: int = 0
    next_id: int = 1
    checked_at: int = 0
    log_seen: int = 0
    started: float = field(default_factory=time.monotonic)
    by_persona: dict[str, int] = field(default_factory=dict)
    sent: dict[int, Sent] = field(default_factory=dict)  # answer id -> case, every batch's
    outcomes: dict[tuple[str, str], int] = field(default_factory=dict)  # (command, ok/code)
    failure: Exception | None = None

    def session(self, persona: str) -> Session:
        if persona not in self.sessions:
            self.sessions[persona] = _open_session(self.world, persona)
        return self.sessions[persona]

    def batch(self, persona: str, templates: list[Template]) -> None:
        # Hypothesis runs a failing example once more to report it; by then the connection is
        # in no state to judge anything, so the first failure is the one reported.
        if self.failure is not None:
            raise self.failure
        try:
            self._batch(persona, templates)
        except Exception as exc:
            self.close()  # the next example starts on fresh connections
            if not SHRINK:
                self.failure = exc
            raise

    def _batch(self, persona: str, templates: list[Template]) -> None:
        session = self.session(persona)
        signed_in = persona != "anon"
        now: list[Sent] = []
        later: list[Sent] = []
        for template in templates:
            n = self.next_id
            self.next_id += 1
            text_id, answer_id, owed = ack_id(n, template.id_style)
            text = template.head + text_id + template.tail
            ends = ends_session(text)
            owed = owed and template.must and signed_in and not ends
            (later if ends else now).append(Sent(n, template, text, answer_id, owed))
        # sign_out last, in a round of its own: once it is through, the connection is dropped.
        leaving = [s for s in now if s.template.command == "sign_out"]
        now = [s for s in now if s.template.command != "sign_out"]
        probe = f"probe-{self.next_id}".encode()
        wire = b"".join(masked(TEXT, s.text.encode("utf-8", "backslashreplace")) for s in now)
        session.send(wire + masked(PING, probe))
        read_batch(session, probe, now, self.sent)
        ended = False
        if leaving:
            probe = f"probe-{self.next_id}-out".encode()
            wire = b"".join(
                masked(TEXT, s.text.encode("utf-8", "backslashreplace")) for s in leaving
            )
            session.send(wire + masked(PING, probe))
            ended = read_batch(session, probe, leaving, self.sent, may_end=True)
            now += leaving
        self.sent.update((s.answer_id, s) for s in now if s.answer_id is not None)
        if ended:  # signed out: that token is gone; the person's next session uses a spare
            session.close()
            del self.sessions[persona]
            assert self.world.spares[persona], "the fuzzer ran out of spare device tokens"
            self.world.tokens[persona] = self.world.spares[persona].pop()
            later = []
        for s in now:
            if s.outcome and s.template.command is not None:
                key = (s.template.command, s.outcome)
                self.outcomes[key] = self.outcomes.get(key, 0) + 1
        if later:  # an Engine.IO close or a Socket.IO disconnect: this session is over
            try:
                session.send(
                    b"".join(
                        masked(TEXT, s.text.encode("utf-8", "backslashreplace")) for s in later
                    )
                )
            except OSError:
                pass
            session.close()
            del self.sessions[persona]
        self.cases += len(templates)
        self.by_persona[persona] = self.by_persona.get(persona, 0) + len(templates)
        self._check_log(templates)
        if self.cases - self.checked_at >= CHECK_EVERY:
            self.checked_at = self.cases
            self.world.target.assert_unharmed()

    def _check_log(self, templates: list[Template]) -> None:
        log = self.world.target.log()
        fresh = log[self.log_seen :]
        self.log_seen = len(log)
        assert "Traceback" not in fresh and " ERROR " not in fresh, (
            "the host logged an error during this batch (or the one before):\n"
            + fresh[-3000:]
            + "\nbatch:\n"
            + "\n".join(f"  {t.note}: {(t.head + t.tail)[:200]!r}" for t in templates)
        )

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()
        self.sessions.clear()


PERSONAS = st.sampled_from(["user"] * 5 + ["host"] * 4 + ["anon"])


def test_every_event_in_every_shape_is_answered_and_harms_nothing(world: World) -> None:
    run = Run(world)
    batches = batch_strategy(world)

    @settings(
        max_examples=BATCHES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate, *((Phase.shrink,) if SHRINK else ())),
        suppress_health_check=list(HealthCheck),
        # The failing case and its batch are in the assertion's message; a whole batch as
        # Hypothesis prints it can be megabytes.
        verbosity=Verbosity.quiet,
    )
    @given(persona=PERSONAS, batch=batches)
    def fuzz(persona: str, batch: list[Template]) -> None:
        run.batch(persona, batch)

    try:
        fuzz()
    finally:
        run.close()
    took = time.monotonic() - run.started
    world.target.assert_unharmed()
    print(f"\nevent fuzzer: {run.cases} cases in {took:.1f} s ({run.by_persona})")
    for command in sorted(COMMANDS):
        seen = {code: n for (c, code), n in sorted(run.outcomes.items()) if c == command}
        print(f"  {command}: {seen}")
    assert run.cases >= CASES
    assert took <= RUN_BUDGET_S
    # The fuzzer itself still reaches every handler: each command was carried out at least once
    # and refused at least once (with its own rules, not only for an unreadable event).
    for command in COMMANDS:
        codes = {code for (c, code), _ in run.outcomes.items() if c == command}
        assert "ok" in codes and len(codes) >= 2, (command, codes)


def test_the_fuzzer_knows_every_command_of_the_protocol() -> None:
    """COMMANDS is docs/protocol.md's list, with its fields, and the host's handlers' list."""
    from backend.web.events import ChatNamespace

    doc = (REPO / "docs" / "protocol.md").read_text()
    documented: dict[str, set[str]] = {}
    for name, shape in re.findall(r"^(?:### |- )`(\w+)` `(\{.*?\})`", doc, re.MULTILINE):
        documented[name] = _top_level_keys(shape)
    handlers = {n[3:] for n in dir(ChatNamespace) if n.startswith("on_")} - {
        "connect",
        "disconnect",
    }
    assert set(COMMANDS) == set(documented) == handlers
    assert BATCH == len(COMMANDS) + RAW_PER_BATCH  # one case of every command per batch
    for name, (required, optional, _ok) in COMMANDS.items():
        assert {WIRE_KEY.get(k, k) for k in (*required, *optional)} == documented[name], name


def _top_level_keys(shape: str) -> set[str]:
    keys, depth = set(), 0
    for match in re.finditer(r'[{}\[\]]|"(\w+)"\??:', shape):
        token = match.group(0)
        if token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
        elif depth == 1:
            keys.add(match.group(1))
    return keys
