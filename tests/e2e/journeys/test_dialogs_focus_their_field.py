"""Bug 3: dialogs focus their field, not their × button: typing goes where a person expects, a
space never closes the dialog, Tab stays inside, Escape gives focus back to what opened it. The
quick switcher works: Ctrl+K, "des", Enter lands in #design."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import Journey, View, audit, join_as, press


def tab_stays_inside(page: Any, dialog: Any, times: int = 6) -> None:
    # A date field takes Tab between its day, month and year inside the browser's own shadow
    # tree: the input then matches :focus-within, not :focus.
    for key in ["Tab"] * times + ["Shift+Tab"] * times:
        page.keyboard.press(key)
        expect(dialog.locator(":focus, input:focus-within")).to_have_count(1)


def test_dialogs_focus_their_field(host: Any, people: Any, journey: Journey, view: View) -> None:
    ada = people()
    join_as(ada, host.url, "Ada")

    # New room: the name is typed straight away, a space included, and Enter creates it.
    if view.phone:
        press(ada.get_by_role("button", name="Show rooms"))
    press(ada.get_by_role("button", name="New room"))
    dialog = ada.get_by_role("dialog", name="New room")
    expect(dialog.get_by_label("Room name")).to_be_focused()
    ada.keyboard.type("design")
    expect(dialog.get_by_label("Room name")).to_have_value("design")
    journey.shot(ada, "new room dialog")
    audit(ada)
    tab_stays_inside(ada, dialog)
    press(dialog.get_by_label("Room name"))
    ada.keyboard.press("Enter")
    expect(ada.get_by_role("heading", name="#design")).to_be_visible()
    expect(dialog).to_have_count(0)

    # Ctrl+K from the composer: "gen" Enter, then "des" Enter, each lands in its room.
    box = ada.get_by_role("textbox", name="Message", exact=True)
    press(box)
    ada.keyboard.press("Control+k")
    switcher = ada.get_by_role("dialog", name="Jump to a room")
    expect(switcher.get_by_role("combobox", name="Room to jump to")).to_be_focused()
    ada.keyboard.type("gen")
    ada.keyboard.press("Enter")
    expect(ada.get_by_role("heading", name="#general")).to_be_visible()
    press(box)
    ada.keyboard.press("Control+k")
    expect(switcher).to_be_visible()
    ada.keyboard.type("des")
    journey.shot(ada, "ctrl k")
    audit(ada)
    ada.keyboard.press("Enter")
    expect(ada.get_by_role("heading", name="#design")).to_be_visible()
    expect(switcher).to_have_count(0)

    # Escape closes the switcher and gives focus back to the composer it was opened from.
    press(box)
    ada.keyboard.press("Control+k")
    expect(switcher).to_be_visible()
    tab_stays_inside(ada, switcher, 3)
    ada.keyboard.press("Escape")
    expect(switcher).to_have_count(0)
    expect(box).to_be_focused()

    # Search: typing goes into the field (a space does not close it), Tab stays inside, Escape
    # gives focus back to the Search button.
    search_button = ada.get_by_role("button", name="Search", exact=True)
    press(search_button)
    panel = ada.get_by_role("dialog", name="Search messages")
    ada.keyboard.type("lunch plans")
    expect(panel.get_by_role("searchbox", name="Search")).to_have_value("lunch plans")
    expect(panel).to_be_visible()
    journey.shot(ada, "search dialog")
    audit(ada)
    tab_stays_inside(ada, panel)
    ada.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    expect(search_button).to_be_focused()

    # New direct message: the people filter takes the typing.
    if view.phone:
        press(ada.get_by_role("button", name="People"))
    press(ada.get_by_role("button", name="New group message"))
    dm = ada.get_by_role("dialog", name="New direct message")
    expect(dm.get_by_role("searchbox", name="Find people")).to_be_focused()
    ada.keyboard.type("no one here")
    expect(dm.get_by_role("searchbox", name="Find people")).to_have_value("no one here")
    audit(ada)
    ada.keyboard.press("Escape")
    expect(dm).to_have_count(0)
