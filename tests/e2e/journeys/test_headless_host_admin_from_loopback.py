"""A headless host (``python -m backend`` as a real process) administered from a browser on the
same machine by the one-time admin link its banner prints: the host's panels in a plain browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import E2E_CODE
from tests.e2e.journeys.conftest import JOIN_TIMEOUT_MS, Journey, audit, press
from tests.hostproc import HostProcess


def test_headless_host_admin_from_loopback(tmp_path: Path, people: Any, journey: Journey) -> None:
    proc = HostProcess(tmp_path / "data", "--join-code", E2E_CODE, "--name", "Attic box")
    try:
        line = next(o for o in proc.output if o.startswith("Admin sign-in"))
        link = line.split(": ", 1)[1].strip()
        assert link.startswith("http://127.0.0.1:") and "#signin=" in link

        page = people()
        page.goto(link)
        expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible(
            timeout=JOIN_TIMEOUT_MS
        )
        journey.shot(page, "signed in by the console link")
        press(page.get_by_role("button", name="Invite"))
        invite = page.get_by_role("dialog", name="Invite people")
        expect(invite.get_by_label("Join code", exact=True)).to_have_text(E2E_CODE)
        journey.shot(page, "the invite panel")
        audit(page)
        press(invite.get_by_role("button", name="Close"))

        press(page.get_by_role("button", name="Host settings"))
        settings = page.get_by_role("dialog", name="Host settings")
        box = settings.get_by_label("Host name")
        press(box)
        box.fill("Attic server")
        press(settings.get_by_role("button", name="Rename"))
        expect(settings.get_by_role("status")).to_contain_text("Renamed")
        journey.shot(page, "the host settings")
        audit(page)

        # The printed link worked once: a second browser with it is turned away.
        other = people()
        other.goto(link)
        expect(other.get_by_role("alert")).to_contain_text(
            "expired or was already used", timeout=JOIN_TIMEOUT_MS
        )
        journey.shot(other, "the printed link works once")
    finally:
        assert proc.stop() == 0
