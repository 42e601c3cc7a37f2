"""Decode and check what clients send: type, shape and size. Raises ``Invalid``/``TooLarge``.

Unknown keys are ignored (the protocol may grow); missing or mistyped ones are named in the error.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from .errors import Invalid, TooLarge

# JavaScript's safe integer range: ids travel as JSON numbers.
MAX_ID = 2**53 - 1
# Names people pick for themselves; short enough for a sidebar.
MAX_NAME_CHARS = 32
ROOM_NAME = re.compile(r"^[a-z0-9_-]{1,32}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_TOKEN_CHARS = 256


def payload(args: tuple[Any, ...], max_bytes: int) -> dict[str, Any]:
    """The single JSON object every command carries, refused above ``max_bytes`` encoded."""
    if len(args) != 1 or not isinstance(args[0], dict):
        raise Invalid("Send exactly one JSON object with this event.")
    data: dict[str, Any] = args[0]
    try:
        encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):  # Socket.IO binary attachments decode to bytes
        raise Invalid("Send JSON only: binary data is not accepted here.") from None
    if len(encoded.encode("utf-8")) > max_bytes:
        raise TooLarge(
            f"That is over the {max_bytes // 1024} KiB limit for one event.", limit=max_bytes
        )
    return data


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


def room_id(data: dict[str, Any]) -> int:
    value = integer(data, "room_id")
    assert value is not None
    return value


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


def display_name(value: Any) -> tuple[str, str]:
    """A person's name and its comparison key (unique per host, ignoring case and width)."""
    if not isinstance(value, str):
        raise Invalid("Pick a name to show to others.", field="name")
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if not name:
        raise Invalid("Pick a name to show to others.", field="name")
    if len(name) > MAX_NAME_CHARS:
        raise Invalid(f"Names are at most {MAX_NAME_CHARS} characters.", field="name")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise Invalid("Names cannot contain control or invisible characters.", field="name")
    return name, name_key(name)


def name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


def room_name(value: Any) -> str:
    """Channel names: lowercase, spaces become dashes, ``a-z 0-9 - _`` only."""
    if not isinstance(value, str):
        raise Invalid("'name' must be a string.", field="name")
    name = "-".join(value.strip().lower().split())
    if not ROOM_NAME.match(name):
        raise Invalid("Room names are 1-32 characters of a-z, 0-9, - and _.", field="name")
    return name


def token(value: Any, key: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_TOKEN_CHARS:
        raise Invalid(f"'{key}' must be a string.", field=key)
    return value
