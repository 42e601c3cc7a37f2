"""From bug 8: the host is renamed, then goes away; the banner a guest sees names the host by its
new name (server_changed), not the one it had when the guest joined."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import STEP_TIMEOUT_MS, Journey, audit, join_as, press


def test_banner_follows_rename(host: Any, owner: Any, people: Any, journey: Journey) -> None:
    guest = people()
    join_as(guest, host.url, "guest")
    expect(guest.locator(".brand-name")).to_have_text("E2E host")

    press(owner.get_by_role("button", name="Host settings"))
    dialog = owner.get_by_role("dialog", name="Host settings")
    name_box = dialog.get_by_role("textbox", name="Host name")
    press(name_box)
    name_box.fill("Team room")
    press(dialog.get_by_role("button", name="Rename"))
    expect(dialog.get_by_role("status")).to_contain_text("Renamed")
    expect(guest.locator(".brand-name")).to_have_text("Team room", timeout=STEP_TIMEOUT_MS)
    journey.shot(guest, "renamed")

    host.stop()
    banner = guest.locator(".banner")
    expect(banner).to_contain_text("Team room", timeout=STEP_TIMEOUT_MS)
    expect(banner).not_to_contain_text("E2E host")
    expect(
        guest.get_by_role("img", name="Reconnecting").or_(guest.get_by_role("img", name="Offline"))
    ).to_be_visible()
    journey.shot(guest, "host gone, banner names it")
    audit(guest)
