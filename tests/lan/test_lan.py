"""LAN chat between "machines": network namespaces on one bridge, discovery on inside them only.

A runs the headless host (mDNS on); B finds it with zeroconf and joins over a websocket (wss, the
host's key pinned to the fingerprint its banner shows); C joins from headless chromium over https
(the browser told to accept exactly that host's key: what accepting its one-time warning amounts
to); all three chat. A is SIGKILLed and restarted; B and C reconnect and resync. A
second host D comes and goes in B's list, and in the start screen A's page shows (the list A's own
mDNS browser keeps), in a browser and in the desktop window on A. Foreign Host/Origin headers from
another machine are refused. Skipped, with the reason, where the kernel refuses network namespaces.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.desktop.conftest import (
    SOURCE_CMD,
    STANDIN_UI,
    App,
    app_env,
    screenshot_colors,
    xdotool,
)
from tests.lan.machines import (
    CHROMIUM_ARGS,
    CODE,
    PORT,
    REPO,
    AgentProc,
    chromium_in,
    fingerprint,
    spki_list,
    start_host,
)
from tests.lan.netns import Lan, unavailable_reason

ARTIFACTS = REPO / "test-artifacts"
# Discovery should list a host within about 2 s; the assertion leaves room for a loaded CI box.
FIND_WITHIN = 5.0

_reason = unavailable_reason()
pytestmark = [pytest.mark.lan, pytest.mark.skipif(_reason is not None, reason=_reason or "")]


def test_find_join_chat_and_survive_a_host_crash(
    lan: Lan, agents: dict[str, AgentProc], tmp_path: Path, playwright: Any
) -> None:
    from playwright.sync_api import expect

    a_addr = lan.machines["a"].address
    data = tmp_path / "a-data"
    host = start_host(lan, "a", data, "Host A")
    fp = fingerprint(host)
    try:
        # B finds A through zeroconf, within a bound time, with its LAN address.
        found = agents["b"].do("browse", wait_for=["Host A"], timeout=FIND_WITHIN)
        assert found["seconds"] is not None, found
        [entry] = [h for h in found["hosts"] if h["name"] == "Host A"]
        assert entry["addresses"] == [a_addr] and entry["needs_code"] is True
        # An https URL, and the key's fingerprint as a first-use hint (the one A's screen shows).
        url = entry["urls"][0]
        assert url == f"https://{a_addr}:{PORT}/" and entry["fingerprint"] == fp, entry
        print(f"B found A in {found['seconds']:.2f} s")

        # B joins with the code over wss, pinned; A's own machine joins over plain loopback.
        agents["b"].do("connect", url=url, auth={"name": "Bea", "code": CODE}, fingerprint=fp)
        agents["a"].do(
            "connect", url=f"http://127.0.0.1:{PORT}/", auth={"name": "Ana", "code": CODE}
        )

        with contextlib.closing(
            playwright.chromium.launch(
                executable_path=chromium_in(lan.machines["c"], tmp_path),
                headless=True,
                args=[*CHROMIUM_ARGS, spki_list(data)],
            )
        ) as browser:
            page = browser.new_page()
            page.goto(url)
            page.get_by_label("Your name").fill("Cleo")
            page.get_by_label("Join code").fill(CODE)
            page.get_by_role("button", name="Join").click()
            box = page.get_by_role("textbox", name="Message")
            expect(box).to_be_visible(timeout=20_000)
            log = page.get_by_role("log")

            def item(text: str) -> Any:
                return log.get_by_role("listitem").filter(has_text=text)

            # The three chat both ways.
            agents["b"].do("send", text="hello from B", client_id="b-1")
            agents["a"].do("send", text="hello from A", client_id="a-1")
            box.fill("hello from C")
            box.press("Enter")
            for text in ("hello from B", "hello from A", "hello from C"):
                expect(item(text)).to_have_count(1, timeout=15_000)
            for letter in "ab":
                held = agents[letter].do(
                    "messages", texts=["hello from A", "hello from B", "hello from C"]
                )
                assert {m["text"] for m in held["messages"]} >= {
                    "hello from A",
                    "hello from B",
                    "hello from C",
                }

            # A crashes (SIGKILL) and comes back on the same data dir and port.
            agents["b"].do("send", text="acked before the crash", client_id="b-2")
            host.kill()
            host = start_host(lan, "a", data, "Host A")
            # The same key after the restart: the pins B and C hold still fit (B reconnects
            # pinned to it below, C's page to the same host).
            assert fingerprint(host) == fp
            for letter in "ab":
                assert agents[letter].do("wait_welcomes", count=2)["welcomes"] == 2
            agents["a"].do("send", text="A after the restart", client_id="a-2")
            agents["b"].do("send", text="B after the restart", client_id="b-3")
            box.fill("C after the restart")
            box.press("Enter")

            everything = [
                "hello from A",
                "hello from B",
                "hello from C",
                "acked before the crash",
                "A after the restart",
                "B after the restart",
                "C after the restart",
            ]
            for text in everything:  # nothing lost, nothing doubled, in the browser
                expect(item(text)).to_have_count(1, timeout=20_000)
            for letter in "ab":  # ... and in both python clients
                held = agents[letter].do("messages", texts=everything, timeout=20)
                texts = [m["text"] for m in held["messages"]]
                assert sorted(texts) == sorted(everything), (letter, texts)
                assert len(held["deliveries"]) == len(set(held["deliveries"])), held["deliveries"]
    finally:
        assert host.stop() == 0


def test_a_second_host_appears_and_disappears(
    lan: Lan, agents: dict[str, AgentProc], tmp_path: Path
) -> None:
    host_a = start_host(lan, "a", tmp_path / "a", "Host A")
    fp_a = fingerprint(host_a)
    # C is a client of A: it hears about D through A (hosts_changed), as a browser guest would.
    agents["c"].do(
        "connect",
        url=f"https://{lan.machines['a'].address}:{PORT}/",
        auth={"name": "Cy", "code": CODE},
        fingerprint=fp_a,
    )
    host_d = start_host(lan, "d", tmp_path / "d", "Host D")
    fp_d = fingerprint(host_d)
    try:
        both = agents["b"].do("browse", wait_for=["Host A", "Host D"], timeout=FIND_WITHIN)
        assert both["seconds"] is not None, both
        assert {h["name"]: h["addresses"] for h in both["hosts"]} == {
            "Host A": [lan.machines["a"].address],
            "Host D": [lan.machines["d"].address],
        }
        # A host lists the others it sees, for browser guests that cannot do mDNS.
        listed = agents["b"].do(
            "http",
            url=f"https://{lan.machines['a'].address}:{PORT}/api/hosts",
            headers={},
            fingerprint=fp_a,
        )
        [d] = json.loads(listed["body"])["hosts"]
        assert d["name"] == "Host D" and d["fingerprint"] == fp_d
        assert d["urls"] == [f"https://{lan.machines['d'].address}:{PORT}/"]
        assert "timeout" not in agents["c"].do("hosts_changed", names=["Host D"])

        assert host_d.stop() == 0  # a clean stop withdraws the announcement
        gone = agents["b"].do("browse", wait_for=["Host A"], absent=["Host D"], timeout=FIND_WITHIN)
        assert gone["seconds"] is not None, gone
        assert "timeout" not in agents["c"].do("hosts_changed", names=[])
    finally:
        host_d.stop()
        assert host_a.stop() == 0


def test_start_screen_lists_what_its_host_finds_and_joins_one(
    lan: Lan, tmp_path: Path, playwright: Any
) -> None:
    """The start screen asks its own host (GET /api/hosts), whose mDNS browser found the others:
    from a browser on C, A's start screen lists D (never A itself), joins D, and drops D once D
    stops. Nobody signs in, so no socket brings hosts_changed: the page keeps asking."""
    from playwright.sync_api import expect

    a_url = f"https://{lan.machines['a'].address}:{PORT}/"
    d_url = f"https://{lan.machines['d'].address}:{PORT}/"
    host_a = start_host(lan, "a", tmp_path / "a", "Host A")
    host_d = start_host(lan, "d", tmp_path / "d", "Host D")
    try:
        with contextlib.closing(
            playwright.chromium.launch(
                executable_path=chromium_in(lan.machines["c"], tmp_path),
                headless=True,
                # Both hosts' warnings accepted, as a person joining one, then the other, would.
                args=[*CHROMIUM_ARGS, spki_list(tmp_path / "a", tmp_path / "d")],
            )
        ) as browser:
            page = browser.new_page()
            page.goto(a_url + "#join")
            listed = page.get_by_role("list", name="Hosts nearby")
            entry = listed.get_by_role("listitem").filter(has_text="Host D")
            expect(entry).to_be_visible(timeout=FIND_WITHIN * 1000)
            expect(entry).to_contain_text(f"{lan.machines['d'].address} · join code needed")
            expect(listed.get_by_role("listitem")).to_have_count(1)  # A leaves itself out
            # Once the page knows it is no Parley window, it says whose list this is.
            expect(page.get_by_text(f"Found by the host at {a_url.rstrip('/')}.")).to_be_visible(
                timeout=20_000
            )
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / "lan-start-screen-browser.png")

            # A plain browser goes to the host's address (the window would try each in turn).
            page.get_by_role("button", name="Join Host D").click()
            expect(page).to_have_url(d_url, timeout=20_000)
            expect(page.get_by_text("Join Host D")).to_be_visible()

            page.goto(a_url + "#join")
            expect(entry).to_be_visible(timeout=FIND_WITHIN * 1000)
            assert host_d.stop() == 0  # a clean stop withdraws the announcement
            expect(entry).to_have_count(0, timeout=FIND_WITHIN * 1000)
            expect(page.get_by_role("status")).to_have_text(
                "Looking for hosts nearby… none found yet."
            )
    finally:
        host_d.stop()
        assert host_a.stop() == 0


def test_window_start_screen_lists_what_its_host_finds_and_joins_one(
    lan: Lan, agents: dict[str, AgentProc], tmp_path: Path, xvfb: str, ui_dist: Path
) -> None:
    """The desktop app on A (discovery on, as for real users) under Xvfb: its window's start screen
    shows D from the list A's host keeps (the desktop runs no mDNS browser of its own), and
    joining it from there goes through join_host to D's page."""
    if ui_dist == STANDIN_UI:
        pytest.skip("the start screen is in the real UI: run `make ui` first")
    d_url = f"https://{lan.machines['d'].address}:{PORT}/"
    host_d = start_host(lan, "d", tmp_path / "d", "Host D")
    app = App(
        lan.machines["a"].cmd(*SOURCE_CMD),
        tmp_path / "a",
        app_env(xvfb, ui_dist),
        "--start-screen",
        "--name",
        "Host A",
        host="0.0.0.0",
        port=PORT,
        discovery=True,
    )
    try:
        wid = app.window_id(xvfb)
        deadline = time.monotonic() + FIND_WITHIN
        while True:
            listed = agents["a"].do("http", url=f"http://127.0.0.1:{PORT}/api/hosts", headers={})
            names = [h["name"] for h in json.loads(listed["body"])["hosts"]]
            if names == ["Host D"]:
                break
            assert time.monotonic() < deadline, f"A's host never listed D: {names}\n{app.output}"
            time.sleep(0.1)
        # The owner is signed in under the start screen, so the page has D by push within
        # milliseconds; a second covers painting it.
        time.sleep(1.0)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "desktop-lan-start-screen.png"
        assert screenshot_colors(xvfb, shot) > 20, f"the window is blank, see {shot}"

        # The address field has focus; the one host's Join button comes just before it.
        for keys in (["windowfocus", "--sync", str(wid)], ["key", "shift+Tab"], ["key", "Return"]):
            xdotool(xvfb, *keys)
        app.wait_for(rf"join ({re.escape(d_url)}): ok", timeout=30)
        # D's page is in the window now: its UI asked the bridge, which refuses other hosts.
        app.wait_for(rf"refused for page ({re.escape(d_url)})", timeout=30)

        app.close_window(xvfb)
        assert app.wait() == 0, app.output
    finally:
        app.stop()
        assert host_d.stop() == 0


def test_foreign_host_and_origin_from_another_machine_are_refused(
    lan: Lan, agents: dict[str, AgentProc], tmp_path: Path
) -> None:
    host = start_host(lan, "a", tmp_path / "a", "Host A")
    base = f"https://{lan.machines['a'].address}:{PORT}"
    handshake = f"{base}/socket.io/?EIO=4&transport=polling"
    b = agents["b"]

    def http(url: str, **headers: str) -> dict[str, Any]:
        return b.do("http", url=url, headers=headers, fingerprint=fingerprint(host))

    try:
        assert http(f"{base}/healthz")["status"] == 200
        assert http(f"{base}/healthz", Host="evil.example")["status"] == 421
        assert http(handshake, Host=f"evil.example:{PORT}")["status"] == 421
        evil = http(handshake, Origin="https://evil.example")
        assert evil["status"] == 400 and "Not an accepted origin" in evil["body"]
        # The same host's address over plain http is another origin (a page from it could only
        # have come through the redirect, which a person's browser follows to https).
        plain = http(handshake, Origin=f"http://{lan.machines['a'].address}:{PORT}")
        assert plain["status"] == 400 and "Not an accepted origin" in plain["body"]
        own = http(handshake, Origin=base)
        # The origin passes; the handshake is then refused only for its transport (websocket
        # only: backend/app.py). The agent's chat below comes in over the websocket from here.
        assert own["status"] == 400 and "Invalid transport" in own["body"]
        for _ in range(50):  # registering probes the name first (~1 s)
            check = json.loads(http(f"{base}/api/selfcheck")["body"])
            if check["advertising"]:
                break
            time.sleep(0.1)
        assert check["advertising"] and check["advertised_on"] == [lan.machines["a"].address]
        assert check["addresses"] == [{"url": f"{base}/", "answers": True}]
    finally:
        assert host.stop() == 0
