"""The issue's journey "upload with caption": a person attaches a picture, sees its thumbnail,
name and size before sending, writes a caption and presses Send with the mouse; the other person
gets one message with both. When the upload fails, the caption and file stay in the composer
with the error and Retry, and nothing is posted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import STEP_TIMEOUT_MS, Journey, audit, join_as, press
from tests.e2e.journeys.uploads import HeldChunks, pick_file, tiny_png


def test_upload_with_caption(host: Any, people: Any, journey: Journey, tmp_path: Path) -> None:
    ada, bo = people(), people()
    join_as(ada, host.url, "Ada")
    join_as(bo, host.url, "Bo")
    picture = tiny_png(tmp_path / "whiteboard.png")
    box = ada.get_by_role("textbox", name="Message", exact=True)

    # First try: the host refuses the upload after she pressed Enter.
    gate = HeldChunks(ada)
    pick_file(ada, picture)
    press(box)
    box.type("the whiteboard after the meeting")
    gate.wait_held()
    box.press("Enter")
    gate.fail()
    upload = ada.get_by_role("listitem", name="Upload of whiteboard.png")
    expect(upload.get_by_role("alert")).to_contain_text("could not store it")
    expect(box).to_have_value("the whiteboard after the meeting")
    expect(ada.locator("article.msg.pending")).to_have_count(0)
    journey.shot(ada, "upload failed, caption kept")
    audit(ada)

    press(upload.get_by_role("button", name="Retry"))
    ready = ada.get_by_role("list", name="Files to send")
    chip = ready.get_by_role("listitem").filter(has_text="whiteboard.png")
    expect(chip).to_be_visible(timeout=STEP_TIMEOUT_MS)
    expect(chip.locator("img")).to_have_js_property("naturalWidth", 48)
    expect(chip).to_contain_text(re.compile(r"\d+(\.\d+)? (B|KB)"))  # its size
    journey.shot(ada, "thumbnail name and size before sending")

    press(ada.get_by_role("button", name="Send"))
    expect(ready).to_have_count(0)
    theirs = bo.locator("article.msg").filter(has_text="the whiteboard after the meeting")
    expect(theirs).to_have_count(1, timeout=STEP_TIMEOUT_MS)
    expect(theirs.get_by_role("button", name="Open image whiteboard.png")).to_be_visible()
    journey.shot(bo, "one message with caption and picture")
    audit(bo)
