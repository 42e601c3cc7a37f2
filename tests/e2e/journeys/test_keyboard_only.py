"""The keyboard alone: the message list is one Tab stop, ↑/↓ move between messages, Enter reaches
a message's actions and Esc comes back, PageUp from the composer scrolls the messages, and
Alt+↓/↑ open the next/previous room."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from backend import Settings
from tests.e2e.conftest import E2E_CODE
from tests.e2e.journeys.conftest import Journey, audit, join_as
from tests.peers import Peer

MESSAGES = 40


@pytest.fixture
def host_settings(host_settings: Settings) -> Settings:
    return host_settings.replace(send_rate=1000.0, send_burst=1000)


def test_keyboard_only(host: Any, people: Any, journey: Journey) -> None:
    bob = Peer(host.url, {"name": "bob", "code": E2E_CODE})
    try:
        general = bob.room_id()
        for n in range(1, MESSAGES + 1):
            bob.send(general, f"line {n} of the history", f"g-{n}")
        ada = people()
        join_as(ada, host.url, "ada")
        # bob writes to ada directly: her second room, after general in the sidebar.
        members = bob.call("list_members", {"room_id": general})["members"]
        ada_id = next(u["id"] for u in members if u["name"] == "ada")
        dm = bob.call("open_dm", {"user_ids": [ada_id]})["room"]["id"]
        bob.send(dm, "over in our dm", "dm-0")
        newest = ada.get_by_text(f"line {MESSAGES} of the history", exact=True)
        expect(newest).to_be_in_viewport()
        composer = ada.get_by_role("textbox", name="Message", exact=True)
        expect(composer).to_be_focused()

        # PageUp in the composer scrolls the messages; the composer keeps the focus.
        ada.keyboard.press("PageUp")
        expect(newest).not_to_be_in_viewport()
        expect(composer).to_be_focused()
        journey.shot(ada, "page up from the composer")
        ada.keyboard.press("PageDown")
        ada.keyboard.press("PageDown")
        expect(newest).to_be_in_viewport()

        # Back into the list: one Shift+Tab stop for all of it (the attach button sits between).
        focused = ada.locator(".msg-focus:focus")
        for _ in range(3):
            ada.keyboard.press("Shift+Tab")
            if focused.count():
                break
        expect(focused).to_have_count(1)
        expect(focused).to_contain_text(f"line {MESSAGES} of the history")
        ada.keyboard.press("ArrowUp")
        expect(focused).to_contain_text(f"line {MESSAGES - 1} of the history")
        ada.keyboard.press("ArrowUp")
        expect(focused).to_contain_text(f"line {MESSAGES - 2} of the history")
        journey.shot(ada, "arrows move between messages")
        audit(ada)

        # Enter reaches the message's actions; Esc comes back to the message.
        ada.keyboard.press("Enter")
        expect(ada.locator(".msg-focus:focus-within button:focus")).to_have_count(1)
        ada.keyboard.press("Escape")
        expect(focused).to_contain_text(f"line {MESSAGES - 2} of the history")

        # The next Shift+Tab leaves the list: it was one stop, not one per control.
        ada.keyboard.press("Shift+Tab")
        expect(ada.locator(".message-rows :focus")).to_have_count(0)

        # Alt+↓: the next room.
        ada.keyboard.press("Alt+ArrowDown")
        expect(ada.get_by_text("over in our dm")).to_be_visible()
        ada.keyboard.press("Alt+ArrowUp")
        expect(ada.get_by_role("heading", name="#general")).to_be_visible()
        journey.shot(ada, "alt arrows switch rooms")
    finally:
        bob.close()
