"""Bug 1: a person deletes a message with the mouse only: hover, the row's Delete, then Delete in
the confirmation. The dialog must sit above every row (it used to render inside the transformed
virtual row, so later rows covered it and the click landed on a list item)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import Journey, audit, join_as, press


def message(page: Any, text: str) -> Any:
    return page.locator("article.msg").filter(has=page.locator(".msg-body", has_text=text))


def say(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Message", exact=True)
    press(box)
    box.type(text)
    page.keyboard.press("Enter")
    expect(message(page, text)).to_be_visible()


def test_delete_by_mouse(host: Any, people: Any, journey: Journey) -> None:
    ada, bo = people(), people()
    join_as(ada, host.url, "Ada")
    join_as(bo, host.url, "Bo")
    # The message to delete has a screenful of rows below it: they used to paint over the dialog.
    for text in ("morning, all", "the meeting is at 9 (typo: 10)", "agenda: demo", "then lunch"):
        say(ada, text)
    for i in range(12):
        say(bo, f"reply number {i + 1}")
    expect(message(bo, "typo: 10")).to_be_visible()

    row = message(ada, "typo: 10")
    row.hover()
    press(row.get_by_role("toolbar", name="Message actions").get_by_role("button", name="Delete"))
    dialog = ada.get_by_role("dialog", name="Delete message?")
    expect(dialog).to_be_visible()
    expect(dialog).to_be_in_viewport(ratio=1)
    journey.shot(ada, "delete dialog")
    audit(ada)

    press(dialog.get_by_role("button", name="Delete", exact=True))
    expect(dialog).to_have_count(0)
    expect(message(ada, "typo: 10")).to_have_count(0)
    # The other person sees it go too: a tombstone in its place, the text nowhere.
    expect(bo.get_by_text("This message was deleted.")).to_be_visible()
    expect(bo.get_by_text("typo: 10")).to_have_count(0)
    journey.shot(bo, "gone for the other person")
