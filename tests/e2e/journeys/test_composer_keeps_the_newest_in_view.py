"""Bug 8 (the composer's part): the newest message stays in view while the composer grows (a
long draft, a file waiting to be sent); own messages carry no "✓ Sent" to overlap their text
(checked at 768 px too); the 4,000-character error goes when the composer is cleared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, E2E_CODE
from tests.e2e.journeys.conftest import (
    STEP_TIMEOUT_MS,
    Journey,
    audit,
    join_as,
    person_page,
    press,
)
from tests.e2e.journeys.uploads import pick_file, tiny_png
from tests.peers import Peer

LIMIT = 4000


def seed(url: str) -> None:
    peer = Peer(url, {"name": "Cy", "code": E2E_CODE})
    room = peer.room_id()
    for i in range(1, 13):
        peer.send(room, f"update {i:02d}\nstatus line\nanother line", f"seed-{i}")
    peer.close()


def newest_stays_in_view(page: Any, tmp_path: Path, shot: Any) -> None:
    box = page.get_by_role("textbox", name="Message", exact=True)
    log = page.get_by_role("log")
    press(box)
    box.type("my long status")
    box.press("Enter")
    mine = log.locator("article.msg").filter(has_text="my long status")
    expect(mine).to_be_in_viewport(ratio=0.9)
    # Own and sent: nothing over the text, no "✓ Sent" on every line.
    expect(mine.get_by_text("Sent")).to_have_count(0)
    expect(mine.get_by_text("Sending…")).to_have_count(0)
    shot("own message, quiet")

    # A draft of many lines grows the composer: the newest message stays visible above it.
    press(box)
    for i in range(7):
        box.type(f"draft line {i}")
        box.press("Shift+Enter")
    shot("tall draft")
    expect(mine).to_be_in_viewport(ratio=0.9)

    # A file waiting in the composer: same.
    pick_file(page, tiny_png(tmp_path / "chart.png"))
    expect(page.get_by_role("list", name="Files to send")).to_contain_text(
        "chart.png", timeout=STEP_TIMEOUT_MS
    )
    expect(mine).to_be_in_viewport(ratio=0.9)
    shot("file waiting")
    press(page.get_by_role("button", name="Remove chart.png"))

    # Too long: the counter shows on the way, the error on Enter, and both go when cleared.
    press(box)
    box.press("ControlOrMeta+a")
    box.press("Delete")
    box.fill("x" * (LIMIT - 100))
    expect(page.get_by_text("100 characters left")).to_be_visible()
    box.press("End")
    box.type("y" * 101)
    expect(page.get_by_text("1 over the 4,000-character limit")).to_be_visible()
    box.press("Enter")
    alert = page.get_by_role("alert").filter(has_text="at most 4,000 characters")
    expect(alert).to_be_visible()
    shot("too long")
    box.press("ControlOrMeta+a")
    box.press("Delete")
    expect(alert).to_have_count(0)
    expect(page.get_by_text("over the 4,000-character limit")).to_have_count(0)
    shot("cleared")


def test_composer_keeps_the_newest_in_view(
    host: Any, people: Any, journey: Journey, tmp_path: Path
) -> None:
    seed(host.url)
    page = people()
    join_as(page, host.url, "Ada")
    newest_stays_in_view(page, tmp_path, lambda step: journey.shot(page, step))
    audit(page)


def test_composer_keeps_the_newest_in_view_at_768(host: Any, contexts: Any, tmp_path: Path) -> None:
    """The same at 768 px (a tablet, a half-screen window), where "✓ Sent" overlapped the text."""
    seed(host.url)
    folder = ARTIFACTS / "journeys" / "composer_keeps_the_newest_in_view" / "768-light"
    folder.mkdir(parents=True, exist_ok=True)
    steps: list[str] = []

    def shot(step: str) -> None:
        steps.append(step)
        page.screenshot(path=str(folder / f"{len(steps):02d}-{step.replace(' ', '-')}.png"))

    page = person_page(contexts, viewport={"width": 768, "height": 1024})
    join_as(page, host.url, "Ada")
    newest_stays_in_view(page, tmp_path, shot)
    audit(page)
