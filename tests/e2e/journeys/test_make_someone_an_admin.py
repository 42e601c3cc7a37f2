"""The host person makes someone an admin: the host settings and invite appear in that person's
browser at once, and go again when it is taken back."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import E2E_CODE
from tests.e2e.journeys.conftest import STEP_TIMEOUT_MS, Journey, View, audit, join_as, press


def _open_people(page: Any, view: View) -> None:
    """An admin's "People and admins", under the room list (in the rooms drawer on a phone)."""
    if view.phone:
        press(page.get_by_role("button", name="Show rooms"))
    press(page.get_by_role("button", name="People and admins"))


def test_make_someone_an_admin(
    host: Any, owner: Any, people: Any, view: View, journey: Journey
) -> None:
    cai = people()
    join_as(cai, host.url, "Cai")
    expect(cai.get_by_role("button", name="Host settings")).to_have_count(0)

    _open_people(owner, view)
    settings = owner.get_by_role("dialog", name="People and admins")
    row = settings.get_by_role("region", name="People").get_by_role("listitem", name="Cai")
    press(row.get_by_role("button", name="Make admin (Cai)"))
    expect(row.get_by_text("admin", exact=True)).to_be_visible()
    journey.shot(owner, "Cai is an admin")
    audit(owner)

    # Cai's page follows without a reload: the panels are there, and they work.
    press(cai.get_by_role("button", name="Invite"))
    invite = cai.get_by_role("dialog", name="Invite people")
    expect(invite.get_by_label("Join code", exact=True)).to_have_text(E2E_CODE)
    journey.shot(cai, "Cai sees the invite")
    audit(cai)
    press(invite.get_by_role("button", name="Close"))
    expect(cai.get_by_role("button", name="Host settings")).to_be_visible()

    press(row.get_by_role("button", name="Remove admin (Cai)"))
    expect(cai.get_by_role("button", name="Host settings")).to_have_count(
        0, timeout=STEP_TIMEOUT_MS
    )
    expect(cai.get_by_role("button", name="Invite")).to_have_count(0)
    journey.shot(cai, "taken back")
