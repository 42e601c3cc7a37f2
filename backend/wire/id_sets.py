"""A set of ids as short text: who is connected to a process, in its heartbeat (cluster.py).

Every process states every person and device connected to it every HEARTBEAT_SECONDS; as JSON
lists of numbers, 10,000 of each were 125–160 KB a beat (6–8 bytes an id). Here the ids are
sorted, each written as its distance from the one before in a varint (7 bits a byte, the high bit
saying another byte follows), and the bytes in base64: ids that are not far apart, as a host's
are, take one or two bytes each, 27 KB a beat for those 10,000 + 10,000 (tests/unit/test_id_sets.py).

What another process sends is checked as it is read (``decode``): a malformed text raises
ValueError rather than yield ids that were never sent.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

from ..fields import MAX_ID

# More ids than any one process has connections for; more is not a heartbeat.
MOST = 1_000_000


def encode(ids: Iterable[int]) -> str:
    """``ids`` (positive) as text for ``decode``; the same set gives the same text."""
    out = bytearray()
    last = 0
    for value in sorted(set(ids)):
        step = value - last
        last = value
        while step >= 0x80:
            out.append(step & 0x7F | 0x80)
            step >>= 7
        out.append(step)
    return base64.b64encode(out).decode("ascii")


def decode(text: Any) -> set[int]:
    """The ids ``encode`` gave ``text`` for.

    :raises ValueError: not such a text: not base64, an id cut short, two the same or out of
        order (a step of 0), an id beyond MAX_ID, or more than MOST of them.
    """
    if not isinstance(text, str):
        raise ValueError("an id set is text")
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"an id set is base64: {exc}") from None
    ids: set[int] = set()
    last = step = shift = 0
    for byte in data:
        step |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            if shift > 56:  # no id is that large: a run of continuation bytes is not an id
                raise ValueError("an id set holds an id too large")
            continue
        if step == 0:
            raise ValueError("an id set's ids are distinct and in order")
        last += step
        if last > MAX_ID or len(ids) >= MOST:
            raise ValueError("an id set holds an id too large, or too many ids")
        ids.add(last)
        step = shift = 0
    if shift:
        raise ValueError("an id set ends inside an id")
    return ids
