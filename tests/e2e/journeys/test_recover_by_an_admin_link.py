"""Someone who lost every device gets back in by a one-time recovery link the host person made
for them in the host settings: the same person, same name, same rooms."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import E2E_CODE
from tests.e2e.journeys.conftest import JOIN_TIMEOUT_MS, Journey, View, audit, join_as, press


def _open_people(page: Any, view: View) -> None:
    """An admin's "People and admins", under the room list (in the rooms drawer on a phone)."""
    if view.phone:
        press(page.get_by_role("button", name="Show rooms"))
    press(page.get_by_role("button", name="People and admins"))


def test_recover_by_an_admin_link(
    host: Any, owner: Any, people: Any, view: View, journey: Journey
) -> None:
    old = people()
    join_as(old, host.url, "Bea")
    old.context.close()  # the only device is lost: its token with it

    # On a new browser, her own name is taken: she cannot just join again.
    new = people()
    new.goto(host.url)
    name_box = new.get_by_label("Your name")
    press(name_box)
    name_box.fill("Bea")
    code_box = new.get_by_label("Join code")
    press(code_box)
    code_box.fill(E2E_CODE)
    press(new.get_by_role("button", name="Join"))
    expect(new.get_by_role("alert")).to_contain_text("already called Bea", timeout=JOIN_TIMEOUT_MS)
    journey.shot(new, "her name is taken by her lost device")

    # The host person makes her a recovery link.
    _open_people(owner, view)
    settings = owner.get_by_role("dialog", name="People and admins")
    bea = settings.get_by_role("region", name="People").get_by_role("listitem", name="Bea")
    press(bea.get_by_role("button", name="Recovery link for Bea"))
    link = bea.get_by_label("Sign-in link", exact=True)
    expect(link).to_contain_text("#signin=")
    expect(bea).to_contain_text("signs that device in as Bea")
    journey.shot(owner, "the recovery link")
    audit(owner)

    new.goto(link.inner_text().strip())
    expect(new.get_by_role("textbox", name="Message", exact=True)).to_be_visible(
        timeout=JOIN_TIMEOUT_MS
    )
    expect(new.locator(".me-name")).to_have_text("Bea")
    journey.shot(new, "Bea is back")
    audit(new)

    # The link worked once: opened again (a copy someone kept), it is refused.
    again = people()
    again.goto(link.inner_text().strip())
    expect(again.get_by_role("alert")).to_contain_text(
        "expired or was already used", timeout=JOIN_TIMEOUT_MS
    )
    journey.shot(again, "the link works once")
