"""Issue 5 in the browser: nearby hosts (the chat's dialog and the start screen), the host's
self-check, join failures that say which step failed, and leaving a room. Real host, real chromium;
discovery is off (no multicast in tests; tests/lan lists real hosts found nearby)."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from backend import ServerHandle, Settings, start_server
from tests.e2e.conftest import E2E_CODE, HostProcess, join

pytestmark = pytest.mark.e2e

# Reconnect back-off and the host's per-URL probe (1.5 s) on a 2-core CI box.
SLOW = 20_000
REFUSED = "The host refused this connection (address or origin not accepted)."


CANNED_HOSTS = {
    "discovery": True,
    "hosts": [
        {
            "host_id": "b" * 32,
            "name": "Bea’s workstation in the lab",
            "version": "0.1.0",
            "needs_code": True,
            "addresses": ["192.168.1.23", "10.8.0.4"],
            "urls": ["http://192.168.1.23:7275/", "http://10.8.0.4:7275/", "javascript:alert(1)"],
        },
        {
            "host_id": "c" * 32,
            "name": "Kitchen tablet",
            "version": "0.1.0",
            "needs_code": False,
            "addresses": ["192.168.1.40"],
            "urls": ["http://192.168.1.40:7275/"],
        },
    ],
}


def cant_reach(url: str, host: str = "the host") -> str:
    origin = url.rstrip("/")
    return (
        f"Can't reach {host} at {origin}: it may have stopped, "
        "or this address is not reachable from here."
    )


def create_room(page: Any, name: str) -> None:
    page.get_by_role("button", name="New room").click()
    page.get_by_label("Room name").fill(name)
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name=f"#{name}")).to_be_visible()


def test_hosts_nearby_dialog_says_discovery_is_off(host: ServerHandle, contexts: Any) -> None:
    page = contexts().new_page()
    join(page, host.url, "guest")
    page.get_by_role("navigation", name="Rooms").get_by_role("button", name="Nearby hosts").click()
    dialog = page.get_by_role("dialog", name="Nearby hosts")
    expect(dialog.get_by_text("Discovery is off on this host.")).to_be_visible()
    expect(dialog.get_by_role("link")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)


def test_start_screen_asks_its_own_host_and_stops_when_discovery_is_off(
    host: ServerHandle, contexts: Any
) -> None:
    """The start screen's list is the one its host keeps (GET /api/hosts), in a plain browser too.
    With discovery off it says so and asks no more: once, not once a second."""
    page = contexts().new_page()
    asked: list[str] = []

    def seen(request: Any) -> None:
        if urlsplit(request.url).path == "/api/hosts":
            asked.append(request.url)

    page.on("request", seen)
    page.goto(host.url + "#join")
    expect(page.get_by_role("heading", name="Join a chat")).to_be_visible()
    expect(
        page.get_by_text("Finding hosts nearby is turned off. Enter an address instead.")
    ).to_be_visible()
    # No js_api here: the page stops waiting for one after 5 s and says it is a plain page's
    # start screen. The list has been asked for by then, and only the once.
    expect(page.get_by_role("button", name="Back to the chat")).to_be_visible(timeout=SLOW)
    assert asked == [host.url + "api/hosts"]
    assert host.connected_here() == []  # nobody signed in: no socket brings hosts_changed here


def test_start_screen_in_a_browser_goes_to_a_typed_address(
    host: ServerHandle, host_settings: Settings, tmp_path: Path, contexts: Any
) -> None:
    second = start_server(
        host_settings.replace(data_dir=tmp_path / "second", name="Second host", join_code=None)
    )
    try:
        page = contexts().new_page()
        page.goto(host.url + "#join")
        page.get_by_label("Enter an address").fill(f"127.0.0.1:{second.port}")
        page.get_by_role("button", name="Join", exact=True).click()
        expect(page).to_have_url(second.url, timeout=SLOW)
        expect(page.get_by_text("Join Second host")).to_be_visible(timeout=SLOW)
    finally:
        second.stop()


def test_self_check_shows_the_port_and_that_its_url_answers(
    host: ServerHandle, contexts: Any
) -> None:
    page = contexts().new_page()
    page.goto(host.owner_url)
    expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible(timeout=SLOW)
    assert host.url == f"http://127.0.0.1:{host.port}/"

    # From the invite panel…
    page.get_by_role("button", name="Invite").click()
    page.get_by_role("dialog", name="Invite people").get_by_role(
        "button", name="Run self-check"
    ).click()
    dialog = page.get_by_role("dialog", name="Self-check")
    expect(dialog.get_by_label("Listening on")).to_have_text(f"127.0.0.1:{host.port}", timeout=SLOW)
    row = dialog.get_by_role("list", name="Address checks").get_by_role("listitem")
    expect(row).to_have_count(1)
    # The URL others join by is https (TLS on): it answers when this host's own key does.
    lan_url = f"https://127.0.0.1:{host.port}/"
    expect(row).to_have_text(f"✓{lan_url}answers")
    expect(dialog.get_by_text("No (discovery is off)")).to_be_visible()

    dialog.get_by_role("button", name="Check again").click()
    expect(dialog.get_by_role("button", name="Check again")).to_be_enabled(timeout=SLOW)
    expect(row).to_have_text(f"✓{lan_url}answers")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    # …and from the sidebar.
    page.get_by_role("navigation", name="Rooms").get_by_role("button", name="Self-check").click()
    expect(
        page.get_by_role("dialog", name="Self-check").get_by_label("Listening on")
    ).to_be_visible(timeout=SLOW)


def test_guests_get_no_self_check(host: ServerHandle, contexts: Any) -> None:
    page = contexts().new_page()
    join(page, host.url, "guest")
    expect(page.get_by_role("button", name="Nearby hosts")).to_be_visible()
    expect(page.get_by_role("button", name="Self-check")).to_have_count(0)
    expect(page.get_by_role("button", name="Invite")).to_have_count(0)


def test_join_against_a_stopped_host_says_it_cannot_be_reached(
    host_process: HostProcess, contexts: Any, artifacts: Path
) -> None:
    page = contexts().new_page()
    page.goto(host_process.url)
    expect(
        page.get_by_text(re.compile(r"^Join (?!this host$|code$)"))
    ).to_be_visible()  # info loaded
    host_process.stop()

    page.get_by_label("Your name").fill("late")
    page.get_by_label("Join code").fill(E2E_CODE)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("alert")).to_have_text(cant_reach(host_process.url), timeout=SLOW)
    page.screenshot(path=artifacts / "join-unreachable.png")
    # The button is given back, not left "Joining…".
    expect(page.get_by_role("button", name="Join")).to_be_enabled()

    # The host is back: the same form joins.
    host_process.start()
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible(timeout=SLOW)


def test_banner_says_the_host_cannot_be_reached_when_it_stops(
    host_process: HostProcess, contexts: Any, artifacts: Path
) -> None:
    page = contexts(viewport={"width": 420, "height": 800}).new_page()
    join(page, host_process.url, "stayer")
    name = page.locator(".brand-name").text_content() or ""
    assert name
    host_process.stop()
    # The banner names the host as it is called now (it follows server_changed).
    banner = page.get_by_role("status").filter(has_text="Can't reach")
    expect(banner).to_contain_text(cant_reach(host_process.url, name), timeout=SLOW)
    expect(banner).to_contain_text("Reconnecting")
    page.screenshot(path=artifacts / "banner-unreachable-narrow-420.png")
    host_process.start()
    expect(page.get_by_role("status").filter(has_text="Back online")).to_be_visible(timeout=SLOW)


@pytest.fixture
def port_forward(host: ServerHandle) -> Iterator[str]:
    """A plain TCP forward from another local port to the host (a NAT / port-forward in small).

    The page then lives at ``http://127.0.0.1:<other port>/``: the Host check passes (same
    address), but the browser's Origin names the other port, which the host does not accept.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            upstream = socket.create_connection(("127.0.0.1", host.port))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pipe, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    stop.set()
    thread.join(timeout=5)
    listener.close()


def test_refused_origin_says_the_host_refused_the_connection(
    port_forward: str, contexts: Any
) -> None:
    # Through the forward, HTTP answers (page, /api/info) but the Socket.IO handshake's Origin
    # is not one of the host's own: HTTP 400 before any auth is looked at.
    page = contexts().new_page()
    page.goto(port_forward)
    expect(page.get_by_text("Join E2E host")).to_be_visible()
    page.get_by_label("Your name").fill("mallory")
    page.get_by_label("Join code").fill(E2E_CODE)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("alert")).to_have_text(REFUSED, timeout=SLOW)


def test_leaving_a_room_moves_it_to_other_rooms(host: ServerHandle, contexts: Any) -> None:
    page = contexts().new_page()
    join(page, host.url, "leaver")
    expect(page.get_by_role("heading", name="#general")).to_be_visible()
    expect(page.get_by_role("button", name="Leave room")).to_have_count(0)  # nobody leaves general

    create_room(page, "side")
    page.get_by_role("button", name="Leave room").click()
    # Leaving asks first; Cancel keeps the room.
    confirm = page.get_by_role("dialog", name="Leave #side?")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    expect(page.get_by_role("heading", name="#side")).to_be_visible()
    page.get_by_role("button", name="Leave room").click()
    page.get_by_role("dialog", name="Leave #side?").get_by_role(
        "button", name="Leave", exact=True
    ).click()

    expect(page.get_by_role("heading", name="#general")).to_be_visible()
    other = page.get_by_role("list", name="Other rooms")
    expect(other.get_by_role("button", name="Join #side")).to_be_visible()
    expect(page.get_by_role("button", name="Leave room")).to_have_count(0)

    # It stays left after a reload (the host says so in welcome) and can be joined again.
    page.reload()
    expect(
        page.get_by_role("list", name="Other rooms").get_by_role("button", name="Join #side")
    ).to_be_visible(timeout=SLOW)
    page.get_by_role("button", name="Join #side").click()
    expect(page.get_by_role("heading", name="#side")).to_be_visible()
    expect(page.get_by_role("button", name="Leave room")).to_be_visible()


def test_lan_dialog_screenshots(host: ServerHandle, contexts: Any, artifacts: Path) -> None:
    """Nearby hosts and self-check, wide and narrow (420 px), light (test-artifacts/)."""
    for label, viewport in (
        ("wide", {"width": 1280, "height": 800}),
        ("narrow-420", {"width": 420, "height": 800}),
    ):
        page = contexts(viewport=viewport, color_scheme="light").new_page()
        page.goto(host.owner_url)
        expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible(timeout=SLOW)
        if label == "narrow-420":
            page.get_by_role("button", name="Show rooms").click()
        create_room(page, f"plans-{label}")
        if label == "narrow-420":
            # Creating a room opens it and closes the rooms drawer, as picking one does.
            page.get_by_role("button", name="Show rooms").click()
        page.screenshot(path=artifacts / f"lan-sidebar-{label}.png")
        page.get_by_role("button", name="Self-check").click()
        dialog = page.get_by_role("dialog", name="Self-check")
        expect(dialog.get_by_text("answers", exact=True)).to_be_visible(timeout=SLOW)
        page.screenshot(path=artifacts / f"selfcheck-{label}.png")
        page.keyboard.press("Escape")

        if label == "narrow-420":
            page.get_by_role("button", name="Show rooms").click()
        page.get_by_role("button", name="Nearby hosts").click()
        expect(
            page.get_by_role("dialog", name="Nearby hosts").get_by_text("Discovery is off")
        ).to_be_visible()
        page.screenshot(path=artifacts / f"nearby-hosts-{label}.png")
        page.keyboard.press("Escape")

        # What a populated list looks like (discovery stays off in tests: the answer is canned).
        page.route("**/api/hosts", lambda route: route.fulfill(json=CANNED_HOSTS))
        if label == "narrow-420":
            page.get_by_role("button", name="Show rooms").click()
        page.get_by_role("button", name="Nearby hosts").click()
        listed = page.get_by_role("list", name="Hosts on this network")
        expect(listed.get_by_role("listitem", name="Bea’s workstation in the lab")).to_be_visible()
        expect(listed.locator("a[href^='javascript']")).to_have_count(0)
        expect(listed.get_by_role("link")).to_have_count(3)
        page.screenshot(path=artifacts / f"nearby-hosts-list-{label}.png")
        page.keyboard.press("Escape")
        page.unroute("**/api/hosts")

        page.get_by_role("button", name="Invite").click()
        expect(page.get_by_role("button", name="Run self-check")).to_be_visible()
        page.screenshot(path=artifacts / f"invite-{label}.png")
        page.keyboard.press("Escape")
        page.screenshot(path=artifacts / f"topbar-leave-{label}.png")
