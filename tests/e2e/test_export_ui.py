"""Export from the UI (docs/export.md), as people do it in Debian's chromium against a real host: the
host exports the whole host from its settings; a guest exports their own direct messages."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from backend import ServerHandle
from tests.e2e.conftest import E2E_CODE, join
from tests.peers import Peer

pytestmark = pytest.mark.e2e

SLOW = 30_000


def _read(path: Path, name: str) -> list[dict[str, Any]]:
    with zipfile.ZipFile(path) as zf:
        return [json.loads(line) for line in zf.read(name).splitlines() if line.strip()]


def test_the_host_exports_the_whole_host_from_its_settings(
    host: ServerHandle, contexts: Any, tmp_path: Path, artifacts: Path
) -> None:
    alice = Peer(host.url, {"name": "alice", "code": E2E_CODE})
    try:
        alice.send(alice.room_id(), "kept for later", "a-1")
        owner = contexts().new_page()
        owner.goto(host.owner_url)
        expect(owner.get_by_role("textbox", name="Message", exact=True)).to_be_visible(timeout=SLOW)
        settings_button = owner.get_by_role("button", name="Host settings")
        expect(settings_button).to_be_in_viewport()
        settings_button.click()
        dialog = owner.get_by_role("dialog", name="Host settings")
        button = dialog.get_by_role("button", name="Export whole host")
        expect(button).to_be_visible(timeout=SLOW)  # drawn with every other section, at once
        button.scroll_into_view_if_needed()  # the dialog scrolls; a person scrolls down to it
        expect(button).to_be_in_viewport()
        with owner.expect_download(timeout=SLOW) as info:
            button.click()
        download = info.value
        assert download.suggested_filename.startswith("parley-host-")
        saved = tmp_path / "host.zip"
        download.save_as(saved)
        expect(dialog.get_by_role("status")).to_contain_text("Saved parley-host-")
        owner.screenshot(path=str(artifacts / "export-host.png"))
        with zipfile.ZipFile(saved) as zf:
            assert json.loads(zf.read("manifest.json"))["scope"] == "host"
        texts = [m["text"] for m in _read(saved, "messages/channel-general.jsonl")]
        assert "kept for later" in texts
    finally:
        alice.close()


def test_a_guest_exports_their_own_direct_messages(
    host: ServerHandle, contexts: Any, tmp_path: Path, artifacts: Path
) -> None:
    bob = contexts().new_page()
    join(bob, host.url, "bob")
    alice = Peer(host.url, {"name": "alice", "code": E2E_CODE})
    try:
        bob_id = next(u["id"] for u in alice.welcome["users"] if u["name"] == "bob")
        dm = alice.call("open_dm", {"user_ids": [bob_id]})["room"]["id"]
        alice.send(dm, "just between us", "a-1")
        alice.send(alice.room_id(), "everyone sees this", "a-2")

        button = bob.get_by_role("button", name="Export my direct messages")
        expect(button).to_be_in_viewport(timeout=SLOW)
        with bob.expect_download(timeout=SLOW) as info:
            button.click()
        saved = tmp_path / "mine.zip"
        info.value.save_as(saved)
        assert info.value.suggested_filename.startswith("parley-my-direct-messages-")
        expect(bob.get_by_role("status").filter(has_text="Saved")).to_be_visible()
        bob.screenshot(path=str(artifacts / "export-my-dms.png"))
        [room] = _read(saved, "rooms.jsonl")
        assert room["kind"] == "dm" and room["members"] == ["alice", "bob"]
        assert [m["text"] for m in _read(saved, room["messages"])] == ["just between us"]
        with zipfile.ZipFile(saved) as zf:
            assert "messages/channel-general.jsonl" not in zf.namelist()
    finally:
        alice.close()
