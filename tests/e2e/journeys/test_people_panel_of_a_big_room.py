"""The people panel of a big room (issue 17): on a host of more than 100 people a client hears the
presence only of the people it shows, so the panel names the rows in view to the host. A person
scrolls general's panel (230-odd people) with the mouse wheel to someone far down the list, past
the first 200 the UI named before, sees them offline, then sees their dot turn online when they
connect, and offline again when they leave, with the heading's "N online" true for the room.

One big host for the module (its people made once by hand-made websocket clients, tests/rawws.py);
each view's watcher joins it through the join screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import give_key
from tests.e2e.journeys.conftest import STEP_TIMEOUT_MS, Journey, View, audit, join_as, press
from tests.hostproc import HostProcess
from tests.rawws import raw_websocket, signed_in

# More than the first 200 people the panel's order used to name: the one far down is past them.
CROWD = 230
ENV = {"PARLEY_MAX_CONNECTIONS_PER_ADDRESS": "100000", "PARLEY_PRESENCE_BATCH_SECONDS": "0.2"}
ONLINE = re.compile(r"(^|\s)online(\s|$)")
OFFLINE = re.compile(r"(^|\s)offline(\s|$)")


class BigHost:
    def __init__(self, host: HostProcess, tokens: dict[str, str]) -> None:
        self.host = host
        self.url = host.url
        self.port = int(host.url.rstrip("/").rsplit(":", 1)[1])
        self.tokens = tokens

    def connect(self, name: str) -> Any:
        """The person's own device connects (a websocket, by its token): they are online."""
        s, rest, _ = raw_websocket(self.port)
        signed_in(s, rest, {"token": self.tokens[name]})
        return s


@pytest.fixture(scope="module")
def big(
    tmp_path_factory: pytest.TempPathFactory, e2e_tls_key: tuple[Path, str]
) -> Iterator[BigHost]:
    data = tmp_path_factory.mktemp("big-room") / "data"
    give_key(data, e2e_tls_key[0])
    host = HostProcess(data, "--open", env=ENV)
    port = int(host.url.rstrip("/").rsplit(":", 1)[1])
    tokens = {}
    names = ["Aaron Near", *(f"Member {i:03d}" for i in range(CROWD)), "Zz Far"]
    for name in names:  # each joins once and goes: the host knows them, offline
        s, rest, _ = raw_websocket(port)
        _rest, welcome = signed_in(s, rest, {"name": name})
        tokens[name] = welcome["token"]
        s.close()
    yield BigHost(host, tokens)
    host.stop()


def test_people_panel_of_a_big_room(
    big: BigHost, people: Any, journey: Journey, view: View
) -> None:
    near = big.connect("Aaron Near")  # online, at the top of the list
    try:
        page = people()
        join_as(page, big.url, f"Watcher {view.name}", code=None)
        if view.phone:
            press(page.get_by_role("button", name="People"))
        panel = page.get_by_role("complementary", name="People in this room")
        heading = panel.get_by_role("heading", name=re.compile("People"))
        # The watcher and Aaron: the host's count, though this page hears of few of the people.
        expect(heading).to_have_text("People 2 online", timeout=STEP_TIMEOUT_MS)
        top = panel.get_by_role("listitem").filter(has_text="Aaron Near")
        expect(top).to_have_class(ONLINE)
        journey.shot(page, "the top of general's people")

        # A flick of the mouse wheel over the panel, to the bottom of the list.
        box = panel.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, 100_000)
        far = panel.get_by_role("listitem").filter(has_text="Zz Far")
        expect(far).to_be_in_viewport(timeout=STEP_TIMEOUT_MS)
        expect(far).to_have_class(OFFLINE)
        expect(far).to_contain_text("offline")
        journey.shot(page, "far down the list offline")

        device = big.connect("Zz Far")
        try:
            expect(far).to_have_class(ONLINE, timeout=STEP_TIMEOUT_MS)
            expect(heading).to_have_text("People 3 online", timeout=STEP_TIMEOUT_MS)
            journey.shot(page, "far down the list online")
            audit(page)
        finally:
            device.close()
        expect(far).to_have_class(OFFLINE, timeout=STEP_TIMEOUT_MS)
        expect(heading).to_have_text("People 2 online", timeout=STEP_TIMEOUT_MS)
        journey.shot(page, "gone again")
    finally:
        near.close()
