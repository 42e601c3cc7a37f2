"""Reply, edit, react and delete by mouse, from the bar that appears over a message: a second
person sees each change live."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import Journey, audit, join_as, press


def message(page: Any, text: str) -> Any:
    return page.locator("article.msg").filter(has=page.locator(".msg-body", has_text=text))


def action(page: Any, text: str, name: str) -> Any:
    row = message(page, text)
    row.hover()
    return row.get_by_role("toolbar", name="Message actions").get_by_role("button", name=name)


def test_reply_edit_react_delete_by_mouse(host: Any, people: Any, journey: Journey) -> None:
    ada, bo = people(), people()
    join_as(ada, host.url, "Ada")
    join_as(bo, host.url, "Bo")
    box = bo.get_by_role("textbox", name="Message", exact=True)
    press(box)
    box.type("shall we ship on friday?")
    bo.keyboard.press("Enter")
    expect(message(ada, "ship on friday")).to_be_visible()

    # Reply: the quote shows for bo.
    press(action(ada, "ship on friday", "Reply"))
    composer = ada.get_by_role("textbox", name="Message", exact=True)
    expect(composer).to_be_focused()
    ada.keyboard.type("friday works")
    ada.keyboard.press("Enter")
    mine = message(bo, "friday works")
    expect(mine).to_be_visible()
    expect(mine.get_by_role("button", name=re.compile("Reply to Bo"))).to_contain_text(
        "ship on friday"
    )
    journey.shot(ada, "replied")

    # Edit: bo sees the new text and "(edited)".
    press(action(ada, "friday works", "Edit"))
    editor = ada.get_by_role("textbox", name="Edit message")
    press(editor)
    editor.fill("friday works, after the demo")
    ada.keyboard.press("Enter")
    edited = message(bo, "after the demo")
    expect(edited).to_be_visible()
    expect(edited.get_by_text("(edited)")).to_be_visible()
    journey.shot(ada, "edited")

    # React with a quick reaction: bo sees the chip.
    press(action(ada, "ship on friday", re.compile("^React with thumbs")))
    chips = message(bo, "ship on friday").get_by_role("group", name="Reactions")
    expect(chips.get_by_role("button", name=re.compile("thumbs"))).to_be_visible()
    journey.shot(bo, "reaction seen")
    audit(bo)

    # Delete, confirmed with the mouse: bo sees the tombstone.
    press(action(ada, "after the demo", "Delete"))
    dialog = ada.get_by_role("dialog", name="Delete message?")
    journey.shot(ada, "delete dialog")
    press(dialog.get_by_role("button", name="Delete", exact=True))
    expect(bo.get_by_text("after the demo")).to_have_count(0)
    expect(bo.get_by_text("This message was deleted.")).to_be_visible()
    journey.shot(bo, "deleted")
