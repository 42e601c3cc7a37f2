"""The encrypted LAN, proved from outside: network namespaces on one bridge (tests/lan/netns.py).

- A capture (tcpdump on the host machine's interface) of a chat between two other machines (join
  with the code, messages with a unique text, a file sent and fetched) holds no message text, no
  device token and no join code: every connection is TLS. The same chat with ``--no-tls`` holds
  all of them, read the way a listener would (tests/lan/capture.py): the capture does see them.
- A plain ``http://`` request from another machine is redirected to ``https://`` (nothing served
  in the clear), and an address typed without the scheme still ends on the host's page.
- A man in the middle: once another machine holds the host's address and presents a key of its own
  (tests/lan/impostor.py), a client that pinned the host's key refuses it with PinMismatch naming
  both fingerprints, and never writes a byte to it; its websocket's reconnects refuse it too.

Skipped, with the reason, where the kernel refuses network namespaces.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.tls import fingerprint_groups
from tests.lan import capture
from tests.lan.machines import (
    CHROMIUM_ARGS,
    PORT,
    REPO,
    AgentProc,
    chromium_in,
    fingerprint,
    spki_list,
    start_host,
)
from tests.lan.netns import Lan, Machine, unavailable_reason

_reason = unavailable_reason() or (
    None if shutil.which("tcpdump") else "tcpdump is not installed (make test installs it)"
)
pytestmark = [pytest.mark.lan, pytest.mark.skipif(_reason is not None, reason=_reason or "")]

# A file big enough to take many TLS records and TCP segments.
FILE_BYTES = 48 * 1024


@contextlib.contextmanager
def tcpdump(machine: Machine, out: Path) -> Iterator[None]:
    """Capture every packet to and from the host's port on ``machine``'s interface."""
    proc = subprocess.Popen(
        machine.cmd(
            # --immediate-mode: each packet is handed over as it comes. Without it packets wait in
            # the kernel's ring for a block to fill or time out, and those still waiting at SIGINT
            # were lost: "133 packets received by filter, 0 packets captured".
            "tcpdump",
            "--immediate-mode",
            "-i",
            "eth0",
            "-U",
            "-s",
            "0",
            "-w",
            str(out),
            "tcp",
            "port",
            str(PORT),
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # "listening on eth0, …" once the capture runs
        assert "listening on eth0" in line, line
        yield
    finally:
        time.sleep(0.5)  # the last ACKs and closes
        proc.send_signal(signal.SIGINT)
        proc.wait(10)


def _chat(
    lan: Lan, agents: dict[str, AgentProc], url: str, fp: str | None, code: str
) -> dict[str, str]:
    """B and C join A's host with the code and chat, B sends a file that C fetches; returns the
    secrets that crossed the LAN (by name)."""
    marker = f"meet at the north gate {secrets.token_hex(8)}"
    file_marker = f"the vault combination is {secrets.token_hex(8)}"
    b, c = agents["b"], agents["c"]
    token_b = b.do("connect", url=url, auth={"name": "Bea", "code": code}, fingerprint=fp)["token"]
    token_c = c.do("connect", url=url, auth={"name": "Cy", "code": code}, fingerprint=fp)["token"]
    b.do("send", text=marker, client_id="b-1")
    content = (file_marker + "\n") * (FILE_BYTES // (len(file_marker) + 1))
    file = b.do("upload", name="plan.txt", content=content)["file"]
    b.do("send", text="", client_id="b-2", attachments=[file["id"]])
    held = c.do("messages", texts=[marker])
    assert marker in {m["text"] for m in held["messages"]}, held
    assert c.do("download", file_id=file["id"])["content"] == content
    c.do("send", text=f"got it, {marker}", client_id="c-1")
    b.do("messages", texts=[f"got it, {marker}"])
    return {
        "message text": marker,
        "file content": file_marker,
        "B's device token": token_b,
        "C's device token": token_c,
        "join code": code,
    }


@pytest.mark.parametrize("encrypted", [True, False], ids=["tls", "no-tls"])
def test_a_capture_of_a_chat_holds_no_text_token_or_code(
    lan: Lan, agents: dict[str, AgentProc], tmp_path: Path, encrypted: bool
) -> None:
    a = lan.machines["a"]
    code = f"{secrets.randbelow(10**8):08d}"
    host = start_host(
        lan, "a", tmp_path / "a", "Host A", *([] if encrypted else ["--no-tls"]), code=code
    )
    pcap = tmp_path / "chat.pcap"
    try:
        with tcpdump(a, pcap):
            if encrypted:
                said = _chat(lan, agents, f"https://{a.address}:{PORT}/", fingerprint(host), code)
            else:
                said = _chat(lan, agents, f"http://{a.address}:{PORT}/", None, code)
            for letter in "bc":
                agents[letter].close()
    finally:
        assert host.stop() == 0

    streams = capture.streams(pcap)
    to_host = [s for s in streams if s.dst == (a.address, PORT)]
    from_host = [s for s in streams if s.src == (a.address, PORT)]
    # Both machines talked to the host, and the file crossed the LAN both ways (up and down).
    assert {s.src[0] for s in to_host} == {lan.machines["b"].address, lan.machines["c"].address}
    assert sum(len(s.data()) for s in to_host) > FILE_BYTES
    assert sum(len(s.data()) for s in from_host) > FILE_BYTES
    readable = b"\n".join(capture.readable(s) for s in streams)
    found = {name for name, text in said.items() if text.encode() in readable}
    if encrypted:
        assert found == set(), f"readable on the LAN: {sorted(found)}"
        # Every connection from the LAN opened with a TLS handshake record (0x16, version 3.x).
        assert all(s.data()[:2] == b"\x16\x03" for s in to_host), [s.data()[:16] for s in to_host]
    else:
        # The same capture of a plain host reads everything: the check above can see.
        assert found == set(said), f"not found in the plain capture: {set(said) - found}"


def test_plain_http_from_another_machine_is_redirected_to_https(
    lan: Lan, agents: dict[str, AgentProc], tmp_path: Path, playwright: Any
) -> None:
    from playwright.sync_api import expect

    a = lan.machines["a"].address
    host = start_host(lan, "a", tmp_path / "a", "Host A")
    fp = fingerprint(host)
    b = agents["b"]
    try:
        # Raw bytes: the answer is a redirect to the same place over https and nothing else.
        raw = b.do(
            "plain_request",
            host=a,
            port=PORT,
            request=(
                f"GET /api/info?x=1 HTTP/1.1\r\nHost: {a}:{PORT}\r\n"
                "Authorization: Bearer not-a-real-token\r\n\r\n"
            ),
        )["answer"]
        head, _, body = raw.partition("\r\n\r\n")
        assert head.startswith("HTTP/1.1 308 "), raw
        assert f"\r\nLocation: https://{a}:{PORT}/api/info?x=1\r\n" in head + "\r\n", raw
        assert "Host A" not in raw and "fingerprint" not in raw  # no /api/info in the clear
        assert body == "This Parley host speaks https only on the LAN.\n"

        # A client that follows redirects ends up on https, pinned, at the host's own answer.
        followed = b.do("http", url=f"http://{a}:{PORT}/api/info", headers={}, fingerprint=fp)
        assert followed["status"] == 200 and followed["url"] == f"https://{a}:{PORT}/api/info"
        info = json.loads(followed["body"])
        assert info["tls"] is True and info["fingerprint"] == fp

        # A person types the address (the invite's, without https) into a browser: the page that
        # opens is the host's join screen over https, the invite's fragment kept.
        with contextlib.closing(
            playwright.chromium.launch(
                executable_path=chromium_in(lan.machines["c"], tmp_path),
                headless=True,
                args=[*CHROMIUM_ARGS, spki_list(tmp_path / "a")],
            )
        ) as browser:
            page = browser.new_page()
            page.goto(f"http://{a}:{PORT}/#code=31415926&fp={fp}")
            # The fragment came along: the join screen took the code from it (and then cleared
            # it from the address bar, as it does).
            expect(page.get_by_label("Join code")).to_have_value("31415926", timeout=20_000)
            expect(page.get_by_label("Your name")).to_be_visible()
            assert page.url.startswith(f"https://{a}:{PORT}/"), page.url
    finally:
        assert host.stop() == 0


class Impostor:
    """tests/lan/impostor.py on ``machine``: its fingerprint, and what each connection sent it."""

    def __init__(self, machine: Machine, folder: Path) -> None:
        folder.mkdir()
        self.proc = subprocess.Popen(
            machine.cmd(sys.executable, "-m", "tests.lan.impostor", str(PORT), str(folder)),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        assert first.startswith("listening "), first
        self.fingerprint = first.split()[1]
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def connections(self, at_least: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(got) < at_least and time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                got.append(self.lines.get(timeout=0.2))
        return got

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def _move_address(lan: Lan, address: str, src: str, dst: str) -> None:
    """``address`` leaves machine ``src`` for ``dst``; every machine forgets which link it was on
    (as ARP spoofing makes them believe the impostor's)."""
    for cmd in (
        ["ip", "-n", lan.machines[src].name, "addr", "del", f"{address}/24", "dev", "eth0"],
        ["ip", "-n", lan.machines[dst].name, "addr", "add", f"{address}/24", "dev", "eth0"],
        *(["ip", "-n", m.name, "neigh", "flush", "all"] for m in lan.machines.values()),
    ):
        subprocess.run(cmd, check=True, capture_output=True, timeout=20)


def test_a_man_in_the_middle_is_refused_by_the_pinned_client(
    lan: Lan, agents: dict[str, AgentProc], tmp_path: Path
) -> None:
    a = lan.machines["a"].address
    host = start_host(lan, "a", tmp_path / "a", "Host A")
    fp = fingerprint(host)
    b = agents["b"]
    impostor: Impostor | None = None
    moved = False
    try:
        # B joins A by its invite (the key pinned) and chats.
        b.do(
            "connect",
            url=f"https://{a}:{PORT}/",
            auth={"name": "Bea", "code": "31415926"},
            fingerprint=fp,
        )
        b.do("send", text="before the impostor", client_id="b-1")

        # D takes A's address and presents a key of its own on A's port.
        _move_address(lan, a, "a", "d")
        moved = True
        impostor = Impostor(lan.machines["d"], tmp_path / "impostor")
        # B's next write on its websocket reaches D, which knows no such connection (a reset):
        # B's client then reconnects, as after any dropped connection.
        b.do("emit", event="list_rooms", data={})
        assert impostor.fingerprint != fp
        both = (fingerprint_groups(fp), fingerprint_groups(impostor.fingerprint))

        # urllib through desktop/pinning.py: PinMismatch, naming the pinned key and the one met.
        refused = b.do("http", url=f"https://{a}:{PORT}/api/info", headers={}, fingerprint=fp)
        assert (refused["expected"], refused["presented"]) == (fp, impostor.fingerprint)
        assert all(groups in refused["mismatch"] for groups in both), refused
        # A bare pinned socket (what the websocket goes over): the same.
        bare = b.do("pinned_socket", host=a, port=PORT, fingerprint=fp)
        assert (bare["expected"], bare["presented"]) == (fp, impostor.fingerprint)
        # B's websocket lost A and keeps reconnecting, each time to the impostor: refused too.
        deadline = time.monotonic() + 20
        while not (failures := b.do("pin_failures")["mismatches"]):
            assert time.monotonic() < deadline, "the websocket never tried to reconnect"
            time.sleep(0.2)
        assert all(groups in failures[0] for groups in both), failures
        assert b.do("pin_failures")["welcomes"] == 1  # never welcomed by the impostor

        # The impostor completed every handshake and was told nothing at all.
        seen = impostor.connections(at_least=3)
        assert len(seen) >= 3 and all(c["peer"] == lan.machines["b"].address for c in seen), seen
        assert all(c["handshake"] and c["received"] == "" for c in seen), seen

        # Control: a client with no pin (first use) would have talked to it, token and all.
        b.do(
            "http",
            url=f"https://{a}:{PORT}/api/files/1",
            headers={"Authorization": "Bearer secret-device-token"},
        )
        told = [c for c in impostor.connections(at_least=1) if c["received"]]
        while not told:
            later = impostor.connections(at_least=1)
            assert later, "the first-use request never reached the impostor"
            told = [c for c in later if c["received"]]
        assert re.search(r"Authorization: Bearer secret-device-token", told[0]["received"]), told
    finally:
        b.close()
        if impostor is not None:
            impostor.stop()
        if moved:
            _move_address(lan, a, "d", "a")
        assert host.stop() == 0
