"""The UI against a hostile peer (issue 13, UI part), proven from outside: a real host, Debian's
chromium, python-socketio peers.

- Item 3: a link to ``#owner=<anything>`` must not sign the user out (the refused key is dropped,
  the device token stays).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from backend import ServerHandle
from tests.e2e.conftest import E2E_CODE, join
from tests.peers import Peer

pytestmark = pytest.mark.e2e

# A reconnect with back-off on a busy 2-core box.
SLOW = 20_000


def composer(page: Any) -> Any:
    return page.get_by_role("textbox", name="Message", exact=True)


def signed_in_as(page: Any, name: str) -> None:
    """The chat is shown (no join screen) for `name`."""
    expect(composer(page)).to_be_visible(timeout=SLOW)
    expect(page.get_by_title("Signed in as")).to_have_text(name, timeout=SLOW)
    expect(page.get_by_label("Your name")).to_have_count(0)


def stored_token(page: Any) -> Any:
    return page.evaluate("() => localStorage.getItem('parley:token')")


def test_forged_owner_link_keeps_the_user_signed_in(host: ServerHandle, contexts: Any) -> None:
    page = contexts().new_page()
    join(page, host.url, "alice")
    signed_in_as(page, "alice")
    token = stored_token(page)
    assert token

    # A peer posts a link to this host with a made-up owner key; alice opens it (a new tab).
    mallory = Peer(host.url, {"name": "mallory", "code": E2E_CODE})
    forged = f"{host.url}#owner=forged"
    mallory.send(mallory.room_id(), f"look {forged}", "m-1")
    link = page.get_by_role("link", name=forged)
    with page.expect_popup() as popup_info:
        link.click()
    tab = popup_info.value
    signed_in_as(tab, "alice")
    expect(tab).to_have_url(host.url)  # the key left the address bar
    tab.close()

    # The same address typed or navigated to in the page itself, then reloaded.
    page.goto("about:blank")
    page.goto(forged)
    signed_in_as(page, "alice")
    expect(page).to_have_url(host.url)
    assert stored_token(page) == token
    page.reload()
    signed_in_as(page, "alice")
    assert stored_token(page) == token

    # A fragment-only navigation of the open page, then a reload (the key is read on load).
    page.goto(forged)
    page.reload()
    signed_in_as(page, "alice")
    expect(page).to_have_url(host.url)
    assert stored_token(page) == token

    # The host still knows the device: the token signs in as alice from anywhere.
    again = Peer(host.url, {"token": token.strip('"')})
    assert again.user["name"] == "alice"
    again.close()
    mallory.close()


def test_forged_owner_link_without_a_token_shows_the_join_screen(
    host: ServerHandle, contexts: Any
) -> None:
    page = contexts().new_page()
    page.goto(f"{host.url}#owner=forged")
    expect(page.get_by_role("alert")).to_have_text(
        "That host key is not valid here. Join with your name instead.", timeout=SLOW
    )
    assert "#owner" not in page.url
    page.get_by_label("Your name").fill("bea")
    page.get_by_label("Join code").fill(E2E_CODE)
    page.get_by_role("button", name="Join").click()
    signed_in_as(page, "bea")
