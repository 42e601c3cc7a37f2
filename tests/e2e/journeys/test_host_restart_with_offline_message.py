"""The host restarts: while it is down everyone shows as unknown (not as they last were), the
connection dot says so, a message written meanwhile waits, and once the host is back it arrives,
once, for everyone."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import JOIN_TIMEOUT_MS, Journey, View, audit, join_as, press


def test_host_restart_with_offline_message(
    host_process: Any, people: Any, journey: Journey, view: View
) -> None:
    ada, bob = people(), people()
    join_as(ada, host_process.url, "ada")
    join_as(bob, host_process.url, "bob")
    expect(ada.get_by_role("img", name="Connected")).to_be_visible()

    host_process.stop()
    down = ada.get_by_role("img", name="Reconnecting").or_(ada.get_by_role("img", name="Offline"))
    expect(down).to_be_visible(timeout=JOIN_TIMEOUT_MS)
    if view.phone:
        press(ada.get_by_role("button", name="People"))
    people_list = ada.get_by_role("complementary", name="People in this room")
    expect(people_list.get_by_role("heading")).to_contain_text("status unknown")
    expect(people_list.get_by_text("online", exact=True)).to_have_count(0)
    journey.shot(ada, "host down, presence unknown")
    audit(ada)
    if view.phone:
        ada.keyboard.press("Escape")

    box = ada.get_by_role("textbox", name="Message", exact=True)
    press(box)
    box.fill("written while the host was down")
    ada.keyboard.press("Enter")
    expect(ada.get_by_text("written while the host was down")).to_be_visible()
    journey.shot(ada, "written offline")

    host_process.start()
    for person in (ada, bob):
        expect(person.get_by_role("img", name="Connected")).to_be_visible(timeout=JOIN_TIMEOUT_MS)
        arrived = person.get_by_text("written while the host was down")
        expect(arrived).to_have_count(1, timeout=JOIN_TIMEOUT_MS)
        expect(arrived).to_be_visible()
    journey.shot(bob, "arrived once")
