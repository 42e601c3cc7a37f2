"""Sets of ids as short text (wire/id_sets.py), as a process's heartbeat states who is connected
to it (wire/cluster.py): what one process sends, another reads back exactly; what is not such a
text is refused; how many bytes a heartbeat is at 10,000 people on 10,000 devices."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest

from backend.fields import MAX_ID
from backend.wire import id_sets
from backend.wire.cluster import who_is_here

ORIGIN = "0123456789abcdef"  # as secrets.token_hex(8)


@pytest.mark.parametrize(
    "ids",
    [
        set(),
        {1},
        {MAX_ID},
        {1, 127, 128, 129, 16_383, 16_384, 2**31, MAX_ID},
        set(range(1, 10_001)),
        set(random.Random(17).sample(range(1, 10**9), 5_000)),
    ],
)
def test_a_set_reads_back_as_itself(ids: set[int]) -> None:
    text = id_sets.encode(sorted(ids, reverse=True))
    assert id_sets.decode(json.loads(json.dumps(text))) == ids


def test_the_same_set_is_the_same_text() -> None:
    assert id_sets.encode([3, 1, 2, 3]) == id_sets.encode([1, 2, 3])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [1, 2],
        7,
        "not base64!",
        "AQI",  # base64 cut short
        _b64(b"\x01\x00"),  # a step of 0: the same id twice
        _b64(b"\x00"),  # id 0
        _b64(b"\x81"),  # ends inside an id
        _b64(b"\xff" * 9 + b"\x01"),  # longer than any id
        _b64(b"\xff" * 7 + b"\x7f"),  # 2**56 - 1: beyond MAX_ID
    ],
)
def test_what_is_not_a_set_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        id_sets.decode(bad)


def test_more_ids_than_a_process_has_connections_for_are_refused() -> None:
    with pytest.raises(ValueError):
        id_sets.decode(_b64(b"\x01" * (id_sets.MOST + 1)))


@pytest.mark.parametrize(
    ("first_person", "first_device", "as_json"),
    [(1, 1, 125_234), (100_001, 200_001, 160_042)],
)
def test_a_heartbeat_at_10000_people_on_10000_devices_in_bytes(
    first_person: int, first_device: int, as_json: int
) -> None:
    """The counts recorded in docs/benchmarks.md (cluster notes): 10,000 people with the first
    ids, or six-digit ones (a host that has seen 100,000 people), each on one device, every third
    device id (people add devices over time). As JSON lists of numbers (before this text) it was
    ``as_json`` bytes a beat; now the distances between ids matter, not the ids."""
    people = list(range(first_person, first_person + 10_000))
    devices = list(range(first_device, first_device + 30_000, 3))
    assert len(json.dumps({"o": ORIGIN, "on": people, "dev": devices})) == as_json
    assert len(who_is_here(ORIGIN, people, devices)) == 26_718
