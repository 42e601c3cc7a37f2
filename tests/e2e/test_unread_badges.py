"""Unread badges are exact beyond the page of history the browser fetches (count_unread)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from backend import ServerHandle, Settings
from tests.e2e.conftest import E2E_CODE, join
from tests.peers import Peer

pytestmark = pytest.mark.e2e
SLOW = 15_000


@pytest.fixture
def host_settings(host_settings: Settings) -> Settings:
    return host_settings.replace(send_rate=1000.0, send_burst=1000)  # 75 quick sends by the peer


def test_badge_counts_more_than_a_page_after_a_reload(host: ServerHandle, contexts: Any) -> None:
    page = contexts().new_page()
    join(page, host.url, "alice")
    rooms = page.get_by_role("navigation", name="Rooms")

    bob = Peer(host.url, {"name": "bob", "code": E2E_CODE})
    try:
        side = bob.call("create_room", {"name": "busy"})["room"]["id"]
        page.get_by_role("button", name="Join #busy").click()
        expect(page.get_by_role("heading", name="#busy")).to_be_visible(timeout=SLOW)
        rooms.get_by_role("button", name="general").click()
        expect(page.get_by_role("heading", name="#general")).to_be_visible()

        for n in range(75):  # more than the 50 the page fetches per room
            bob.send(side, f"burst {n}", f"b-{n}")
        page.reload()
        expect(rooms.get_by_role("button", name="busy").get_by_label("75 unread")).to_be_visible(
            timeout=SLOW
        )
        expect(page).to_have_title("(75) Parley", timeout=SLOW)

        bob.send(side, "and one live", "b-live")
        expect(rooms.get_by_role("button", name="busy").get_by_label("76 unread")).to_be_visible(
            timeout=SLOW
        )

        # Opening it lands on the first unread: what has not been on screen stays unread until
        # it has (it used to be marked read at once), and jumping to the present reads it all.
        rooms.get_by_role("button", name="busy").click()
        expect(page.get_by_role("separator", name="New since you left")).to_be_in_viewport(
            timeout=SLOW
        )
        expect(page.get_by_text("burst 0", exact=True)).to_be_in_viewport()
        expect(page).to_have_title(re.compile(r"^\(\d+\) Parley$"))
        page.get_by_role("button", name="Jump to present").click()
        expect(page.get_by_text("and one live")).to_be_in_viewport(timeout=SLOW)
        expect(page).to_have_title("Parley", timeout=SLOW)
    finally:
        bob.close()
