"""Exact unread counts from the client's own read marks (count_unread)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend import Settings
from tests.peers import Peer

pytestmark = pytest.mark.integration

Connect = Callable[..., Peer]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(send_rate=1000.0, send_burst=1000)  # 60 quick sends are the point here


def test_count_unread_is_exact_beyond_a_page(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    general = ana.room_id()
    side = ana.call("create_room", {"name": "side"})["room"]["id"]
    read_up_to = bo.send(general, "mine", "b-0")["id"]
    for n in range(60):
        ana.send(general, f"news {n}", f"a-{n}")
    ana.send(side, "elsewhere", "a-side")  # Bo is not in this room
    bo.send(general, "my own messages do not count", "b-1")
    counts = bo.call("count_unread", {"rooms": [{"room_id": general, "after_id": read_up_to}]})
    assert counts == {"ok": True, "counts": [{"room_id": general, "count": 60, "mentions": 0}]}
    newest = ana.send(general, "one more", "a-more")["id"]
    bounded = bo.call(
        "count_unread",
        {"rooms": [{"room_id": general, "after_id": read_up_to, "up_to_id": newest - 1}]},
    )
    assert bounded["counts"] == [
        {"room_id": general, "count": 60, "mentions": 0}
    ]  # "one more" is past the bound
    refused = bo.call("count_unread", {"rooms": [{"room_id": side, "after_id": 0}]})
    assert refused["error"]["code"] == "forbidden"
    for bad in (
        {"rooms": []},
        {"rooms": "all"},
        {"rooms": [{"room_id": general, "after_id": -1}]},
        {"rooms": [7]},
    ):
        assert bo.call("count_unread", bad)["error"]["code"] == "invalid"
