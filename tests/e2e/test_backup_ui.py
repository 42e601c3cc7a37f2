"""The host settings dialog's Backup section in a real browser against a real host: back up now,
watch it finish and see where the backup went; set the daily schedule (docs/storage.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from backend import ServerHandle, Settings

pytestmark = pytest.mark.e2e

SLOW = 30_000


def test_the_host_backs_up_from_the_settings_dialog(
    host: ServerHandle, host_settings: Settings, contexts: Any, artifacts: Path, tmp_path: Path
) -> None:
    owner = contexts().new_page()
    owner.goto(host.owner_url)
    box = owner.get_by_role("textbox", name="Message", exact=True)
    expect(box).to_be_visible(timeout=SLOW)
    box.fill("kept in the backup")
    box.press("Enter")
    expect(owner.get_by_text("kept in the backup")).to_be_visible()

    settings_button = owner.get_by_role("button", name="Host settings")
    expect(settings_button).to_be_in_viewport()
    settings_button.click()
    dialog = owner.get_by_role("dialog", name="Host settings")
    section = dialog.get_by_role("region", name="Backup")
    expect(section.get_by_text("No backup yet.")).to_be_visible(timeout=SLOW)
    back_up = section.get_by_role("button", name="Back up now")
    back_up.scroll_into_view_if_needed()
    expect(back_up).to_be_in_viewport()
    back_up.click()

    folder = host_settings.data_dir.resolve().parent / "parley-backups"
    result = section.get_by_role("status")
    expect(result).to_contain_text("Backed up", timeout=SLOW)
    expect(result).to_contain_text(str(folder / "parley-backup-"))
    expect(back_up).to_be_enabled()
    expect(section.get_by_label("Last backup")).to_contain_text(str(folder))
    made = [p for p in folder.iterdir() if p.name.startswith("parley-backup-")]
    assert len(made) == 1
    manifest = json.loads((made[0] / "manifest.json").read_text())
    assert manifest["host_name"] == "E2E host" and manifest["counts"]["messages"] == 1
    owner.screenshot(path=str(artifacts / "admin-backup.png"))

    # The schedule: a relative folder is refused with the reason; a full path is saved.
    field = section.get_by_role("textbox", name="Backup folder")
    field.scroll_into_view_if_needed()
    expect(field).to_be_in_viewport()
    field.fill("backups")
    save = section.get_by_role("button", name="Save")
    save.scroll_into_view_if_needed()
    expect(save).to_be_in_viewport()
    save.click()
    expect(section.get_by_role("alert")).to_contain_text("full path")
    field.fill(str(tmp_path / "daily"))
    daily = section.get_by_role("checkbox", name="Back up every day")
    daily.scroll_into_view_if_needed()
    expect(daily).to_be_in_viewport()
    daily.check()
    keep = section.get_by_role("spinbutton", name="Backups to keep")
    keep.fill("3")
    expect(save).to_be_in_viewport()
    save.click()
    expect(section.get_by_text("Saved. A backup is made every day.")).to_be_visible()
    assert (tmp_path / "daily").is_dir()
