"""A person's record as it goes from one host process to the others (``Context.tell_peers_users``).

A window of joins, arrivals and departures (crowd.py) is told to the other processes
with the records the sending process already has, rather than ids each of them reads again: in a
reconnect storm that was thousands of rows read by every process every window. A record is every
field of ``models.User`` (the wire form lacks ``name_chosen`` and folds ``is_admin`` into
``admin``), so a receiver has the sender's copy of the person; a field at its default is left
out (most people's record is their id and name: a storm's window of 10,000 is about 0.4 MB, not
2). ``online`` is not in it: each process says that from its own view of who is where.

What comes over the message queue is checked as if it came from a client: another process is
trusted code, but a record bent by a bug or another version must neither crash the receiver nor
reach its clients malformed. A bad record is refused, with a log line; the others are told.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import MISSING, fields
from typing import Any

from ..fields import MAX_EMOJI_CHARS, MAX_ID, is_text
from ..models import User
from ..protocol import MAX_STATUS_TEXT_CHARS, STATUSES
from .names import MAX_NAME_CHARS

log = logging.getLogger(__name__)

# One request between processes carries records up to about this many bytes of JSON: a storm's
# window names thousands, and one Redis message of megabytes would hold up everything behind it.
MAX_REQUEST_BYTES = 64 * 1024

_FIELDS = frozenset(f.name for f in fields(User))
_DEFAULTS = {f.name: f.default for f in fields(User) if f.default is not MISSING}
_REQUIRED = tuple(f.name for f in fields(User) if f.name not in _DEFAULTS)
_FLAGS = ("is_host", "is_bot", "is_admin", "status_auto", "name_chosen")


def user_record(user: User) -> dict[str, Any]:
    """What the other processes are sent of a person (plain JSON values)."""
    record = {name: getattr(user, name) for name in _REQUIRED}
    for name, default in _DEFAULTS.items():
        value = getattr(user, name)
        if value != default:
            record[name] = value
    return record


def user_from_record(value: Any) -> User | None:
    """The person a record describes, or None if it is not one as this process would send it."""
    if not isinstance(value, dict) or not value.keys() <= _FIELDS:
        return None
    value = {**_DEFAULTS, **value}
    if value.keys() != _FIELDS:  # one without a default (id, name) is missing
        return None
    user_id, avatar = value["id"], value["avatar"]
    if (
        type(user_id) is not int
        or not 1 <= user_id <= MAX_ID
        or not _text(value["name"], 1, MAX_NAME_CHARS)
        or not (avatar is None or _text(avatar, 1, MAX_EMOJI_CHARS))
        or value["status"] not in STATUSES
        or not _text(value["status_text"], 0, MAX_STATUS_TEXT_CHARS)
        or not all(type(value[flag]) is bool for flag in _FLAGS)
    ):
        return None
    return User(**value)


def _text(value: Any, shortest: int, longest: int) -> bool:
    return isinstance(value, str) and shortest <= len(value) <= longest and is_text(value)


def users_from_records(values: list[Any]) -> list[User]:
    """The people of a request's records, those that pass ``user_from_record``."""
    users = [user_from_record(value) for value in values]
    good = [user for user in users if user is not None]
    if len(good) < len(values):
        log.warning("another process sent %d malformed user records", len(values) - len(good))
    return good


def in_requests(records: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """``records`` in consecutive runs of at most MAX_REQUEST_BYTES of JSON each (one record may
    make a run of its own that is larger; a person's record is a few hundred bytes at most)."""
    run: list[dict[str, Any]] = []
    size = 0
    for record in records:
        length = len(json.dumps(record)) + 1
        if run and size + length > MAX_REQUEST_BYTES:
            yield run
            run, size = [], 0
        run.append(record)
        size += length
    if run:
        yield run
