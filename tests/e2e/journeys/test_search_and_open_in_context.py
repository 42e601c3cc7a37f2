"""Journey: a person searches by mouse and keyboard — a word, then a file's name — narrows by date,
and opens results: each lands on its message in its room, on screen and highlighted.

What it proves: results show the message as the chat renders it (bold, code) with the match marked,
not markdown source; a file-name match shows the file; the From/To filter takes days and says when
nothing is in them; ↓ then Enter from the search box opens the first result; a click opens a
message far above what the room has loaded, scrolled into view and flashed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from backend import ServerHandle, Settings
from tests.e2e.conftest import E2E_CODE
from tests.e2e.journeys.conftest import STEP_TIMEOUT_MS, Journey, audit, press
from tests.peers import Peer

FILLER = 60  # messages after the one the person looks for: it is far above the room's first page


@pytest.fixture
def host_settings(host_settings: Settings) -> Settings:
    # History is seeded faster than a person types; the default send rate would throttle it.
    return dataclasses.replace(host_settings, send_rate=10_000.0, send_burst=10_000)


def _attach(server: ServerHandle, peer: Peer, room_id: int, name: str) -> int:
    data = os.urandom(2_000)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {peer.token}"
    body = {"room_id": room_id, "name": name, "size": len(data)}
    created = http.post(
        f"{server.url}api/uploads",
        json={**body, "sha256": hashlib.sha256(data).hexdigest()},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    sent = http.put(
        f"{server.url}api/uploads/{created.json()['upload_id']}",
        data=data,
        headers={"Upload-Offset": "0"},
        timeout=30,
    )
    assert sent.status_code == 200, sent.text
    return int(sent.json()["file"]["id"])


@pytest.fixture
def history(host: ServerHandle) -> Iterator[dict[str, Any]]:
    """Rosa's messages: one about otters (markdown), many after it, then one with a file."""
    rosa = Peer(host.url, {"name": "Rosa", "code": E2E_CODE})
    room = rosa.room_id()
    otters = rosa.send(room, "The **otters** are back at the `river` today", "h-0")
    for i in range(FILLER):
        rosa.send(room, f"filler {i:03d}", f"h-{i + 1}")
    file_id = _attach(host, rosa, room, "Q3-budget-report.pdf")
    ack = rosa.call(
        "send_message",
        {
            "room_id": room,
            "text": "numbers for the quarter",
            "client_id": "h-f",
            "attachments": [file_id],
        },
    )
    assert ack["ok"], ack
    yield {"otters": otters, "budget": ack["message"]}
    rosa.close()


def _message(page: Any, message: dict[str, Any]) -> Any:
    return page.locator(f'article[data-id="{message["id"]}"]')


def _landed(page: Any, message: dict[str, Any]) -> None:
    """The message is on screen in its room and flashed (the highlight a jump gives)."""
    opened = _message(page, message)
    expect(opened).to_be_in_viewport(timeout=STEP_TIMEOUT_MS)
    expect(opened).to_have_class(re.compile(r"\bflash\b"), timeout=STEP_TIMEOUT_MS)


def test_search_and_open_in_context(owner: Any, history: dict[str, Any], journey: Journey) -> None:
    page = owner
    expect(page.get_by_text("numbers for the quarter")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    expect(_message(page, history["otters"])).to_have_count(0)  # far above what is loaded
    journey.shot(page, "the room at its newest")

    # A word, by mouse then keys: the result is the rendered message with the word marked.
    press(page.get_by_role("button", name="Search", exact=True))
    panel = page.get_by_role("dialog", name="Search messages")
    box = panel.get_by_role("searchbox", name="Search")
    press(box)
    box.type("otters")
    results = panel.get_by_role("list", name="Search results")
    hit = results.get_by_role("listitem")
    expect(hit).to_have_count(1, timeout=STEP_TIMEOUT_MS)
    expect(hit.locator("strong mark")).to_have_text("otters")
    expect(hit.locator("code")).to_have_text("river")
    expect(hit).not_to_contain_text("**")
    journey.shot(page, "a word found, rendered and marked")
    audit(page)

    # The date filter: a day with nothing in it, then today again.
    today = date.today()
    start = panel.get_by_label("From date")
    press(start)
    start.fill((today + timedelta(days=1)).isoformat())
    expect(panel.get_by_role("status")).to_have_text(
        "No messages match “otters” in those dates.", timeout=STEP_TIMEOUT_MS
    )
    journey.shot(page, "nothing on a later day")
    press(start)
    start.fill(today.isoformat())
    end = panel.get_by_label("To date")
    press(end)
    end.fill(today.isoformat())
    expect(hit).to_have_count(1, timeout=STEP_TIMEOUT_MS)
    journey.shot(page, "found again from today to today")

    # A file's name: the result shows the file, and says the name matched.
    press(box)
    box.fill("")
    box.type("budget")
    files = results.get_by_role("list", name="Matched in file name")
    expect(files).to_contain_text("Q3-budget-report.pdf", timeout=STEP_TIMEOUT_MS)
    expect(files.locator("mark")).to_have_text("budget")
    journey.shot(page, "a file name found")
    audit(page)

    # Keyboard: ↓ from the box to the result, Enter opens it in its room.
    box.focus()
    page.keyboard.press("ArrowDown")
    expect(results.get_by_role("button").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(panel).to_have_count(0)
    _landed(page, history["budget"])
    journey.shot(page, "opened by keyboard")

    # Mouse: the otters message, far above what the room holds, opens in place.
    page.keyboard.press("Control+Shift+F")
    press(box)
    box.type("otters")
    expect(hit).to_have_count(1, timeout=STEP_TIMEOUT_MS)
    press(hit.get_by_role("button"))
    expect(panel).to_have_count(0)
    _landed(page, history["otters"])
    expect(_message(page, history["otters"])).to_contain_text("otters are back at the river")
    journey.shot(page, "opened by mouse, in context")
    audit(page)
