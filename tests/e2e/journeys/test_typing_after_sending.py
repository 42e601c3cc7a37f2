"""Bug 6: a person sends a message and goes straight on typing the next one; the other person
sees them typing (the message's arrival used to clear it, and the 3 s pause kept it cleared)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import Journey, audit, join_as, press

# Well under the 3 s between typing notices: the indicator must not wait for the next one.
SHOWN_WITHIN_MS = 1500


def test_typing_after_sending(host: Any, people: Any, journey: Journey) -> None:
    ada, bob = people(), people()
    join_as(ada, host.url, "ada")
    join_as(bob, host.url, "bob")
    box = ada.get_by_role("textbox", name="Message", exact=True)
    for round_ in range(2):
        press(box)
        box.type(f"quick question {round_}")
        ada.keyboard.press("Enter")
        expect(bob.get_by_text(f"quick question {round_}")).to_be_visible()
        box.type("and one more thing")  # at once, still typing
        expect(bob.get_by_text("ada is typing…")).to_be_visible(timeout=SHOWN_WITHIN_MS)
        journey.shot(bob, f"ada is typing after sending {round_}")
        ada.keyboard.press("Enter")
        expect(bob.get_by_text("and one more thing").nth(round_)).to_be_visible()
    audit(bob)
