"""Bug 2: the emoji picker (☺+) works with the mouse for the lowest message (it used to open
below the viewport) and for a message higher up near the right edge (it used to be clipped on
the right and covered by later rows): the whole picker is on screen, and an emoji clicked in it
shows as a reaction for the other person."""

from __future__ import annotations

import dataclasses
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E_CODE
from tests.e2e.journeys.conftest import Journey, View, audit, join_as, press
from tests.peers import Peer


@pytest.fixture
def host_settings(host_settings: Any) -> Any:
    """The journeys' host with its send rate limit raised, so a third person can seed the room."""
    return dataclasses.replace(host_settings, send_rate=10_000.0, send_burst=10_000)


def message(page: Any, text: str) -> Any:
    return page.locator("article.msg").filter(has=page.locator(".msg-body", has_text=text))


def say(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Message", exact=True)
    press(box)
    box.type(text)
    page.keyboard.press("Enter")
    expect(message(page, text)).to_be_visible()


def open_picker(page: Any, text: str, view: View) -> Any:
    row = message(page, text)
    row.hover()
    press(
        row.get_by_role("toolbar", name="Message actions").get_by_role(
            "button", name="Add reaction"
        )
    )
    picker = page.get_by_role("dialog", name="Emoji picker")
    expect(picker).to_be_visible()
    # Entirely on screen: nothing below the fold, nothing clipped at the right edge.
    expect(picker).to_be_in_viewport(ratio=1)
    box = picker.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= view.width and box["y"] + box["height"] <= view.height, box
    return picker


def test_emoji_picker_by_mouse(host: Any, people: Any, journey: Journey, view: View) -> None:
    ada, bo = people(), people()
    join_as(ada, host.url, "Ada")
    join_as(bo, host.url, "Bo")
    # A busy room (a third person's earlier chatter), so the newest message sits at the bottom of
    # the window, where the picker used to open off screen.
    cy = Peer(host.url, {"name": "Cy", "code": E2E_CODE})
    try:
        room = cy.room_id()
        for i in range(1, 31):
            cy.send(room, f"earlier line {i}", uuid.uuid4().hex)
    finally:
        cy.close()
    for text in ("first: who is in for lunch?", "pizza or noodles", "last: leaving at noon"):
        say(bo, text)
    expect(message(ada, "last: leaving at noon")).to_be_in_viewport()

    # The lowest message: the picker opens above it, not below the window.
    picker = open_picker(ada, "last: leaving at noon", view)
    journey.shot(ada, "emoji picker for the last message")
    audit(ada)
    search = picker.get_by_role("searchbox", name="Search emoji")
    expect(search).to_be_focused()
    ada.keyboard.type("rocket")
    press(picker.get_by_role("button", name="rocket", exact=True))
    expect(picker).to_have_count(0)
    chips = message(bo, "last: leaving at noon").get_by_role("group", name="Reactions")
    expect(chips.get_by_role("button", name=re.compile("rocket"))).to_be_visible()

    # A message higher up: the picker opens below it, over the later rows, not under them.
    picker = open_picker(ada, "earlier line 15", view)
    journey.shot(ada, "emoji picker for a message higher up")
    # It opens on "Recently used" (the rocket); the Smileys tab, then an emoji, all by mouse.
    press(picker.get_by_role("tab", name="Smileys"))
    press(picker.get_by_role("button", name="grinning", exact=True))
    expect(picker).to_have_count(0)
    chips = message(bo, "earlier line 15").get_by_role("group", name="Reactions")
    expect(chips.get_by_role("button", name=re.compile("grinning"))).to_be_visible()
    journey.shot(bo, "reactions seen by the other person")
