"""The journeys' own check: a person joins by the invite link's page, says hello, and the page
passes axe-core, in every view."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import Journey, audit, join_as, press


def test_join_and_say_hello(host: Any, people: Any, journey: Journey) -> None:
    page = people()
    join_as(page, f"{host.url}#code=13572468", "Ada", code=None)
    journey.shot(page, "joined")
    box = page.get_by_role("textbox", name="Message", exact=True)
    press(box)
    box.type("hello, everyone")
    page.keyboard.press("Enter")
    expect(page.get_by_text("hello, everyone")).to_be_visible()
    journey.shot(page, "said hello")
    audit(page)
