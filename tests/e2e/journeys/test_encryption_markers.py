"""What the person at the host and everyone else see about encryption: the invite panel's
fingerprint (in groups, and in the invite link), and, on a host started with --no-tls, a "Not
encrypted" marker in every header that says what it means when pressed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from backend import ServerHandle, Settings, fingerprint_groups, start_server
from tests.e2e.journeys.conftest import (
    JOIN_TIMEOUT_MS,
    Journey,
    audit,
    join_as,
    press,
)


def test_invite_panel_shows_the_fingerprint(
    host: ServerHandle, owner: Any, journey: Journey
) -> None:
    assert host.fingerprint is not None
    press(owner.get_by_role("button", name="Invite"))
    dialog = owner.get_by_role("dialog", name="Invite people")
    expect(dialog.get_by_label("Fingerprint", exact=True)).to_have_text(
        fingerprint_groups(host.fingerprint)
    )
    expect(dialog.get_by_label("Invite link", exact=True)).to_contain_text(
        f"&fp={host.fingerprint}"
    )
    expect(dialog.get_by_label("Invite link", exact=True)).to_contain_text("https://")
    expect(owner.get_by_role("button", name="Not encrypted")).to_have_count(0)
    journey.shot(owner, "invite panel with the fingerprint")
    audit(owner)


@pytest.fixture
def plain_host(host_settings: Settings) -> Iterator[ServerHandle]:
    handle = start_server(host_settings.replace(tls=False))
    yield handle
    handle.stop()


def test_no_tls_marks_every_header(plain_host: ServerHandle, people: Any, journey: Journey) -> None:
    guest = people()
    guest.goto(plain_host.url)
    note = guest.get_by_role("note", name="Not encrypted")
    expect(note).to_contain_text("This host runs without encryption.")
    journey.shot(guest, "join screen says not encrypted")
    join_as(guest, plain_host.url, "Pat")
    marker = guest.get_by_role("button", name="Not encrypted")
    expect(marker).to_be_visible(timeout=JOIN_TIMEOUT_MS)
    press(marker)
    explainer = guest.get_by_role("dialog", name="Not encrypted")
    expect(explainer).to_contain_text("Anyone on this network can read the messages")
    journey.shot(guest, "the marker explains itself")
    audit(guest)
    guest.keyboard.press("Escape")
    expect(explainer).to_have_count(0)
    # The person at the host sees it too, and its invite panel says so instead of a fingerprint.
    owner = people()
    owner.goto(plain_host.owner_url)
    expect(owner.get_by_role("button", name="Not encrypted")).to_be_visible(timeout=JOIN_TIMEOUT_MS)
    press(owner.get_by_role("button", name="Invite"))
    dialog = owner.get_by_role("dialog", name="Invite people")
    expect(dialog.get_by_role("note")).to_contain_text("Not encrypted")
    journey.shot(owner, "invite panel without encryption")
