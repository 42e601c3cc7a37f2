"""Profiles by mouse (issue 15): ana opens her profile from her avatar in the top bar, renames
herself and sets "Do not disturb" with a short text; bob's page follows at once everywhere she
appears (his people list with her status, her message in general, his direct message with her,
the @mention list, the typing line) and after a reload; bob's look-alike of her new name is
refused with a clear reason; her profile card in his people list shows her status."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import STEP_TIMEOUT_MS, Journey, View, audit, join_as, press

NEW_NAME = "Ana Lopez"


def people_panel(page: Any, view: View) -> Any:
    if view.phone:
        press(page.get_by_role("button", name="People", exact=True))
    return page.get_by_role("complementary", name="People in this room")


def close_people(page: Any, view: View) -> None:
    if view.phone:
        page.keyboard.press("Escape")


def sidebar(page: Any, view: View) -> Any:
    if view.phone:
        press(page.get_by_role("button", name="Show rooms"))
    return page.get_by_role("navigation", name="Rooms")


def say(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Message", exact=True)
    press(box)
    box.fill(text)
    page.keyboard.press("Enter")
    expect(page.get_by_text(text)).to_be_visible()


def test_change_your_name_and_see_it_everywhere(
    host: Any, people: Any, journey: Journey, view: View
) -> None:
    ana, bob = people(), people()
    join_as(ana, host.url, "ana")
    join_as(bob, host.url, "bob")
    say(ana, "hello from ana")
    panel = people_panel(bob, view)
    press(panel.get_by_role("button", name="Message ana"))
    expect(bob.get_by_role("heading", name="ana")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    say(bob, "psst, ana")
    journey.shot(bob, "bob has a direct message with ana")

    # Ana: her avatar and name in the top bar open her profile.
    press(ana.get_by_role("button", name="Your profile: ana, Available"))
    dialog = ana.get_by_role("dialog", name="Your profile")
    name_box = dialog.get_by_label("Display name")
    press(name_box)
    name_box.fill(NEW_NAME)
    press(dialog.get_by_role("radio", name="Do not disturb"))
    status_box = dialog.get_by_label("Status message")
    press(status_box)
    status_box.fill("Focus time <b>until 3</b>")
    journey.shot(ana, "ana edits her profile")
    audit(ana)
    press(dialog.get_by_role("button", name="Save"))
    expect(dialog.get_by_role("status")).to_have_text("Saved. Everyone sees it now.")
    press(dialog.get_by_role("button", name="Done"))
    expect(dialog).to_have_count(0)
    expect(
        ana.get_by_role("button", name=f"Your profile: {NEW_NAME}, Do not disturb")
    ).to_be_visible()
    journey.shot(ana, "ana renamed")

    # Bob's page: the direct message is titled with her new name, and his sidebar says it too.
    expect(bob.get_by_role("heading", name=NEW_NAME)).to_be_visible(timeout=STEP_TIMEOUT_MS)
    rooms = sidebar(bob, view)
    expect(rooms.get_by_role("button", name=NEW_NAME)).to_be_visible()
    press(rooms.get_by_role("button", name="general"))
    # Her message in general carries her new name.
    message = bob.locator("article.msg").filter(has_text="hello from ana")
    expect(message.locator(".author")).to_have_text(NEW_NAME)
    # The people list: her name and status, the markup in it as plain text.
    panel = people_panel(bob, view)
    her = panel.get_by_role("button", name=re.compile(f"^{NEW_NAME}"))
    expect(her).to_contain_text("Do not disturb · Focus time <b>until 3</b>")
    journey.shot(bob, "bob sees her new name and status")
    audit(bob)
    press(her)
    card = bob.get_by_role("dialog", name=f"{NEW_NAME}’s profile")
    expect(card).to_contain_text("Do not disturb")
    expect(card).to_contain_text("Focus time <b>until 3</b>")
    journey.shot(bob, "her profile card")
    audit(bob)
    bob.keyboard.press("Escape")
    expect(card).to_have_count(0)
    close_people(bob, view)

    # The @mention list offers her new name; the typing line uses it.
    box = bob.get_by_role("textbox", name="Message", exact=True)
    press(box)
    box.type("hi @Ana L")
    expect(bob.get_by_role("option", name=NEW_NAME)).to_be_visible()
    journey.shot(bob, "mention list")
    box.fill("")
    ana_box = ana.get_by_role("textbox", name="Message", exact=True)
    press(ana_box)
    ana_box.type("still here")
    expect(bob.get_by_text(f"{NEW_NAME} is typing…")).to_be_visible(timeout=STEP_TIMEOUT_MS)

    # A look-alike of her name is refused, saying why.
    press(bob.get_by_role("button", name="Your profile: bob, Available"))
    dialog = bob.get_by_role("dialog", name="Your profile")
    name_box = dialog.get_by_label("Display name")
    press(name_box)
    name_box.fill("Аna Lopez")  # a Cyrillic А
    press(dialog.get_by_role("button", name="Save"))
    expect(dialog.get_by_role("alert")).to_contain_text(f"looks like {NEW_NAME}")
    journey.shot(bob, "a look-alike is refused")
    press(dialog.get_by_role("button", name="Done"))

    # After a reload (a resync from the host), still her new name.
    bob.reload()
    message = bob.locator("article.msg").filter(has_text="hello from ana")
    expect(message.locator(".author")).to_have_text(NEW_NAME, timeout=STEP_TIMEOUT_MS)
    journey.shot(bob, "after a reload")
