"""The virtual LAN and its agents; the desktop tests' X server and UI, for the window that runs
inside a namespace (test_lan.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.desktop.conftest import ui_dist, xvfb  # noqa: F401  (fixtures: pytest finds them by name)
from tests.lan.machines import AgentProc
from tests.lan.netns import Lan


@pytest.fixture(scope="module")
def lan() -> Iterator[Lan]:
    net = Lan(tag=f"{os.getpid() % 10000}").up("abcd")
    try:
        yield net
    finally:
        net.down()


@pytest.fixture
def agents(lan: Lan) -> Iterator[dict[str, AgentProc]]:
    started: dict[str, AgentProc] = {}

    class Agents(dict):  # type: ignore[type-arg]
        def __missing__(self, letter: str) -> AgentProc:
            started[letter] = self[letter] = AgentProc(lan.machines[letter])
            return started[letter]

    yield Agents()
    for agent in started.values():
        agent.close()
