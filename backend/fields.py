"""Read one field of what a client sent: its type, shape and size. Raises ``Invalid``/``TooLarge``.

The building blocks of ``commands.py`` (each command's ``decode``), used at the edge only: what the
chat rules receive is already decoded. Unknown keys are ignored (the protocol may grow); missing or
mistyped ones are named in the error.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from . import json_text
from .errors import Invalid, TooLarge
from .protocol import MAX_STATUS_TEXT_CHARS

# JavaScript's safe integer range: ids travel as JSON numbers.
MAX_ID = 2**53 - 1
_MEASURE = json_text.compact(ensure_ascii=False)
ROOM_NAME = re.compile(r"^[a-z0-9_-]{1,32}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
SHA256 = re.compile(r"\A[0-9a-f]{64}\Z")
_NOT_TEXT = "Send text as valid Unicode (a lone surrogate is not text)."
MAX_TOKEN_CHARS = 256


def payload(args: tuple[Any, ...], max_bytes: int) -> dict[str, Any]:
    """The single JSON object every command carries, refused above ``max_bytes`` encoded."""
    if len(args) != 1 or not isinstance(args[0], dict):
        raise Invalid("Send exactly one JSON object with this event.")
    data: dict[str, Any] = args[0]
    try:
        encoded = _MEASURE(data)
    except (TypeError, ValueError):  # Socket.IO binary attachments decode to bytes
        raise Invalid("Send JSON only: binary data is not accepted here.") from None
    except RecursionError:  # nested past what anyone writes by hand or program
        raise Invalid("That JSON is nested too deeply.") from None
    try:
        size = len(encoded.encode("utf-8"))
    except UnicodeEncodeError:
        raise Invalid(_NOT_TEXT) from None
    if size > max_bytes:
        raise too_large(max_bytes)
    return data


def too_large(max_bytes: int) -> TooLarge:
    """The refusal of an event over ``max_bytes`` (here, and where the transport drops one too
    big to read at all)."""
    return TooLarge(
        f"That is over the {max_bytes // 1024} KiB limit for one event.", limit=max_bytes
    )


def integer(
    data: dict[str, Any], key: str, *, required: bool = True, minimum: int = 1
) -> int | None:
    value = data.get(key)
    if value is None:
        if required:
            raise Invalid(f"'{key}' is missing.", field=key)
        return None
    # bool is an int in Python; true is not a room id.
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_ID:
        raise Invalid(f"'{key}' must be a whole number of at least {minimum}.", field=key)
    return value


def required_int(data: dict[str, Any], key: str, *, minimum: int = 1) -> int:
    value = integer(data, key, minimum=minimum)
    assert value is not None  # required: integer() raises instead of returning None
    return value


def room_id(data: dict[str, Any]) -> int:
    return required_int(data, "room_id")


def text(data: dict[str, Any], max_chars: int) -> str:
    value = data.get("text")
    if not isinstance(value, str):
        raise Invalid("'text' must be a string.", field="text")
    value = value.rstrip()
    if not value.strip():
        raise Invalid("The message is empty.", field="text")
    if len(value) > max_chars:
        raise TooLarge(f"The message is over {max_chars:,} characters.", limit=max_chars)
    if "\x00" in value:
        raise Invalid("The message contains a NUL character.", field="text")
    return value


def client_id(data: dict[str, Any]) -> str:
    value = data.get("client_id")
    if not isinstance(value, str) or not CLIENT_ID.match(value):
        raise Invalid(
            "'client_id' must be 1-64 letters, digits or _ . : - (a UUID works).", field="client_id"
        )
    return value


def room_name(value: Any) -> str:
    """Channel names: lowercase, spaces become dashes, ``a-z 0-9 - _`` only."""
    if not isinstance(value, str):
        raise Invalid("'name' must be a string.", field="name")
    name = "-".join(value.strip().lower().split())
    if not ROOM_NAME.match(name):
        raise Invalid("Room names are 1-32 characters of a-z, 0-9, - and _.", field="name")
    return name


def is_text(value: str) -> bool:
    """Whether ``value`` is text that can be stored and sent on: JSON lets a client send a lone
    surrogate ("\\ud800"), which no UTF-8 encoder (SQLite's, the wire's) accepts."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def token(value: Any, key: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_TOKEN_CHARS:
        raise Invalid(f"'{key}' must be a string.", field=key)
    if not is_text(value):
        raise Invalid(_NOT_TEXT, field=key)
    return value


def boolean(data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise Invalid(f"'{key}' must be true or false.", field=key)
    return value


def id_list(data: dict[str, Any], key: str, *, most: int) -> list[int]:
    """1..most distinct ids, in the order given."""
    value = data.get(key)
    if not isinstance(value, list) or not 1 <= len(value) <= most:
        raise Invalid(f"'{key}' must be a list of 1-{most} ids.", field=key)
    ids: dict[int, None] = {}  # ordered and O(1) to check: lists run to hundreds (watch_users)
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= MAX_ID:
            raise Invalid(f"'{key}' must hold whole numbers of at least 1.", field=key)
        ids[item] = None
    return list(ids)


# Joiners and modifiers that are part of emoji sequences: ZWJ, variation selectors, the keycap mark.
_EMOJI_GLUE = {"\u200d", "\ufe0e", "\ufe0f", "\u20e3"}
MAX_EMOJI_CHARS = 16


def emoji(value: Any) -> str:
    """One emoji (possibly a ZWJ sequence with skin tones): symbols only, no text."""
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_EMOJI_CHARS:
        raise Invalid("'emoji' must be one emoji.", field="emoji")
    symbols = 0
    for ch in value:
        category = unicodedata.category(ch)
        if category == "So":
            symbols += 1
        elif ch not in _EMOJI_GLUE and category not in {"Sk", "Mn", "Me"}:
            raise Invalid("'emoji' must be one emoji.", field="emoji")
    if symbols == 0:
        raise Invalid("'emoji' must be one emoji.", field="emoji")
    return value


MAX_QUERY_CHARS = 200


def status_text(value: Any) -> str:
    """A status's short text: whitespace folded, at most MAX_STATUS_TEXT_CHARS, nothing invisible
    (it is shown beside a name, as text, never as markup)."""
    if not isinstance(value, str) or not is_text(value):
        raise Invalid("'text' must be text.", field="text")
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if len(text) > MAX_STATUS_TEXT_CHARS:
        raise Invalid(f"A status is at most {MAX_STATUS_TEXT_CHARS} characters.", field="text")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text):
        raise Invalid("A status cannot contain control or invisible characters.", field="text")
    return text


def search_query(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("'query' must be a string.", field="query")
    query: str = value.strip()
    if len(query) > MAX_QUERY_CHARS:
        raise TooLarge(f"Search for at most {MAX_QUERY_CHARS} characters.", limit=MAX_QUERY_CHARS)
    if not any(ch.isalnum() for ch in query):
        raise Invalid("Type a word to search for.", field="query")
    return query


# "2026-12-06" or "2026-12-06T09:30:00Z" / "...+01:00" (fractions allowed); nothing longer.
_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
_MAX_TIMESTAMP_CHARS = 40


def timestamp(data: dict[str, Any], key: str) -> str | None:
    """An optional instant as the host stores times (ISO-8601 UTC, milliseconds, Z), so that it
    compares with ``created_at`` as text. A bare date is that day's start in UTC; a time must say
    its zone (the host cannot guess the sender's), else ``Invalid``."""
    value = data.get(key)
    if value is None:
        return None
    bad = Invalid(
        f"'{key}' must be a date (2026-12-06) or a time with its zone (2026-12-06T09:30:00Z).",
        field=key,
    )
    if not isinstance(value, str) or not 10 <= len(value) <= _MAX_TIMESTAMP_CHARS:
        raise bad
    try:
        if _DATE.match(value):
            when = datetime.fromisoformat(value).replace(tzinfo=UTC)
        elif "T" in value:
            when = datetime.fromisoformat(value)
        else:
            raise bad
    except ValueError:
        raise bad from None
    if when.tzinfo is None:
        raise bad
    try:
        when = when.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 shifted past the calendar by its offset
        raise bad from None
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def limit(data: dict[str, Any], *, default: int, most: int) -> int:
    """A page size: ``default`` when absent, else 1..``most``."""
    value = integer(data, "limit", required=False)
    if value is None:
        return default
    if value > most:
        raise Invalid(f"'limit' must be 1-{most}.", field="limit")
    return value


def sha256(value: Any) -> str:
    """A SHA-256 in hex, as lowercase."""
    if not isinstance(value, str) or not SHA256.match(value.lower()):
        raise Invalid("'sha256' must be 64 hexadecimal digits.", field="sha256")
    return value.lower()


def file_size(size: int, most: int) -> None:
    """Refuse a file over ``most`` bytes, saying both sizes the way people read them."""
    if size > most:
        raise TooLarge(
            f"That file is {_megabytes(size)}; files can be at most {_megabytes(most)}.",
            limit=most,
        )


def _megabytes(size: int) -> str:
    mb, rest = divmod(size, 1024 * 1024)
    return f"{mb} MB" if not rest else f"{size / (1024 * 1024):,.1f} MB"
