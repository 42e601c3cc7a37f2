"""Direct messages by mouse: ada messages bob from the people list, then starts a group with bob and
carol from "New group message"; each of them gets the conversation in their sidebar."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import STEP_TIMEOUT_MS, Journey, View, audit, join_as, press


def people_panel(page: Any, view: View) -> Any:
    if view.phone:
        press(page.get_by_role("button", name="People"))
    return page.get_by_role("complementary", name="People in this room")


def sidebar(page: Any, view: View) -> Any:
    if view.phone:
        press(page.get_by_role("button", name="Show rooms"))
    return page.get_by_role("region", name="Direct messages")


def say(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Message", exact=True)
    press(box)
    box.fill(text)
    page.keyboard.press("Enter")
    expect(page.get_by_text(text)).to_be_visible()


def test_dm_and_group_dm(host: Any, people: Any, journey: Journey, view: View) -> None:
    ada, bob, carol = people(), people(), people()
    join_as(ada, host.url, "ada")
    join_as(bob, host.url, "bob")
    join_as(carol, host.url, "carol")

    panel = people_panel(ada, view)
    press(panel.get_by_role("button", name="Message bob"))
    expect(ada.get_by_role("heading", name="bob")).to_be_visible()
    say(ada, "just between us")
    journey.shot(ada, "a dm with bob")

    dms = sidebar(bob, view)
    press(dms.get_by_role("button", name="ada"))
    expect(bob.get_by_text("just between us")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    journey.shot(bob, "bob reads it")

    panel = people_panel(ada, view)
    press(panel.get_by_role("button", name="New group message"))
    dialog = ada.get_by_role("dialog", name="New direct message")
    press(dialog.get_by_role("checkbox", name="bob"))
    press(dialog.get_by_role("checkbox", name="carol"))
    journey.shot(ada, "picking a group")
    audit(ada)
    press(dialog.get_by_role("button", name="Start group (3)"))
    expect(dialog).to_have_count(0)
    say(ada, "all three of us")

    for person in (bob, carol):
        dms = sidebar(person, view)
        group = dms.get_by_role("button", name="ada").filter(
            has_text="carol" if person is bob else "bob"
        )
        press(group)
        expect(person.get_by_text("all three of us")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    journey.shot(carol, "carol in the group")
    audit(carol)
