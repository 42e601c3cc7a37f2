"""Search through a real host and real socket clients: file names, the date range, and who may
find what (docs/protocol.md, `search`)."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from backend import ServerHandle
from tests.peers import Peer

pytestmark = pytest.mark.integration

Connect = Callable[..., Peer]
TIMEOUT = 30


def _ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


def _error(ack: dict[str, Any]) -> str:
    assert not ack["ok"], ack
    return str(ack["error"]["code"])


def _upload(server: ServerHandle, peer: Peer, room_id: int, name: str) -> dict[str, Any]:
    data = os.urandom(300)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {peer.token}"
    body = {
        "room_id": room_id,
        "name": name,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    created = http.post(f"{server.url}api/uploads", json=body, timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    sent = http.put(
        f"{server.url}api/uploads/{created.json()['upload_id']}",
        data=data,
        headers={"Upload-Offset": "0"},
        timeout=TIMEOUT,
    )
    assert sent.status_code == 200, sent.text
    return sent.json()["file"]  # type: ignore[no-any-return]


def _send(peer: Peer, room_id: int, text: str, files: list[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "room_id": room_id,
        "text": text,
        "client_id": f"c-{time.monotonic_ns()}",
    }
    if files:
        body["attachments"] = [f["id"] for f in files]
    ack = peer.call("send_message", body)
    return _ok(ack)["message"]  # type: ignore[no-any-return]


def _ids(ack: dict[str, Any]) -> list[int]:
    return [m["id"] for m in _ok(ack)["messages"]]


def test_search_finds_file_names_and_says_what_matched(
    live_server: ServerHandle, connect: Connect
) -> None:
    ana, bo, cy = connect("Ana"), connect("Bo"), connect("Cy")
    general = ana.room_id()
    secret = _ok(ana.call("create_room", {"name": "secret"}))["room"]["id"]

    budget = _upload(live_server, ana, general, "Q3-budget-report.pdf")
    photo = _upload(live_server, ana, general, "team photo.png")
    by_file = _send(ana, general, "numbers for the quarter", [budget, photo])
    by_text = _send(bo, general, "the budget looks fine", [])
    both = _send(
        bo, general, "budget v2 attached", [_upload(live_server, bo, general, "budget-v2.xlsx")]
    )
    hidden = _send(ana, secret, "private", [_upload(live_server, ana, secret, "budget-secret.pdf")])

    found = _ok(bo.call("search", {"query": "budget"}))["messages"]
    assert [m["id"] for m in found] == [both["id"], by_text["id"], by_file["id"]]
    match = {m["id"]: m["match"] for m in found}
    assert match[by_file["id"]] == {"text": False, "files": [budget["id"]]}
    assert match[by_text["id"]] == {"text": True, "files": []}
    assert match[both["id"]]["text"] is True and len(match[both["id"]]["files"]) == 1
    # The whole message comes back, with its files, to show it as the chat does.
    assert [f["name"] for f in found[-1]["attachments"]] == [
        "Q3-budget-report.pdf",
        "team photo.png",
    ]

    # Words of a name match as in text: a prefix while typing, case ignored, several words.
    assert _ids(bo.call("search", {"query": "REPO"})) == [by_file["id"]]
    assert _ids(bo.call("search", {"query": "team photo"})) == [by_file["id"]]
    assert _ids(bo.call("search", {"query": "png"})) == [by_file["id"]]

    # Authorization is unchanged: a room the caller is not in gives nothing, by text or name.
    assert hidden["id"] not in _ids(bo.call("search", {"query": "budget secret"}))
    assert _ids(cy.call("search", {"query": "budget", "room_id": general}))  # a member of general
    assert _error(cy.call("search", {"query": "budget", "room_id": secret})) == "forbidden"
    assert _ids(ana.call("search", {"query": "secret"})) == [hidden["id"]]

    # Filters and paging apply to name matches as to text matches.
    assert _ids(bo.call("search", {"query": "budget", "author_id": ana.user["id"]})) == [
        by_file["id"]
    ]
    page = _ok(bo.call("search", {"query": "budget", "limit": 2}))
    assert _ids(page) == [both["id"], by_text["id"]] and page["has_more"]
    rest = _ok(bo.call("search", {"query": "budget", "limit": 2, "before_id": by_text["id"]}))
    assert _ids(rest) == [by_file["id"]] and not rest["has_more"]

    # A deleted message's files leave the results with it.
    assert _ok(ana.call("delete_message", {"message_id": by_file["id"]}))
    assert _ids(bo.call("search", {"query": "report"})) == []


def test_the_date_range_is_after_inclusive_before_exclusive(connect: Connect) -> None:
    ana = connect("Ana")
    general = ana.room_id()
    sent = []
    for i in range(3):
        sent.append(_send(ana, general, f"standup notes {i}", []))
        time.sleep(0.01)  # distinct milliseconds, so each bound falls on one message
    first, middle, last = sent

    def found(**bounds: str) -> list[int]:
        return sorted(_ids(ana.call("search", {"query": "standup", **bounds})))

    assert found(after=middle["created_at"]) == [middle["id"], last["id"]]
    assert found(before=middle["created_at"]) == [first["id"]]
    assert found(after=middle["created_at"], before=last["created_at"]) == [middle["id"]]

    # The same instant in another zone is the same bound.
    at = datetime.fromisoformat(middle["created_at"])
    in_paris = at.astimezone(timezone(timedelta(hours=1))).isoformat(timespec="milliseconds")
    assert found(after=in_paris) == [middle["id"], last["id"]]

    # A bare date is that day's start in UTC.
    today = at.astimezone(UTC).date()
    tomorrow = today + timedelta(days=1)
    assert found(after=today.isoformat(), before=tomorrow.isoformat()) == [m["id"] for m in sent]
    assert found(after=tomorrow.isoformat()) == []
    assert found(before=today.isoformat()) == []


@pytest.mark.parametrize(
    "bounds",
    [
        {"after": "yesterday"},
        {"after": "2026-13-01"},
        {"before": "2026-02-30"},
        {"after": "2026-12-06T10:00:00"},  # a time without its zone
        {"after": "2026-12-06 10:00:00Z"},
        {"before": 1765000000},
        {"before": ""},
        {"after": "2026-12-06T10:00:00Z" + " " * 40},
        {"after": "2026-12-07", "before": "2026-12-06"},
        {"after": "2026-12-06", "before": "2026-12-06"},
    ],
)
def test_bad_dates_are_refused(connect: Connect, bounds: dict[str, Any]) -> None:
    ana = connect("Ana")
    ack = ana.call("search", {"query": "standup", **bounds})
    assert _error(ack) == "invalid"
    assert ack["error"]["data"]["field"] in bounds
