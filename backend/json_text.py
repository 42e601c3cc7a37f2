"""JSON text for the wire: the same text as ``json.dumps``, with the C encoder built once.

``json.dumps(obj, separators=...)`` builds a new encoder object, then a new C encoder, on every
call: about 1.5 µs of a 3 µs encode for an ack (measured, bench/). The host encodes every ack,
every broadcast and every incoming event's size check, so these build theirs once. Payloads here
are trees of dicts, lists and scalars made by the host or decoded from JSON: never circular, so
the circular-reference check (and its shared state) is left out.

``c_make_encoder`` is CPython's private accelerator, called with its nine positional arguments.
It is used only once it has been seen to give exactly ``json.dumps``'s text for a probe value on
this interpreter; otherwise (another Python, a changed signature) the public ``JSONEncoder.encode``
is used and the text is the same, only slower.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any

log = logging.getLogger(__name__)

Encode = Callable[[Any], str]

# Exercises what the host sends: nesting, non-ASCII, escapes, floats, null and booleans.
_PROBE: Any = {"a": [1, 2.5, None, True, False], "é\n": {"x": '"\\\u2028'}, "n": -(2**40)}


def _refuse(obj: Any) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def compact(*, ensure_ascii: bool) -> Encode:
    """``json.dumps(obj, separators=(",", ":"), ensure_ascii=ensure_ascii)`` as one call."""
    public = json.JSONEncoder(separators=(",", ":"), ensure_ascii=ensure_ascii).encode
    fast = _prebuilt(ensure_ascii)
    if fast is None:
        return public
    try:
        same = fast(_PROBE) == public(_PROBE)
    except Exception:  # noqa: BLE001 (any failure means: do not use it)
        same = False
    if not same:
        log.warning("json: CPython's prebuilt encoder disagrees with json.dumps here; not used")
        return public
    return fast


def _prebuilt(ensure_ascii: bool) -> Encode | None:
    make = getattr(_encoder, "c_make_encoder", None)
    if make is None:  # a Python without the _json accelerator
        return None
    strings = _encoder.encode_basestring_ascii if ensure_ascii else _encoder.encode_basestring
    try:
        # (markers, default, encoder, indent, key_separator, item_separator, sort_keys, skipkeys,
        # allow_nan): as JSONEncoder's defaults, except markers=None (no circular check).
        chunks = make(None, _refuse, strings, None, ":", ",", False, False, True)
    except TypeError:  # the private signature changed
        return None

    def encode(obj: Any) -> str:
        return "".join(chunks(obj, 0))

    return encode
