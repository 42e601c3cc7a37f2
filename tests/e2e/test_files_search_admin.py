"""Files, search and host admin in a real browser (Debian's chromium) against a real host (issue 6).

Uploads go over real HTTP to the host's /api/uploads; the interrupted upload stops a real host
process mid-way and starts it again on the same data dir and port.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import struct
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from backend import ServerHandle, Settings, start_server
from tests.e2e.conftest import E2E_CODE, HostProcess, join
from tests.peers import Peer

pytestmark = pytest.mark.e2e

# A reconnect with back-off, or a host process restarting, on a busy 2-core box.
SLOW = 30_000
MIB = 1024 * 1024


def png(width: int, height: int, seed: int = 1) -> bytes:
    """A valid RGB PNG of noise, stored uncompressed so its size is predictable (about w*h*3)."""
    rows = bytearray()
    state = seed
    for _y in range(height):
        rows.append(0)  # filter: none
        line = bytearray(width * 3)
        for i in range(0, len(line), 3):
            state = (state * 1103515245 + 12345) & 0x7FFFFFFF
            line[i], line[i + 1], line[i + 2] = state & 0xFF, (state >> 8) & 0x7F, 200
        rows += line

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 0))
        + chunk(b"IEND", b"")
    )


def send(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Message", exact=True)
    box.fill(text)
    box.press("Enter")


def message_items(page: Any, text: str) -> Any:
    return page.get_by_role("listitem").filter(has_text=text)


def attach(page: Any, path: Path) -> None:
    page.get_by_label("Files to attach").set_input_files(str(path))


def send_attachments(page: Any, name: str) -> None:
    """The finished upload waits in the composer's "Files to send"; Send carries it."""
    ready = page.get_by_role("list", name="Files to send").get_by_text(name)
    expect(ready).to_be_visible(timeout=SLOW)
    page.get_by_role("button", name="Send").click()
    expect(ready).to_have_count(0)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            h.update(block)
    return h.hexdigest()


def fetch_file(base: str, token: str, file_id: int) -> bytes:
    req = urllib.request.Request(
        f"{base}api/files/{file_id}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return bytes(r.read())


class HeldRequests:
    """Playwright routes for chunk PUTs: let `pass_first` through, then hold the rest until told."""

    def __init__(self, page: Any, pass_first: int) -> None:
        self.page = page
        self.pass_first = pass_first
        self.seen = 0
        self.held: list[Any] = []
        page.route("**/api/uploads/*", self._route)

    def _route(self, route: Any) -> None:
        if route.request.method != "PUT":
            route.continue_()
            return
        self.seen += 1
        if self.seen <= self.pass_first:
            route.continue_()
        else:
            self.held.append(route)

    def wait_held(self, count: int = 1) -> None:
        """Let the page run until `count` chunk requests are being held (a readiness poll)."""
        for _ in range(300):  # 30 s at most
            if len(self.held) >= count:
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no held chunk request after {self.seen} PUTs")

    def release(self) -> None:
        """Send the held requests on, and stop routing (later chunks go straight to the host)."""
        self.pass_first = 1 << 30
        for route in self.held:
            route.continue_()
        self.held.clear()
        self.page.unroute("**/api/uploads/*")

    def drop(self) -> None:
        """Fail what is still held (its page gave up on it) and stop routing. A held route left
        alone stays a pending task in Playwright's loop; garbage-collected later, its asyncio
        error log once fired inside pytest's report of another test and crashed the session."""
        for route in self.held:
            with contextlib.suppress(PlaywrightError):
                route.abort()
        self.held.clear()
        self.page.unroute("**/api/uploads/*")


@pytest.fixture
def big_host(host_settings: Settings) -> Iterator[ServerHandle]:
    """A host with a fast send rate (seeding history) and a small upload limit (refusals)."""
    handle = start_server(
        dataclasses.replace(
            host_settings, send_rate=10_000.0, send_burst=10_000, max_upload_bytes=20 * MIB
        )
    )
    yield handle
    handle.stop()


def test_image_upload_shows_progress_then_a_preview_on_the_other_side(
    host: ServerHandle, contexts: Any, tmp_path: Path, artifacts: Path
) -> None:
    alice, bob = contexts().new_page(), contexts().new_page()
    join(alice, host.url, "alice")
    join(bob, host.url, "bob")
    image = tmp_path / "noise.png"
    image.write_bytes(png(1000, 1400))  # ~4 MiB: three chunks
    assert image.stat().st_size > 4 * MIB

    # Hold the second chunk so the bar is seen part-way, then let it go.
    gate = HeldRequests(alice, pass_first=1)
    attach(alice, image)
    row = alice.get_by_role("listitem", name="Upload of noise.png")
    bar = row.get_by_role("progressbar", name="Uploading noise.png")
    gate.wait_held()
    expect(bar).to_be_visible()
    expect(row).to_contain_text(" MB of 4.")
    value = float(bar.get_attribute("value") or 0)
    assert 0 < value < image.stat().st_size
    alice.screenshot(path=str(artifacts / "files-upload-progress.png"))
    gate.release()

    send_attachments(alice, "noise.png")

    # Bob sees the preview (fetched with his token), and can enlarge it.
    thumb = bob.get_by_role("button", name="Open image noise.png")
    expect(thumb).to_be_visible(timeout=SLOW)
    expect(thumb.get_by_role("img", name="noise.png")).to_have_js_property("naturalWidth", 1000)
    bob.screenshot(path=str(artifacts / "files-image-preview.png"))
    thumb.click()
    box = bob.get_by_role("dialog", name="noise.png")
    expect(box.get_by_role("img", name="noise.png")).to_be_visible()
    # Enlarged over the whole window, not trapped in the message row (rows are transformed).
    big = box.get_by_role("img", name="noise.png").bounding_box()
    assert big is not None and big["height"] > 500
    expect(box.get_by_role("link", name="Download")).to_be_visible()
    bob.screenshot(path=str(artifacts / "files-lightbox.png"))
    bob.keyboard.press("Escape")
    expect(box).to_have_count(0)
    # The bytes the host serves are what alice picked.
    msg = Peer(host.url, {"name": "checker", "code": E2E_CODE})
    last = msg.call("fetch_messages", {"room_id": msg.room_id(), "limit": 5})["messages"][-1]
    [file] = last["attachments"]
    assert file["kind"] == "image" and file["mime"] == "image/png"
    assert file["sha256"] == sha256_file(image)
    msg.close()


def test_large_upload_interrupted_by_a_host_restart_resumes_to_the_right_sha256(
    host_process: HostProcess, contexts: Any, tmp_path: Path, artifacts: Path
) -> None:
    alice, bob = contexts().new_page(), contexts().new_page()
    join(alice, host_process.url, "alice")
    join(bob, host_process.url, "bob")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(12 * MIB + 12345))
    expected = sha256_file(big)

    offsets: list[int] = []
    alice.on(
        "request",
        lambda r: (
            r.method == "PUT"
            and "/api/uploads/" in r.url
            and offsets.append(int(r.headers.get("upload-offset", "-1")))
        ),
    )
    gate = HeldRequests(alice, pass_first=2)  # 4 MiB reach the host, the third chunk waits
    attach(alice, big)
    row = alice.get_by_role("listitem", name="Upload of big.bin")
    gate.wait_held()
    expect(row).to_contain_text("Uploading")

    # The host goes away mid-upload; the held chunk then fails like a dropped connection.
    host_process.stop()
    gate.release()
    expect(row).to_contain_text("Waiting for the host", timeout=SLOW)
    alice.screenshot(path=str(artifacts / "files-upload-waiting.png"))

    host_process.start()
    send_attachments(alice, "big.bin")

    # It continued from the host's offset rather than starting over.
    assert offsets[:2] == [0, 2 * MIB]
    assert 0 not in offsets[2:] and min(offsets[2:]) >= 4 * MIB
    card = (
        bob.get_by_role("list", name="Attachments")
        .get_by_role("listitem")
        .filter(has_text="big.bin")
    )
    expect(card.get_by_role("button", name="Download big.bin")).to_be_visible(timeout=SLOW)

    # Bob downloads it through the UI (with progress) and gets the same bytes.
    with bob.expect_download(timeout=SLOW) as info:
        card.get_by_role("button", name="Download big.bin").click()
    saved = tmp_path / "downloaded.bin"
    info.value.save_as(saved)
    assert sha256_file(saved) == expected
    expect(card).to_contain_text("downloaded")

    checker = Peer(host_process.url, {"name": "checker", "code": E2E_CODE})
    last = checker.call("fetch_messages", {"room_id": checker.room_id(), "limit": 5})["messages"]
    [file] = last[-1]["attachments"]
    assert file["sha256"] == expected and file["size"] == big.stat().st_size
    assert file["kind"] == "file" and file["mime"] == "application/octet-stream"
    assert (
        hashlib.sha256(fetch_file(host_process.url, checker.token, file["id"])).hexdigest()
        == expected
    )
    checker.close()


def test_an_upload_cut_by_a_reload_resumes_when_the_same_file_is_picked_again(
    host: ServerHandle, contexts: Any, tmp_path: Path
) -> None:
    page = contexts().new_page()
    join(page, host.url, "alice")
    data = tmp_path / "report.bin"
    data.write_bytes(os.urandom(6 * MIB + 999))
    puts: list[int] = []
    page.on(
        "request",
        lambda r: (
            r.method == "PUT"
            and "/api/uploads/" in r.url
            and puts.append(int(r.headers.get("upload-offset", "-1")))
        ),
    )
    gate = HeldRequests(page, pass_first=1)
    attach(page, data)
    gate.wait_held()
    gate.pass_first = 1 << 30  # later chunks pass; the held one dies with the page

    page.reload()
    row = page.get_by_role("listitem", name="Unfinished upload of report.bin")
    expect(row).to_contain_text("Unfinished: 2.0 MB of 6.0 MB", timeout=SLOW)
    puts.clear()
    row.get_by_label("File to resume report.bin").set_input_files(str(data))
    send_attachments(page, "report.bin")
    assert puts and puts[0] == 2 * MIB  # continued from the host's offset
    expect(page.get_by_role("listitem", name="Unfinished upload of report.bin")).to_have_count(0)

    checker = Peer(host.url, {"name": "checker", "code": E2E_CODE})
    [file] = checker.call("fetch_messages", {"room_id": checker.room_id()})["messages"][-1][
        "attachments"
    ]
    assert file["sha256"] == sha256_file(data)
    checker.close()
    gate.drop()


def test_cancel_stops_an_upload_and_tells_the_host(
    host: ServerHandle, contexts: Any, tmp_path: Path
) -> None:
    page = contexts().new_page()
    join(page, host.url, "alice")
    data = tmp_path / "nope.bin"
    data.write_bytes(os.urandom(5 * MIB))
    deletes: list[str] = []
    page.on("request", lambda r: r.method == "DELETE" and deletes.append(r.url))
    gate = HeldRequests(page, pass_first=1)
    attach(page, data)
    gate.wait_held()
    row = page.get_by_role("listitem", name="Upload of nope.bin")
    with page.expect_request_finished(lambda r: r.method == "DELETE", timeout=SLOW) as cancelled:
        row.get_by_role("button", name="Cancel upload of nope.bin").click()
    assert cancelled.value.response().status == 204  # the host dropped the bytes received
    expect(row).to_have_count(0)
    gate.drop()
    assert len(deletes) == 1 and "/api/uploads/" in deletes[0]
    expect(page.get_by_role("list", name="Files to send")).to_have_count(0)
    assert page.evaluate(
        "() => Object.keys(localStorage).filter((k) => k.startsWith('parley:uploads:'))"
        ".map((k) => localStorage.getItem(k)).join('')"
    ) in ("", "[]")


def test_a_file_over_the_host_limit_is_refused_before_uploading(
    big_host: ServerHandle, contexts: Any, tmp_path: Path
) -> None:
    page = contexts().new_page()
    join(page, big_host.url, "alice")
    huge = tmp_path / "huge.bin"
    with huge.open("wb") as f:
        f.truncate(21 * MIB)  # sparse: no need to write the bytes
    requests: list[str] = []
    page.on("request", lambda r: "/api/uploads" in r.url and requests.append(r.method))
    attach(page, huge)
    expect(page.get_by_role("alert")).to_have_text(
        "huge.bin: That file is 21.0 MB; this host accepts files up to 20.0 MB. Dismiss"
    )
    assert requests == []


def test_search_finds_a_message_and_opens_it_in_context(
    big_host: ServerHandle, contexts: Any, artifacts: Path
) -> None:
    seeder = Peer(big_host.url, {"name": "seeder", "code": E2E_CODE})
    room = seeder.room_id()
    seeder.send(room, "before the plan", "s-0")
    target = seeder.send(room, "the quokka migration plan is ready", "s-1")
    for i in range(2, 160):
        seeder.send(room, f"filler {i:03d}", f"s-{i}")
    page = contexts().new_page()
    join(page, big_host.url, "dave")
    expect(message_items(page, "filler 159")).to_be_visible()
    expect(message_items(page, "quokka")).to_have_count(0)  # far above the first page

    page.keyboard.press("Control+Shift+F")
    panel = page.get_by_role("dialog", name="Search messages")
    panel.get_by_role("searchbox", name="Search").fill("QUOKK")
    result = panel.get_by_role("list", name="Search results").get_by_role("listitem")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("#general")
    expect(result).to_contain_text("seeder")
    expect(result.locator("mark")).to_have_text("quokka")
    page.screenshot(path=str(artifacts / "search-panel.png"))

    # The author filter narrows to nobody else's messages.
    panel.get_by_role("combobox", name="Author").select_option(label="dave (you)")
    expect(panel.get_by_text("No messages match")).to_be_visible()
    panel.get_by_role("combobox", name="Author").select_option(label="seeder")
    result.get_by_role("button").click()

    expect(panel).to_have_count(0)
    opened = page.locator(f'article[data-id="{target["id"]}"]')
    expect(opened).to_be_visible(timeout=SLOW)
    expect(opened).to_contain_text("the quokka migration plan is ready")
    expect(message_items(page, "before the plan")).to_be_visible()  # its context, too
    seeder.close()


def test_host_renames_and_a_guest_sees_it(
    host: ServerHandle, contexts: Any, artifacts: Path
) -> None:
    owner, guest = contexts().new_page(), contexts().new_page()
    owner.goto(host.owner_url)
    expect(owner.get_by_role("textbox", name="Message", exact=True)).to_be_visible(timeout=SLOW)
    join(guest, host.url, "bob")
    expect(guest.locator(".brand-name")).to_have_text("E2E host")
    # Only the host user has host settings.
    expect(guest.get_by_role("button", name="Host settings")).to_have_count(0)

    owner.get_by_role("button", name="Host settings").click()
    dialog = owner.get_by_role("dialog", name="Host settings")
    dialog.get_by_role("textbox", name="Host name").fill("Team room")
    dialog.get_by_role("button", name="Rename").click()
    expect(dialog.get_by_role("status")).to_contain_text("Renamed")
    expect(guest.locator(".brand-name")).to_have_text("Team room", timeout=SLOW)

    # The join code: a new one is required from now on.
    dialog.get_by_role("textbox", name="New join code").fill("NEWCODE42")
    dialog.get_by_role("button", name="Set").click()
    expect(dialog.get_by_label("Current join code")).to_have_text("NEWCODE42")
    owner.screenshot(path=str(artifacts / "admin-dialog.png"))
    newcomer = contexts().new_page()
    join(newcomer, host.url, "carol", code="NEWCODE42")


def test_removing_a_device_drops_that_browser_to_the_join_screen(
    host: ServerHandle, contexts: Any
) -> None:
    owner, guest = contexts().new_page(), contexts().new_page()
    owner.goto(host.owner_url)
    expect(owner.get_by_role("textbox", name="Message", exact=True)).to_be_visible(timeout=SLOW)
    join(guest, host.url, "bob")

    owner.get_by_role("button", name="Host settings").click()
    dialog = owner.get_by_role("dialog", name="Host settings")
    device = dialog.get_by_role("listitem").filter(has_text="bob")
    expect(device).to_contain_text("Online now")
    device.get_by_role("button", name="Remove bob's device").click()
    device.get_by_role("button", name="Remove", exact=True).click()
    expect(dialog.get_by_role("listitem").filter(has_text="bob")).to_have_count(0)

    expect(guest.get_by_label("Your name")).to_be_visible(timeout=SLOW)
    # Told by the host as it was dropped (signed_out, issue 15), not only when it came back.
    expect(guest.get_by_role("alert")).to_have_text(
        "This device was signed out. Join again, or open a new sign-in link."
    )
    # Its token is dead for HTTP too: the stored one is gone, and joining again works.
    assert guest.evaluate("() => localStorage.getItem('parley:token')") is None
    join(guest, host.url, "bob2")
