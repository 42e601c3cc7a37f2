"""Join by the invite link: the link carries the code (#code=…), so a newcomer only types a name."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import E2E_CODE
from tests.e2e.journeys.conftest import JOIN_TIMEOUT_MS, Journey, audit, press


def test_join_by_invite_link(host: Any, people: Any, journey: Journey) -> None:
    page = people()
    page.goto(f"{host.url}#code={E2E_CODE}")
    name_box = page.get_by_label("Your name")
    press(name_box)
    journey.shot(page, "the invite link's join screen")
    audit(page)
    # The code came with the link: there is nothing to type but a name.
    code_box = page.get_by_label("Join code")
    if code_box.count():
        expect(code_box).to_have_value(E2E_CODE)
    name_box.fill("Newcomer")
    press(page.get_by_role("button", name="Join"))
    expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible(
        timeout=JOIN_TIMEOUT_MS
    )
    expect(page.get_by_role("heading", name="#general")).to_be_visible()
    # The code does not linger in the address bar once used.
    journey.shot(page, "joined")
