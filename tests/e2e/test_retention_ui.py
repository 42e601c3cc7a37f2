"""Retention in a real browser (Debian's chromium) against a real host: the host user sets a room's
rule and the host-wide default; another member's room header says how long messages are kept."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from backend import ServerHandle, Settings, start_server
from backend.app import DB_FILE
from tests.e2e.conftest import E2E_CODE, join
from tests.peers import Peer

pytestmark = pytest.mark.e2e

# A reconnect or an event on a busy 2-core box.
SLOW = 15_000
OLD_TEXTS = ("the old plan was lunch at noon", "the old budget is 40 euros")


def message_items(page: Any, text: str) -> Any:
    return page.get_by_role("listitem").filter(has_text=text)


def _click(locator: Any) -> None:
    expect(locator).to_be_in_viewport()
    locator.click()


def test_host_sets_room_retention_and_a_member_sees_it_in_the_header(
    host: ServerHandle, contexts: Any, artifacts: Path
) -> None:
    owner, guest = contexts().new_page(), contexts().new_page()
    owner.goto(host.owner_url)
    expect(owner.get_by_role("textbox", name="Message", exact=True)).to_be_visible(timeout=SLOW)
    join(guest, host.url, "bob")
    notice = guest.get_by_role("note", name="Retention")
    expect(notice).to_have_count(0)  # kept forever: nothing to say
    # Only the host user manages retention.
    expect(guest.get_by_role("button", name="Retention")).to_have_count(0)

    _click(owner.get_by_role("button", name="Retention"))
    dialog = owner.get_by_role("dialog", name="Retention in #general")
    days = dialog.get_by_role("spinbutton", name="Days to keep messages")
    _click(days)
    days.fill("30")
    _click(dialog.get_by_role("button", name="Save"))
    expect(dialog).to_have_count(0)
    expect(notice).to_have_text("Messages older than 30 days are deleted", timeout=SLOW)
    expect(owner.get_by_role("note", name="Retention")).to_contain_text("30 days")
    guest.screenshot(path=str(artifacts / "retention-room-header.png"))

    # The host-wide default, from host settings; general keeps its own rule.
    _click(owner.get_by_role("button", name="Host settings"))
    settings = owner.get_by_role("dialog", name="Host settings")
    section = settings.get_by_role("form", name="Retention")
    expect(section).to_contain_text("kept forever", timeout=SLOW)
    section_days = section.get_by_role("spinbutton", name="Days to keep messages")
    _click(section_days)
    section_days.fill("90")
    _click(section.get_by_role("button", name="Save retention"))
    expect(section.get_by_role("status")).to_contain_text("older than 90 days")
    owner.screenshot(path=str(artifacts / "retention-host-settings.png"))
    _click(settings.get_by_role("button", name="Close"))
    expect(notice).to_contain_text("30 days")

    # The room follows the default again: the member's header says the default's rule.
    _click(owner.get_by_role("button", name="Retention"))
    dialog = owner.get_by_role("dialog", name="Retention in #general")
    follow = dialog.get_by_role("radio", name="Follow the host's default (90 days)")
    _click(follow)
    _click(dialog.get_by_role("button", name="Save"))
    expect(notice).to_have_text("Messages older than 90 days are deleted", timeout=SLOW)

    # Keep forever whatever the default: the line goes.
    _click(owner.get_by_role("button", name="Retention"))
    dialog = owner.get_by_role("dialog", name="Retention in #general")
    _click(dialog.get_by_role("radio", name="Keep messages forever"))
    _click(dialog.get_by_role("button", name="Save"))
    expect(notice).to_have_count(0, timeout=SLOW)

    # Out of bounds is refused with a sentence, and nothing changes.
    _click(owner.get_by_role("button", name="Retention"))
    dialog = owner.get_by_role("dialog", name="Retention in #general")
    days = dialog.get_by_role("spinbutton", name="Days to keep messages")
    _click(days)
    days.fill("4000")
    _click(dialog.get_by_role("button", name="Save"))
    expect(dialog.get_by_role("alert")).to_contain_text("from 1 to 3650")
    expect(notice).to_have_count(0)


def test_expired_messages_leave_a_member_s_screen_and_replies_say_so(
    host_settings: Settings, contexts: Any, artifacts: Path
) -> None:
    handle = start_server(host_settings)
    try:
        owner = Peer(handle.url, {"owner_key": handle.owner_url.split("#owner=")[1]})
        ana = Peer(handle.url, {"name": "ana", "code": E2E_CODE})
        general = ana.room_id()
        old = [ana.send(general, text, f"o{i}")["id"] for i, text in enumerate(OLD_TEXTS)]
        ack = ana.call(
            "send_message",
            {"room_id": general, "text": "agreed, ship it", "client_id": "r1", "reply_to": old[1]},
        )
        assert ack["ok"], ack
        tokens = (owner.token, ana.token)
        owner.close()
        ana.close()
    finally:
        handle.stop()
    # As if the first two had been written 31 days ago.
    stamp = (datetime.now(UTC) - timedelta(days=31)).isoformat(timespec="milliseconds")
    with sqlite3.connect(host_settings.data_dir / DB_FILE) as raw:
        raw.executemany(
            "UPDATE message SET created_at = ? WHERE id = ?",
            [(stamp.replace("+00:00", "Z"), i) for i in old],
        )

    handle = start_server(host_settings)
    try:
        guest = contexts().new_page()
        join(guest, handle.url, "bob")
        for text in [*OLD_TEXTS, "agreed, ship it"]:
            # .first: the reply's quote shows the second one's words too.
            expect(message_items(guest, text).first).to_be_visible(timeout=SLOW)
        owner = Peer(handle.url, {"token": tokens[0]})
        ack = owner.call("admin_set_retention", {"days": 30})
        assert ack["ok"], ack

        for text in OLD_TEXTS:
            expect(message_items(guest, text)).to_have_count(0, timeout=SLOW)
        reply = message_items(guest, "agreed, ship it")
        expect(reply).to_contain_text("Original message has expired")
        expect(guest.get_by_role("note", name="Retention")).to_have_text(
            "Messages older than 30 days are deleted"
        )
        guest.screenshot(path=str(artifacts / "retention-expired.png"))
        owner.close()
    finally:
        handle.stop()
