"""JSON text for the wire: the same text as ``json.dumps``, with the C encoder built once.

``json.dumps(obj, separators=...)`` builds a new encoder object, then a new C encoder, on every
call: about 1.5 µs of a 3 µs encode for an ack (measured, bench/). The host encodes every ack,
every broadcast and every incoming event's size check, so these build theirs once. Payloads here
are trees of dicts, lists and scalars made by the host or decoded from JSON: never circular, so
the circular-reference check (and its shared state) is left out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any

Encode = Callable[[Any], str]


def _refuse(obj: Any) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def compact(*, ensure_ascii: bool) -> Encode:
    """``json.dumps(obj, separators=(",", ":"), ensure_ascii=ensure_ascii)`` as one call."""
    make = getattr(_encoder, "c_make_encoder", None)
    if make is None:  # a Python without the _json accelerator
        return json.JSONEncoder(separators=(",", ":"), ensure_ascii=ensure_ascii).encode
    strings = _encoder.encode_basestring_ascii if ensure_ascii else _encoder.encode_basestring
    # (markers, default, encoder, indent, key_separator, item_separator, sort_keys, skipkeys,
    # allow_nan): as JSONEncoder's defaults, except markers=None (no circular check).
    chunks = make(None, _refuse, strings, None, ":", ",", False, False, True)

    def encode(obj: Any) -> str:
        return "".join(chunks(obj, 0))

    return encode
