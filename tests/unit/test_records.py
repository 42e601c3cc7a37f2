"""People's records between host processes (chat/records.py): what one sends, another takes back
as the same person; what is not a record as a process sends one is refused; a window's records go
in requests of bounded size."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.chat import records
from backend.models import User

ANA = User(7, "Ana", avatar=None, status="away", status_text="at lunch 🍜", status_auto=True)
BOT = User(8, "Helper", is_bot=True, avatar="🤖")
HOST = User(1, "Host", is_host=True, name_chosen=False)


def _over_the_wire(value: Any) -> Any:
    """As another process's subscriber hears it (wire/cluster.py: json.dumps, then json.loads)."""
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("user", [ANA, BOT, HOST, User(9, "Cy", is_admin=True)])
def test_a_record_comes_back_as_the_same_person(user: User) -> None:
    assert records.user_from_record(_over_the_wire(records.user_record(user))) == user


def test_fields_at_their_default_are_left_out() -> None:
    """Most people's record is their id and name: a storm's window of thousands stays small."""
    assert records.user_record(User(5, "Bo")) == {"id": 5, "name": "Bo"}
    assert records.user_from_record({"id": 5, "name": "Bo"}) == User(5, "Bo")


def _bent(**change: Any) -> dict[str, Any]:
    return {**records.user_record(ANA), **change}


BAD = [
    None,
    7,
    "Ana",
    [records.user_record(ANA)],
    {k: v for k, v in records.user_record(ANA).items() if k != "name"},  # one without a default
    {"name": "Ana"},
    _bent(extra=1),  # a field this version does not know
    _bent(id="7"),
    _bent(id=True),
    _bent(id=0),
    _bent(id=2**53),
    _bent(id=7.0),
    _bent(name=""),
    _bent(name="x" * 33),
    _bent(name=None),
    _bent(name="\ud800"),  # a lone surrogate: no UTF-8 encoder (the wire's) takes it
    _bent(avatar=""),
    _bent(avatar="🤖" * 17),
    _bent(avatar=["🤖"]),
    _bent(status="asleep"),
    _bent(status=["away"]),
    _bent(status_text="x" * 81),
    _bent(status_text=None),
    _bent(is_admin=1),
    _bent(is_host="true"),
    _bent(name_chosen=None),
]


@pytest.mark.parametrize("bad", BAD)
def test_what_is_not_a_record_is_refused(bad: Any) -> None:
    assert records.user_from_record(_over_the_wire(bad)) is None


def test_bad_records_are_left_out_and_the_good_ones_kept() -> None:
    sent = [records.user_record(ANA), *BAD[:4], records.user_record(BOT), _bent(id=-1)]
    assert records.users_from_records(_over_the_wire(sent)) == [ANA, BOT]


def test_a_storm_window_goes_in_requests_of_bounded_size_in_order() -> None:
    many = [
        records.user_record(User(i, f"person {i}", status_text="é" * 80)) for i in range(1, 10_001)
    ]
    runs = list(records.in_requests(many))
    assert len(runs) > 1
    assert [r for run in runs for r in run] == many
    # Each request's args, as cluster.py sends them, stay within the bound.
    assert max(len(json.dumps(run)) for run in runs) <= records.MAX_REQUEST_BYTES
    assert list(records.in_requests([])) == []
