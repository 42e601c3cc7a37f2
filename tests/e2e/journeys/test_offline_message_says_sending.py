"""Bug 7: a message typed while the host is unreachable says "Sending…" until the host has it,
then is delivered once; and sending while scrolled up brings the person to their own message
(no "New messages ↓" pill for it)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import E2E_CODE, HostProcess
from tests.e2e.journeys.conftest import JOIN_TIMEOUT_MS, Journey, audit, join_as, press
from tests.peers import Peer

SEEDED = 18  # under the host's burst, and enough tall messages to scroll a 900 px view


def test_offline_message_says_sending(
    host_process: HostProcess, people: Any, journey: Journey
) -> None:
    seeder = Peer(host_process.url, {"name": "Cy", "code": E2E_CODE})
    room = seeder.room_id()
    for i in range(1, SEEDED + 1):
        seeder.send(room, f"agenda item {i:02d}\nnotes\nmore notes\nfollow-up", f"seed-{i}")
    seeder.close()

    ada = people()
    join_as(ada, host_process.url, "Ada")
    log = ada.get_by_role("log")
    newest = log.locator("article.msg").filter(has_text=f"agenda item {SEEDED:02d}")
    expect(newest).to_be_in_viewport()

    # Scrolled up, she sends: the view brings her to her message, no pill.
    log.hover()
    ada.mouse.wheel(0, -5000)
    expect(newest).not_to_be_in_viewport()
    box = ada.get_by_role("textbox", name="Message", exact=True)
    press(box)
    box.type("back to the top item")
    box.press("Enter")
    sent = log.locator("article.msg").filter(has_text="back to the top item")
    expect(sent).to_be_in_viewport()
    expect(ada.get_by_role("button", name="New messages")).to_have_count(0)
    journey.shot(ada, "sent while scrolled up")

    # The host goes away; what she types now waits, and says so.
    host_process.stop()
    box.type("are we still on?")
    box.press("Enter")
    waiting = log.locator("article.msg").filter(has_text="are we still on?")
    expect(waiting).to_be_in_viewport()
    expect(waiting.get_by_text("Sending…")).to_be_visible()
    journey.shot(ada, "offline message says sending")
    audit(ada)

    host_process.start()
    expect(waiting.get_by_text("Sending…")).to_have_count(0, timeout=JOIN_TIMEOUT_MS * 2)
    expect(log.locator("article.msg").filter(has_text="are we still on?")).to_have_count(1)
    expect(log.locator("article.msg.pending")).to_have_count(0)
    journey.shot(ada, "delivered once")

    # Delivered once, as the host (and so everyone) holds it.
    check = Peer(host_process.url, {"name": "Dee", "code": E2E_CODE})
    texts = [
        m["text"] for m in check.call("fetch_messages", {"room_id": room, "limit": 50})["messages"]
    ]
    check.close()
    assert texts.count("are we still on?") == 1
