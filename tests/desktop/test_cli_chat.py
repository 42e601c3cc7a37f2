"""``parley join/send/tail/upload/download/search``: the command-line client against a real host
on a real port, each command a ``python -m desktop`` child process, other people real Socket.IO
clients (tests/peers.py)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import queue
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backend import ServerHandle, Settings, start_server
from desktop.cli import logins
from tests.conftest import JOIN_CODE
from tests.hostproc import HostProcess
from tests.peers import Peer

REPO = Path(__file__).resolve().parents[2]
SOURCE = [sys.executable, "-m", "desktop"]
RUN_TIMEOUT = 30.0
LINE_TIMEOUT = 10.0


def _env(config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env["PARLEY_CONFIG_DIR"] = str(config)
    return env


class Cli:
    """``parley …`` with its own config dir (the saved logins of one person)."""

    def __init__(self, config: Path, cmd: list[str] | None = None) -> None:
        self.config = config
        self.cmd = cmd or SOURCE

    def __call__(
        self, *args: str, stdin: str | None = None, cwd: Path = REPO
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.cmd, *args],
            cwd=cwd,
            env=_env(self.config),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )

    def ok(self, *args: str, stdin: str | None = None) -> str:
        done = self(*args, stdin=stdin)
        assert done.returncode == 0, (done.returncode, done.stdout, done.stderr)
        assert done.stderr == ""
        return done.stdout

    def start(self, *args: str) -> Following:
        return Following(
            subprocess.Popen(
                [*self.cmd, *args],
                cwd=REPO,
                env=_env(self.config),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )


class Following:
    """A running ``parley tail --follow``: its stdout lines, read with a bound on every wait."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def line(self, timeout: float = LINE_TIMEOUT) -> dict[str, Any]:
        try:
            return json.loads(self.lines.get(timeout=timeout))  # type: ignore[no-any-return]
        except queue.Empty:
            self.kill()
            assert self.proc.stderr is not None
            err = self.proc.stderr.read()
            raise AssertionError(f"no line within {timeout} s; stderr: {err}") from None

    def quiet(self, within: float = 0.5) -> bool:
        try:
            extra = self.lines.get(timeout=within)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected line: {extra}")

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        self.proc.send_signal(sig)
        code = self.proc.wait(LINE_TIMEOUT)
        assert self.proc.stderr is not None
        return code, self.proc.stderr.read()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "config")


@pytest.fixture
def joined(cli: Cli, live_server: ServerHandle) -> Cli:
    """``cli`` after ``parley join <invite link> --name alice``."""
    cli.ok("join", f"{live_server.url}#code={JOIN_CODE}", "--name", "alice")
    return cli


@pytest.fixture
def follows() -> Iterator[Callable[[Following], Following]]:
    started: list[Following] = []
    yield lambda f: started.append(f) or f
    for f in started:
        f.kill()


def _info(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url + "api/info", timeout=10) as resp:
        return json.loads(resp.read())  # type: ignore[no-any-return]


def test_join_with_an_invite_link_saves_a_private_login(
    cli: Cli, live_server: ServerHandle
) -> None:
    out = cli.ok("join", f"{live_server.url}#code={JOIN_CODE}", "--name", "alice", "--json")
    joined = json.loads(out)
    host_id = _info(live_server.url)["host_id"]
    assert joined["host_id"] == host_id
    assert joined["user"]["name"] == "alice"
    assert joined["reused"] is False

    path = cli.config / "logins.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.config.stat().st_mode) == 0o700
    saved = json.loads(path.read_text())
    assert saved["default"] == host_id
    token = saved["hosts"][host_id]["token"]
    # The saved token signs in as alice (a real client, as the host sees it).
    peer = Peer(live_server.url, {"token": token})
    assert peer.user["name"] == "alice"
    peer.close()
    # The export command's way in: a URL → the saved token, by address or by the host's id.
    assert logins.token_for_url(live_server.url, cli.config) == token
    other_address = live_server.url.replace("127.0.0.1", "localhost")
    assert logins.token_for_url(other_address, cli.config) == token

    again = json.loads(cli.ok("join", live_server.url, "--json"))  # no code, no name: saved
    assert again["reused"] is True and again["user"] == joined["user"]


def test_send_reaches_another_client_and_tail_shows_it(
    joined: Cli, connect: Callable[..., Peer]
) -> None:
    bob = connect("bob")
    message_id = int(joined.ok("send", "general", "hello from the shell"))
    got = bob.expect("message_created")
    assert (got["id"], got["text"], got["author"]["name"]) == (
        message_id,
        "hello from the shell",
        "alice",
    )

    stored = json.loads(joined.ok("send", "#general", "-", "--json", stdin="line one\nline two\n"))
    assert stored["text"] == "line one\nline two"
    assert bob.expect("message_created")["id"] == stored["id"]

    shown = joined.ok("tail", "general", "-n", "2")
    assert "alice: hello from the shell" in shown
    assert shown.index("hello from the shell") < shown.index("line one")
    by_id = joined.ok("tail", str(stored["room_id"]), "-n", "1", "--json")  # a room by its id
    lines = [json.loads(x) for x in by_id.splitlines()]
    assert [m["id"] for m in lines] == [stored["id"]]


def test_a_bot_signs_in_with_its_token_from_stdin_and_posts_as_itself(
    cli: Cli, live_server: ServerHandle, connect: Callable[..., Peer]
) -> None:
    host = connect(owner_key=live_server.owner_url.split("#owner=")[1])
    made = host.call("create_bot", {"name": "Deploy bot", "avatar": "🚀"})
    assert made["ok"], made
    bob = connect("bob")

    out = json.loads(cli.ok("join", live_server.url, "--token", "-", "--json", stdin=made["token"]))
    assert out["user"] == {"id": made["bot"]["id"], "name": "Deploy bot"}
    sent = json.loads(cli.ok("send", "general", "build 42 passed", "--json"))
    got = bob.expect("message_created")
    assert got["id"] == sent["id"] and got["author"]["bot"] is True

    wrong = cli("join", live_server.url, "--token", "-", stdin="not-a-token\n")
    assert wrong.returncode == 1 and "bad_token" in wrong.stderr
    both = cli("join", live_server.url, "--token", "-", "--name", "x", stdin=made["token"])
    assert both.returncode == 2


def test_tail_follow_prints_what_others_send_then_exits_0_on_sigterm(
    joined: Cli, connect: Callable[..., Peer], follows: Callable[[Following], Following]
) -> None:
    bob = connect("bob")
    room = bob.room_id("general")
    first = bob.send(room, "before", "c-0")
    tail = follows(joined.start("tail", "general", "-n", "1", "--follow", "--json"))
    assert tail.line()["id"] == first["id"]  # the last message, then it follows

    sent = [bob.send(room, f"live {i}", f"c-{i}")["id"] for i in range(1, 6)]
    assert [tail.line()["id"] for _ in sent] == sent
    assert tail.quiet()
    code, err = tail.stop(signal.SIGTERM)
    assert (code, err) == (0, "")


def test_tail_follow_resumes_across_a_host_restart_without_gaps_or_doubles(
    tmp_path: Path, cli: Cli, follows: Callable[[Following], Following]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp_path / "host"
    host = HostProcess(data, "--join-code", JOIN_CODE, port=port)
    try:
        cli.ok("join", f"{host.url}#code={JOIN_CODE}", "--name", "alice")
        bob = Peer(host.url, {"name": "bob", "code": JOIN_CODE})
        room = bob.room_id("general")
        ids = [bob.send(room, "one", "r-1")["id"]]
        tail = follows(cli.start("tail", "general", "-n", "5", "--follow", "--json"))
        assert tail.line()["id"] == ids[0]
        ids.append(bob.send(room, "two", "r-2")["id"])
        assert tail.line()["id"] == ids[1]
        bob.close()

        assert host.stop() == 0
        host = HostProcess(data, "--join-code", JOIN_CODE, port=port)
        bob = Peer(host.url, {"token": bob.token})
        # Sent while the tail may still be away: it must fetch these once it is back.
        ids += [bob.send(room, f"after {i}", f"r-{i + 3}")["id"] for i in range(3)]
        got = [tail.line(timeout=20)["id"] for _ in range(3)]
        ids.append(bob.send(room, "live again", "r-9")["id"])
        got.append(tail.line()["id"])
        assert got == ids[2:]
        assert tail.quiet()
        bob.close()
        code, err = tail.stop(signal.SIGINT)
        assert code == 0
        assert "reconnecting" in err
    finally:
        host.stop()


def test_upload_then_download_is_byte_for_byte(
    joined: Cli, connect: Callable[..., Peer], tmp_path: Path
) -> None:
    bob = connect("bob")
    payload = os.urandom(300_000) + b"\x00end"
    src = tmp_path / "report.bin"
    src.write_bytes(payload)
    message = json.loads(
        joined.ok("upload", "general", str(src), "--caption", "the report", "--json")
    )
    (attachment,) = message["attachments"]
    assert attachment["size"] == len(payload)
    seen = bob.expect("message_created")
    assert seen["id"] == message["id"] and seen["text"] == "the report"
    assert seen["attachments"][0]["id"] == attachment["id"]

    out_dir = tmp_path / "downloads"
    out_dir.mkdir()
    got = json.loads(joined.ok("download", str(attachment["id"]), "-o", str(out_dir), "--json"))
    assert got["path"] == str(out_dir / "report.bin")
    assert (out_dir / "report.bin").read_bytes() == payload
    assert got["sha256"] == attachment["sha256"]

    missing = joined("download", "999999", "-o", str(out_dir))
    assert missing.returncode == 1 and "not_found" in missing.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["report.bin"]  # no partial file
    nowhere = joined("download", str(attachment["id"]), "-o", str(tmp_path / "no" / "such"))
    assert nowhere.returncode == 1 and "cannot write in" in nowhere.stderr


def test_upload_continues_from_the_hosts_offset(
    joined: Cli, live_server: ServerHandle, tmp_path: Path
) -> None:
    """An upload that broke off (here: its first chunk sent by hand) is finished, not restarted."""
    token = logins.token_for_url(live_server.url, joined.config)
    payload = os.urandom(9 << 20)  # two chunks of the host's 8 MiB
    src = tmp_path / "big.bin"
    src.write_bytes(payload)
    rooms = [json.loads(line) for line in joined.ok("rooms", "--json").splitlines()]
    general = next(r["id"] for r in rooms if r["name"] == "general")
    announce = {"room_id": general, "name": "big.bin", "size": len(payload)}
    announce["sha256"] = hashlib.sha256(payload).hexdigest()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    req = urllib.request.Request(
        live_server.url + "api/uploads", json.dumps(announce).encode(), headers, method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        upload = json.loads(resp.read())
    chunk = upload["chunk_size"]
    req = urllib.request.Request(
        f"{live_server.url}api/uploads/{upload['upload_id']}",
        payload[:chunk],
        {"Authorization": f"Bearer {token}", "Upload-Offset": "0"},
        method="PUT",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert json.loads(resp.read())["offset"] == chunk

    message = json.loads(joined.ok("upload", "general", str(src), "--json"))
    (attachment,) = message["attachments"]
    assert attachment["sha256"] == announce["sha256"]
    out = tmp_path / "copy.bin"
    joined.ok("download", str(attachment["id"]), "-o", str(out))
    assert out.read_bytes() == payload


def test_search_finds_a_sent_message(joined: Cli, connect: Callable[..., Peer]) -> None:
    bob = connect("bob")
    room = bob.room_id("general")
    bob.send(room, "the quarterly numbers are in", "s-1")
    bob.send(room, "lunch at noon", "s-2")
    found = [json.loads(x) for x in joined.ok("search", "quarter", "--json").splitlines()]
    assert [m["text"] for m in found] == ["the quarterly numbers are in"]
    assert "bob: the quarterly numbers are in" in joined.ok(
        "search", "quarterly", "--room", "general"
    )


def test_a_wrong_code_is_refused_with_the_hosts_reason(cli: Cli, live_server: ServerHandle) -> None:
    done = cli("join", f"{live_server.url}#code=99999999", "--name", "mallory")
    assert done.returncode == 1
    assert done.stderr.startswith("parley join: ") and "(bad_code)" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (cli.config / "logins.json").exists()


def test_unknown_room_and_not_a_member_fail_with_exit_1(
    joined: Cli, connect: Callable[..., Peer]
) -> None:
    unknown = joined("send", "no-such-room", "hi")
    assert unknown.returncode == 1 and "no room 'no-such-room'" in unknown.stderr

    bob = connect("bob")
    assert bob.call("create_room", {"name": "private"})["ok"]
    refused = joined("send", "private", "let me in")
    assert refused.returncode == 1 and "(forbidden)" in refused.stderr
    assert bob.received("message_created") == []


def test_a_rate_limited_send_says_when_to_try_again(cli: Cli, settings: Settings) -> None:
    handle = start_server(dataclasses.replace(settings, port=0, send_burst=1, send_rate=0.01))
    try:
        cli.ok("join", f"{handle.url}#code={JOIN_CODE}", "--name", "alice")
        # Buckets start full when a user comes online: alice stays online on another device
        # (a `tail --follow` would do) so the two sends share one bucket.
        other_device = Peer(handle.url, {"token": logins.token_for_url(handle.url, cli.config)})
        cli.ok("send", "general", "one")
        refused = cli("send", "general", "two")
        assert refused.returncode == 1
        assert "(rate_limited; retry after" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
        other_device.close()
    finally:
        handle.stop()


def test_bad_arguments_are_usage_errors(cli: Cli) -> None:
    for args in (
        ["send"],
        ["tail", "general", "-n", "x"],
        ["download", "abc"],
        ["join", "x", "--bad"],
    ):
        done = cli(*args)
        assert done.returncode == 2, args
        assert "usage: parley " in done.stderr


def test_no_saved_login_and_an_unreachable_host_fail_fast(cli: Cli) -> None:
    nobody = cli("send", "general", "hi")
    assert nobody.returncode == 1 and "no saved login" in nobody.stderr

    with socket.socket() as s:  # a port nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    started = time.monotonic()
    done = cli("join", f"http://127.0.0.1:{closed}/", "--name", "alice")
    assert done.returncode == 1
    assert f"cannot reach http://127.0.0.1:{closed}/" in done.stderr
    assert time.monotonic() - started < 5


def test_the_frozen_binary_joins_sends_and_follows(
    frozen_binary: Path,
    tmp_path: Path,
    live_server: ServerHandle,
    connect: Callable[..., Peer],
    follows: Callable[[Following], Following],
) -> None:
    """The one-file build carries the commands and their client (websocket-client) too, and its
    bootloader hands SIGTERM on to the command, which ends with 0."""
    frozen = Cli(tmp_path / "frozen-config", [str(frozen_binary)])
    frozen.ok("join", f"{live_server.url}#code={JOIN_CODE}", "--name", "alice")
    bob = connect("bob")
    message_id = int(frozen.ok("send", "general", "sent by the binary"))
    got = bob.expect("message_created")
    assert (got["id"], got["text"]) == (message_id, "sent by the binary")

    tail = follows(frozen.start("tail", "general", "-n", "1", "--follow", "--json"))
    assert tail.line()["id"] == message_id
    reply = bob.send(bob.room_id("general"), "seen by the binary", "f-1")
    assert tail.line()["id"] == reply["id"]
    assert tail.stop(signal.SIGTERM) == (0, "")
