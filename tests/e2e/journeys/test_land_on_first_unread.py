"""Bug 5: someone writes 150 messages in a room while you are in another one. Opening it lands on
the first unread with its "New since you left" line in view, the badge does not clear until you
have seen them, "Jump to first unread" brings the line back once you read past it, and "Jump to
present" takes you to the newest, which reads the room."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from backend import Settings
from tests.e2e.conftest import E2E_CODE
from tests.e2e.journeys.conftest import STEP_TIMEOUT_MS, Journey, View, audit, join_as, press
from tests.peers import Peer

UNREAD = 150


@pytest.fixture
def host_settings(host_settings: Settings) -> Settings:
    return host_settings.replace(send_rate=1000.0, send_burst=1000)  # 150 quick sends by bob


def open_rooms(page: Any, view: View) -> Any:
    """The rooms list: on a phone it is behind the ☰ button."""
    if view.phone:
        press(page.get_by_role("button", name="Show rooms"))
    return page.get_by_role("navigation", name="Rooms")


def test_land_on_first_unread(host: Any, people: Any, journey: Journey, view: View) -> None:
    bob = Peer(host.url, {"name": "bob", "code": E2E_CODE})
    try:
        busy = bob.call("create_room", {"name": "busy"})["room"]["id"]
        bob.send(busy, "this one you have read", "read-0")
        ada = people()
        join_as(ada, host.url, "ada")
        rooms = open_rooms(ada, view)
        press(rooms.get_by_role("button", name="Join #busy"))
        expect(ada.get_by_text("this one you have read")).to_be_visible()
        rooms = open_rooms(ada, view)
        press(rooms.get_by_role("button", name="general"))
        expect(ada.get_by_role("heading", name="#general")).to_be_visible()

        for n in range(1, UNREAD + 1):
            bob.send(busy, f"news number {n}", f"n-{n}")
        rooms = open_rooms(ada, view)
        busy_link = rooms.get_by_role("button", name=re.compile(rf"^busy ?,? {UNREAD} unread$"))
        expect(busy_link).to_be_visible(timeout=STEP_TIMEOUT_MS)
        journey.shot(ada, "150 unread in busy")
        press(busy_link)

        # Landed on the first unread, with its line, not at the bottom.
        expect(ada.get_by_role("heading", name="#busy")).to_be_visible()
        line = ada.get_by_role("separator", name="New since you left")
        expect(line).to_be_in_viewport(timeout=STEP_TIMEOUT_MS)
        expect(ada.get_by_text("news number 1", exact=True)).to_be_in_viewport()
        expect(ada.get_by_text(f"news number {UNREAD}", exact=True)).not_to_be_in_viewport()
        journey.shot(ada, "landed on the first unread")
        audit(ada)

        # Only what was on screen is read: most of the 150 are still unread.
        if view.phone:
            press(ada.get_by_role("button", name="Show rooms"))
        busy_now = ada.get_by_role("navigation", name="Rooms").get_by_role(
            "button", name=re.compile(r"^busy ?,? \d+ unread$")
        )
        expect(busy_now).to_be_visible()
        left = int(busy_now.locator(".badge").inner_text())
        assert 100 <= left < UNREAD, f"{left} unread after landing"
        if view.phone:
            ada.keyboard.press("Escape")

        # Reading on (PageDown from the composer) puts the line above the view: a bar offers to
        # jump back to the first unread.
        box = ada.get_by_role("textbox", name="Message", exact=True)
        press(box)
        ada.keyboard.press("PageDown")
        ada.keyboard.press("PageDown")
        expect(line).not_to_be_in_viewport()
        back = ada.get_by_role("button", name="Jump to first unread")
        journey.shot(ada, "read on, the line is above")
        press(back)
        expect(line).to_be_in_viewport(timeout=STEP_TIMEOUT_MS)
        expect(back).to_have_count(0)

        # Jump to present: the newest is in view and the room is read.
        press(ada.get_by_role("button", name="Jump to present"))
        expect(ada.get_by_text(f"news number {UNREAD}", exact=True)).to_be_in_viewport(
            timeout=STEP_TIMEOUT_MS
        )
        expect(ada).to_have_title("Parley", timeout=STEP_TIMEOUT_MS)
        journey.shot(ada, "jumped to present")
    finally:
        bob.close()
