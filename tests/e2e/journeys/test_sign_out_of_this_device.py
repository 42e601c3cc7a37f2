"""Sign out by mouse (issue 15): carol signs this browser out from her profile; the page goes back
to the join screen and stays there after a reload (the token is forgotten here and on the host),
and bob sees her go offline."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import STEP_TIMEOUT_MS, Journey, View, audit, join_as, press


def test_sign_out_of_this_device(host: Any, people: Any, journey: Journey, view: View) -> None:
    carol, bob = people(), people()
    join_as(carol, host.url, "carol")
    join_as(bob, host.url, "bob")

    press(carol.get_by_role("button", name=re.compile(r"^Your profile: carol, ")))
    dialog = carol.get_by_role("dialog", name="Your profile")
    journey.shot(carol, "her profile")
    press(dialog.get_by_role("button", name="Sign out of this device"))
    expect(carol.get_by_label("Your name")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    expect(carol.get_by_role("textbox", name="Message", exact=True)).to_have_count(0)
    journey.shot(carol, "the join screen")
    audit(carol)

    if view.phone:
        press(bob.get_by_role("button", name="People", exact=True))
    panel = bob.get_by_role("complementary", name="People in this room")
    expect(panel.get_by_role("button", name=re.compile(r"^carol.*offline$"))).to_be_visible(
        timeout=STEP_TIMEOUT_MS
    )
    journey.shot(bob, "bob sees her offline")

    carol.reload()
    expect(carol.get_by_label("Your name")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    expect(carol.get_by_role("textbox", name="Message", exact=True)).to_have_count(0)
