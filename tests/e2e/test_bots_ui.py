"""Bots and webhooks in a real browser (Debian's chromium) against a real host (issue 18): the host
user makes a bot and a webhook by clicking through the host settings; a plain HTTP POST to the URL
the dialog showed puts the message in the room, marked BOT, for the host and a guest alike."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from backend import ServerHandle
from tests.e2e.conftest import join

pytestmark = pytest.mark.e2e

SLOW = 30_000


def click(locator: Any) -> None:
    """Click as a person does: scrolled to (the dialog scrolls), seen, then clicked."""
    locator.scroll_into_view_if_needed()
    expect(locator).to_be_in_viewport()
    locator.click()


def test_the_host_user_makes_a_bot_and_a_webhook_whose_post_shows_up_marked_bot(
    host: ServerHandle, contexts: Any, artifacts: Path
) -> None:
    owner, guest = contexts().new_page(), contexts().new_page()
    owner.goto(host.owner_url)
    expect(owner.get_by_role("textbox", name="Message", exact=True)).to_be_visible(timeout=SLOW)
    join(guest, host.url, "bob")

    click(owner.get_by_role("button", name="Host settings"))
    dialog = owner.get_by_role("dialog", name="Host settings")
    bots = dialog.get_by_role("region", name="Bots")
    expect(bots.get_by_role("heading", name="Bots (0)")).to_be_visible(timeout=SLOW)
    name = bots.get_by_role("textbox", name="Bot name")
    name.scroll_into_view_if_needed()
    expect(name).to_be_in_viewport()
    name.fill("Deploy bot")
    avatar = bots.get_by_role("textbox", name="Bot avatar")
    avatar.fill("🚀")
    click(bots.get_by_role("button", name="Create bot"))
    token = bots.get_by_label("Bot token", exact=True)
    expect(token).to_have_text(re.compile(r"^[A-Za-z0-9_-]{43}$"))
    expect(bots.get_by_role("status")).to_contain_text("shown only once")

    row = bots.get_by_role("listitem", name="Bot Deploy bot")
    expect(row).to_contain_text("BOT")
    room = row.get_by_role("combobox", name="Room for a webhook of Deploy bot")
    room.scroll_into_view_if_needed()
    expect(room).to_be_in_viewport()
    room.select_option(label="#general")
    click(row.get_by_role("button", name="Add webhook"))
    shown = bots.get_by_label("Webhook URL", exact=True)
    expect(shown).to_contain_text("/api/hooks/", timeout=SLOW)
    url = shown.inner_text().strip()
    assert url.startswith(host.join_urls[0].rstrip("/") + "/api/hooks/")  # https: TLS is on
    # curl pins the host's key: the same SHA-256 as the fingerprint, in base64.
    assert host.fingerprint is not None
    pin = base64.b64encode(base64.b32decode(host.fingerprint + "====")).decode()
    curl = bots.get_by_label("curl example", exact=True)
    expect(curl).to_contain_text(f"--insecure --pinnedpubkey 'sha256//{pin}'")
    expect(curl).to_contain_text(f"-X POST '{url}'")
    expect(bots.get_by_label("Bot token", exact=True)).to_have_count(0)  # the token was shown once
    expect(row.get_by_role("list", name="Webhooks of Deploy bot")).to_contain_text("#general")
    owner.screenshot(path=str(artifacts / "bots-settings.png"))

    # A script posts to the URL it was shown.
    cert = str(host.settings.data_dir / "tls-cert.pem")  # trusted as curl's pin would be
    response = requests.post(url, json={"text": "**Build 42** passed"}, timeout=10, verify=cert)
    assert response.status_code == 200, response.text

    click(dialog.get_by_role("button", name="Close"))
    for page in (guest, owner):
        item = page.get_by_role("article").filter(has_text="Build 42 passed")
        expect(item).to_be_visible(timeout=SLOW)
        expect(item.locator(".author")).to_have_text("Deploy bot")
        expect(item.locator(".bot-tag")).to_have_text("BOT")
        expect(item.locator("strong")).to_have_text("Build 42")  # markdown as anyone writes it
    guest.screenshot(path=str(artifacts / "bots-webhook-message.png"))
