"""The UI against a hostile peer (issue 13, UI part), proven from outside: a real host, Debian's
chromium, python-socketio peers.

- Item 3: a link to ``#owner=<anything>`` must not sign the user out (the refused key is dropped,
  the device token stays).
- Item 19: a page that loses its connection while others keep sending ends up showing every
  message the senders got an ack for, once, in id order (no gap left by a resync).
- Item 11 (client side): a send the host answers with an error is final for that message: it
  shows as failed with the host's sentence, is not sent again on its own, and does not hold up
  the messages behind it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from playwright.sync_api import expect

from backend import ServerHandle, Settings, start_server
from tests.e2e.conftest import CHROMIUM_ARGS, E2E_CODE, chromium_path, join
from tests.peers import Peer

pytestmark = pytest.mark.e2e

# A reconnect with back-off on a busy 2-core box.
SLOW = 20_000


def composer(page: Any) -> Any:
    return page.get_by_role("textbox", name="Message", exact=True)


def signed_in_as(page: Any, name: str) -> None:
    """The chat is shown (no join screen) for `name`."""
    expect(composer(page)).to_be_visible(timeout=SLOW)
    # The top bar's profile button (issue 15) says who is signed in.
    me = page.get_by_role("button", name=re.compile(rf"^Your profile: {re.escape(name)}, "))
    expect(me).to_have_text(name, timeout=SLOW)
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


# -- item 19: resync after a lost connection leaves no gap ------------------------------------------

SENDERS = ("ana", "ben", "cy")
# Messages each room must gain while the page is offline: more than one resync page (200), so the
# open room's catch-up takes several round trips while live messages keep landing in the other.
BACKLOG = 220
OFFLINE_ROUNDS = 3
# Pause between one sender's messages: ~120 messages/s from the three, which leaves the 2 cores
# room for the browser and keeps each room under the 2,000 messages a resync pages through before
# it falls back to the newest page (ui/src/features/chat/api/history.ts).
PACE_S = 0.025
# Bounds for the polling loops below (they stop as soon as their condition holds).
BACKLOG_WAIT_S = 60.0
MAX_SENDS = 4000


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    """This module's chromium: the suite's, except that keyboard scrolling is not animated, so a
    page of the message list can be read as soon as the scroll has rendered."""
    b = playwright.chromium.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[*CHROMIUM_ARGS, "--disable-smooth-scrolling"],
    )
    yield b
    b.close()


@pytest.fixture
def fast_host(host_settings: Settings) -> Iterator[ServerHandle]:
    """A host whose send rate limit is out of the way: three peers send as fast as acks allow."""
    handle = start_server(host_settings.replace(send_rate=10_000.0, send_burst=10_000))
    yield handle
    handle.stop()


class Sender(threading.Thread):
    """A real peer sending into both rooms in turn until stopped; keeps what was acked."""

    def __init__(self, peer: Peer, name: str, rooms: dict[int, str]) -> None:
        super().__init__(name=f"sender-{name}", daemon=True)
        self.peer, self.label, self.rooms = peer, name, rooms
        self.acked: list[dict[str, Any]] = []
        self.error: BaseException | None = None
        self.halt = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        try:
            for n in range(MAX_SENDS):
                if self.halt.is_set():
                    return
                room_id = list(self.rooms)[n % len(self.rooms)]
                text = f"{self.label} {self.rooms[room_id]} {n:05d}"
                # A lost ack is retried with the same client_id: the host stores it once.
                for attempt in range(3):
                    try:
                        ack = self.peer.call(
                            "send_message",
                            {"room_id": room_id, "text": text, "client_id": f"{self.label}-{n}"},
                        )
                        break
                    except socketio.exceptions.TimeoutError:
                        if attempt == 2:
                            raise
                assert ack["ok"], ack
                with self._lock:
                    self.acked.append(ack["message"])
                self.halt.wait(PACE_S)
        except BaseException as exc:  # reported by the test thread
            self.error = exc

    def count(self, room_id: int) -> int:
        with self._lock:
            return sum(1 for m in self.acked if m["room_id"] == room_id)


def wait_for_backlog(senders: list[Sender], rooms: list[int], more: int) -> None:
    """Until every room has `more` new acked messages (bounded)."""
    start = {r: sum(s.count(r) for s in senders) for r in rooms}
    deadline = time.monotonic() + BACKLOG_WAIT_S
    while time.monotonic() < deadline:
        for s in senders:
            assert s.error is None, s.error
        if all(sum(s.count(r) for s in senders) - start[r] >= more for r in rooms):
            return
        time.sleep(0.05)  # polling, not a timing assertion
    raise AssertionError(f"the senders did not get {more} messages per room in {BACKLOG_WAIT_S}s")


# Bound on key presses while reading a room (each moves most of a viewport).
MAX_PAGE_UPS = 2_000
ROWS_JS = """els => els.map((e) => {
    const a = e.querySelector('article[data-id]');
    return [Number(e.dataset.index), a ? Number(a.dataset.id) : null];
})"""


def rendered_message_ids(page: Any, first_id: int, last_id: int) -> list[int]:
    """Every message of the open room, top to bottom, read from the virtualized list (rows carry
    `data-index`, messages `data-id`) while paging up from the bottom with the keyboard, older
    pages loading as the top comes near.

    Each read is one look at the rendered rows (a contiguous run) that must contain the topmost
    message read so far; what is above it joins the list. So no row can be skipped, and rows
    prepended meanwhile (older pages) shift nothing. A look without that message means the view
    moved past it while rows were measured or an older page came in (row heights differ from the
    list's estimate): message ids grow downwards, so the rendered ones say which way to page back
    to it."""
    log = page.get_by_role("log")
    rows = page.locator("[role=log] [role=listitem]")

    def look() -> list[tuple[int, int | None]]:
        return sorted((i, m) for i, m in rows.evaluate_all(ROWS_JS))

    expect(page.locator(f'article[data-id="{last_id}"]')).to_be_attached()  # pinned at the bottom
    ids = [m for _, m in look() if m is not None]
    log.focus()
    for _ in range(MAX_PAGE_UPS):
        if ids[0] == first_id and page.locator('[role=log] [data-index="0"]').count():
            break
        seen = look()
        at = next((n for n, (_, m) in enumerate(seen) if m == ids[0]), None)
        if at is None:
            shown = [m for _, m in seen if m is not None]
            log.press("PageDown" if shown and max(shown) < ids[0] else "PageUp")
            top = page.locator(f'[role=log] article[data-id="{ids[0]}"]')
            try:
                expect(top).to_be_attached(timeout=1_000)
            except AssertionError:
                pass
            continue
        if at > 0:  # rendered above it already (overscan): read those first
            ids = [m for _, m in seen[:at] if m is not None] + ids
            continue
        log.press("PageUp")
        try:  # the row above the topmost message read so far (an older page may come first)
            above = page.locator(f'[role=log] [data-index="{seen[at][0] - 1}"]')
            expect(above).to_be_attached(timeout=1_000)
        except AssertionError:
            continue
    assert ids[0] == first_id, f"did not reach the first message ({first_id}), stopped at {ids[0]}"
    return ids


def test_reconnects_while_others_send_leave_no_gap(fast_host: ServerHandle, contexts: Any) -> None:
    context = contexts(viewport={"width": 1280, "height": 2000})
    page = context.new_page()
    join(page, fast_host.url, "viewer")
    nav = page.get_by_role("navigation", name="Rooms")

    peers = [Peer(fast_host.url, {"name": name, "code": E2E_CODE}) for name in SENDERS]
    general = peers[0].room_id()
    busy = peers[0].call("create_room", {"name": "busy"})["room"]["id"]
    for peer in peers[1:]:
        assert peer.call("join_room", {"room_id": busy})["ok"]
    page.get_by_role("button", name="Join #busy").click()
    expect(page.get_by_role("heading", name="#busy")).to_be_visible(timeout=SLOW)
    nav.get_by_role("button", name="general").click()  # busy resyncs second: the room at risk
    expect(page.get_by_role("heading", name="#general")).to_be_visible()

    senders = [
        Sender(peer, name, {general: "general", busy: "busy"})
        for peer, name in zip(peers, SENDERS, strict=True)
    ]
    for sender in senders:
        sender.start()
    try:
        for _ in range(OFFLINE_ROUNDS):
            wait_for_backlog(senders, [general, busy], 20)  # some live traffic first
            context.set_offline(True)
            expect(page.get_by_role("status")).to_contain_text("Connection lost", timeout=SLOW)
            wait_for_backlog(senders, [general, busy], BACKLOG)
            context.set_offline(False)  # back while the senders keep going
            expect(page.get_by_role("status")).to_contain_text("Back online", timeout=SLOW)
        wait_for_backlog(senders, [general, busy], 20)
    finally:
        for sender in senders:
            sender.halt.set()
        for sender in senders:
            sender.join(timeout=30)
    for sender in senders:
        assert sender.error is None, sender.error
        assert not sender.is_alive()

    acked = [m for s in senders for m in s.acked]
    for room_id, name in ((general, "general"), (busy, "busy")):
        want = sorted(m["id"] for m in acked if m["room_id"] == room_id)
        assert len(want) > OFFLINE_ROUNDS * BACKLOG
        nav.get_by_role("button", name=name).click()
        expect(page.get_by_role("heading", name=f"#{name}")).to_be_visible()
        # The newest acked message arrives (live or by a fetch), then the whole room is read.
        newest = page.locator(f'article[data-id="{want[-1]}"]')
        # A room with unread opens on the first of them: go to the present to read from there.
        jump = page.get_by_role("button", name="Jump to present")
        expect(newest.or_(jump).first).to_be_attached(timeout=SLOW)
        if not newest.count():
            jump.click()
        expect(newest, f"#{name}: the newest acked message never showed").to_be_attached(
            timeout=SLOW
        )
        shown = rendered_message_ids(page, want[0], want[-1])
        missing = sorted(set(want) - set(shown))
        assert not missing, f"#{name}: {len(missing)} acked messages not shown, e.g. {missing[:10]}"
        assert shown == want, f"#{name}: shown out of order or twice"
    for peer in peers:
        peer.close()


# -- item 11: an error answer to a send is final for that message ---------------------------------


def item(page: Any, text: str) -> Any:
    return page.get_by_role("listitem").filter(has_text=text)


def expect_sent(row: Any, timeout: float = 5_000) -> None:
    """The message is the host's (it has an id) and no longer sending. Own messages carry no
    "✓ Sent" mark any more (the first-hour issue): state shows only while not yet sent."""
    expect(row.locator("article.msg[data-id]:not(.pending)")).to_be_visible(timeout=timeout)
    expect(row.get_by_text("Sending…")).to_have_count(0)


def test_refused_send_fails_once_and_does_not_hold_up_the_rest(
    host: ServerHandle, contexts: Any
) -> None:
    """alice's page is offline with two messages waiting, the first to a room she left meanwhile on
    another device: back online, that one fails (forbidden) and stays failed, the other goes."""
    context = contexts()
    page = context.new_page()
    join(page, host.url, "alice")
    nav = page.get_by_role("navigation", name="Rooms")
    bob = Peer(host.url, {"name": "bob", "code": E2E_CODE})
    side = bob.call("create_room", {"name": "side"})["room"]["id"]
    page.get_by_role("button", name="Join #side").click()
    expect(page.get_by_role("heading", name="#side")).to_be_visible(timeout=SLOW)

    context.set_offline(True)
    expect(page.get_by_role("status")).to_contain_text("Connection lost", timeout=SLOW)
    composer(page).fill("for side")
    composer(page).press("Enter")
    expect(item(page, "for side").get_by_text("Sending…")).to_be_visible()
    nav.get_by_role("button", name="general").click()
    composer(page).fill("for general")
    composer(page).press("Enter")
    expect(item(page, "for general").get_by_text("Sending…")).to_be_visible()
    # Meanwhile alice leaves #side from her other device.
    laptop = Peer(host.url, {"token": stored_token(page).strip('"')})
    assert laptop.call("leave_room", {"room_id": side})["ok"]

    context.set_offline(False)
    expect_sent(item(page, "for general"), timeout=SLOW)
    # #side is joined again from this page: the failed message is there, still not sent (a
    # retry would now work, but only the person decides that).
    page.get_by_role("button", name="Join #side").click()
    expect(page.get_by_role("heading", name="#side")).to_be_visible(timeout=SLOW)
    failed = item(page, "for side").get_by_role("alert")
    expect(failed).to_contain_text("Not sent: Join the room first.")
    page.reload()
    expect(item(page, "for side").get_by_role("alert")).to_contain_text(
        "Not sent: Join the room first.", timeout=SLOW
    )
    texts = [m["text"] for m in bob.call("fetch_messages", {"room_id": side})["messages"]]
    assert "for side" not in texts
    general = bob.room_id()
    texts = [m["text"] for m in bob.call("fetch_messages", {"room_id": general})["messages"]]
    assert texts.count("for general") == 1

    item(page, "for side").get_by_role("button", name="Retry").click()
    expect_sent(item(page, "for side"), timeout=SLOW)
    laptop.close()
    bob.close()
