"""Look-alike names, from outside (the hostile-peer issue, item 7): names that only look like one
already here, or hide invisible characters, are refused; and no guest takes the host's name before
the host's own window connects."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.adversarial.conftest import JOIN_CODE, Target, start_target
from tests.rawws import masked, read_frame

pytestmark = pytest.mark.integration

# The five "carol"s: the first is carol; the others only look like her.
CAROLS = ["carol", "cаrol", "carol\u034f", "carol\u2800", "carol\u3164"]
# How long the host gets to print a line it prints right after its banner (a bound, not a measure).
BANNER_WAIT_S = 30.0
# `python -m backend ARGS`, also printing the one-time URL of the host's own window: the desktop app
# hands it to its window; a headless host keeps it to itself. argv: -c, python, -m, backend, ARGS.
SHOW_OWNER_URL = (
    "import sys\n"
    "from backend import __main__ as host\n"
    "banner = host.banner\n"
    "host.banner = lambda handle: banner(handle) + '\\nOwner window: ' + handle.owner_url\n"
    "sys.exit(host.main(sys.argv[4:]))\n"
)


def _join(target: Target, name: str, source: str | None = None) -> tuple[str, Any]:
    """("welcome", payload) or ("refused", the refusal's code)."""
    kind, answer = target.raw_connect({"name": name, "code": JOIN_CODE}, source)
    return (kind, answer) if kind == "welcome" else (kind, answer["data"]["code"])


def _people(target: Target) -> list[str]:
    """Everyone in the people list, as a client that signs in now sees it."""
    kind, welcome = target.raw_connect({"token": target.token})
    assert kind == "welcome"
    return [user["name"] for user in welcome["users"]]


def test_five_carols_are_one_person(target: Target) -> None:
    before = _people(target)
    kind, welcome = _join(target, CAROLS[0])
    assert kind == "welcome" and welcome["user"]["name"] == "carol"
    answers = [_join(target, name, f"127.0.0.{n + 50}") for n, name in enumerate(CAROLS[1:])]
    assert answers == [("refused", "name_taken")] * 4
    assert sorted(_people(target)) == sorted([*before, "carol"])
    target.assert_unharmed()


def test_more_look_alikes_and_invisible_names_are_refused(target: Target) -> None:
    before = _people(target)
    kind, _ = _join(target, "Dave")
    assert kind == "welcome"
    for name in ("DAVE", "ｄａｖｅ", "Dаve", "Dave\u200b", "\u2800Dave", "Dave\ufe0f"):
        assert _join(target, name) == ("refused", "name_taken"), name
    for name in ("\u3164", "\u115f\u1160", "\u2800", "Eve\u034f", "Eve\u2800", "..."):
        assert _join(target, name) == ("refused", "invalid"), name
    assert sorted(_people(target)) == sorted([*before, "Dave"])
    target.assert_unharmed()


def test_look_alikes_joining_at_once_make_one_person(target: Target) -> None:
    before = _people(target)
    names = ["Mallory", "MALLORY", "Mаllory", "Ma1lory", "Mal1ory", "mallory"]  # all alike
    sockets = [target.raw(source=f"127.0.0.{n + 70}") for n in range(len(names))]
    for (s, _), name in zip(sockets, names, strict=True):  # every join is in before any answer
        s.sendall(masked(0x1, ("40" + json.dumps({"name": name, "code": JOIN_CODE})).encode()))
    answers = []
    for s, rest in sockets:
        with s:
            for _ in range(20):
                _opcode, payload, rest = read_frame(s, rest)
                if payload.startswith(b"44"):
                    answers.append(json.loads(payload[2:])["data"]["code"])
                    break
                if payload.startswith(b'42["welcome"'):
                    answers.append("welcome")
                    break
    assert sorted(answers) == ["name_taken"] * 5 + ["welcome"]
    (added,) = set(_people(target)) - set(before)  # one of them, whichever came first
    assert added in names
    target.assert_unharmed()


def _owner_url(host: Target) -> str:
    deadline = time.monotonic() + BANNER_WAIT_S
    while time.monotonic() < deadline:
        for line in list(host.process.output):
            if line.startswith("Owner window: "):
                return line.split(": ", 1)[1].strip()
        time.sleep(0.05)
    raise AssertionError(f"no owner URL:\n{host.log()}")


def test_no_guest_takes_the_hosts_name_before_its_window_connects(tmp_path: Path) -> None:
    # The host person's own name (issue 15: the OS account's, here given) is kept for them, not
    # the machine's.
    host = start_target(
        tmp_path / "data",
        "--name",
        "Kitchen box",
        prefix=[sys.executable, "-c", SHOW_OWNER_URL],
        env={"PARLEY_PERSON_NAME": "vm"},
    )
    try:
        for name in ("vm", "VM", "vm\u034f", "\u0475m"):  # U+0475: a Cyrillic izhitsa
            assert _join(host, name) == ("refused", "name_taken"), name
        kind, _ = _join(host, "Ana")
        assert kind == "welcome"  # anyone else joins as usual
        assert _join(host, "Kitchen box")[0] == "welcome"  # the machine is not the person
        key = _owner_url(host).split("#owner=", 1)[1]
        kind, window = host.raw_connect({"owner_key": key})
        assert kind == "welcome"
        assert (window["user"]["name"], window["user"]["is_host"]) == ("vm", True)  # not "vm 2"
        assert _join(host, "vm") == ("refused", "name_taken")  # the host user has it now
        assert sorted(_people(host)) == ["Ana", "Keeper", "Kitchen box", "vm"]
        host.assert_unharmed()
    finally:
        status = host.process.stop()
    assert status == 0, host.log()[-3000:]
