"""Bug 4: a person picks a file, types a caption and presses Enter at once, while the upload is
still running. The other person must see ONE message with the caption and the file, never the
caption alone; meanwhile the sender sees the message as sending, with its upload's progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import STEP_TIMEOUT_MS, Journey, audit, join_as, press
from tests.e2e.journeys.uploads import HeldChunks, pick_file


def test_caption_and_file_arrive_together(
    host: Any, people: Any, journey: Journey, tmp_path: Path
) -> None:
    ada, bo = people(), people()
    join_as(ada, host.url, "Ada")
    join_as(bo, host.url, "Bo")
    notes = tmp_path / "minutes.txt"
    notes.write_text("Decisions of the week\n" * 2000, encoding="utf-8")

    gate = HeldChunks(ada)  # the upload is slow: its chunk waits
    pick_file(ada, notes)
    box = ada.get_by_role("textbox", name="Message", exact=True)
    press(box)
    box.type("minutes attached")
    gate.wait_held()
    box.press("Enter")

    mine = ada.locator("article.msg.pending").filter(has_text="minutes attached")
    expect(mine).to_contain_text("Sending")
    expect(mine.get_by_role("progressbar", name="Uploading minutes.txt")).to_be_visible()
    expect(box).to_have_value("")
    journey.shot(ada, "sent while the file uploads")
    audit(ada)

    # Bo sees nothing yet: no caption without its file.
    bo.wait_for_timeout(700)  # the time a caption-only send takes to arrive on this machine
    expect(bo.get_by_text("minutes attached")).to_have_count(0)

    gate.release()
    theirs = bo.locator("article.msg").filter(has_text="minutes attached")
    expect(theirs).to_have_count(1, timeout=STEP_TIMEOUT_MS)
    expect(theirs).to_contain_text("minutes.txt")
    journey.shot(bo, "one message with caption and file")
    expect(ada.locator("article.msg.pending")).to_have_count(0)
    expect(ada.get_by_role("list", name="Files to send")).to_have_count(0)
    journey.shot(ada, "delivered")
    audit(bo)
