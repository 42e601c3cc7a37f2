"""``parley join`` and the chat commands over https with the host's key pinned: by the invite link's
``fp=``, on a first use the person confirms (or a script allows), and refused (exit 3,
``fingerprint_mismatch``) when another host with another key answers on the same address. Real host
processes on loopback, where a TLS handshake is served as TLS."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import JOIN_CODE
from tests.desktop.test_cli_chat import REPO, SOURCE, Cli, _env
from tests.hostproc import HostProcess
from tests.peers import Peer

MISMATCH_EXIT = 3


class TlsHost:
    """A host process and what its banner says: the https address, the key's fingerprint."""

    def __init__(self, data: Path, port: int = 0) -> None:
        self.proc = HostProcess(data, "--join-code", JOIN_CODE, port=port)
        self.port = int(self.proc.url.rstrip("/").rsplit(":", 1)[1])
        line = next(x for x in self.proc.output if x.startswith("Fingerprint: "))
        self.groups = line.split(": ", 1)[1].strip()
        self.fingerprint = self.groups.replace(" ", "")
        self.https = f"https://127.0.0.1:{self.port}/"
        self.invite = f"{self.https}#code={JOIN_CODE}&fp={self.fingerprint}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _saved(cli: Cli) -> dict[str, dict[str, object]]:
    return json.loads((cli.config / "logins.json").read_text())["hosts"]  # type: ignore[no-any-return]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "config")


def test_join_by_invite_link_pins_the_key_and_chats_over_https(tmp_path: Path, cli: Cli) -> None:
    host = TlsHost(tmp_path / "host")
    try:
        out = json.loads(cli.ok("join", host.invite, "--name", "alice", "--json"))
        assert out["url"] == host.https
        assert out["fingerprint"] == host.fingerprint
        (login,) = _saved(cli).values()
        assert login["fingerprint"] == host.fingerprint and login["url"] == host.https

        bob = Peer(host.proc.url, {"name": "bob", "code": JOIN_CODE})  # plain, on loopback
        room = bob.room_id("general")
        sent = cli.ok("send", "general", "over wss").strip()
        created = bob.expect("message_created")
        assert (str(created["id"]), created["text"]) == (sent, "over wss")

        # Files go over the same pinned https: up, then down with the same bytes.
        payload = tmp_path / "notes.bin"
        payload.write_bytes(os.urandom(70_000))
        up = json.loads(cli.ok("upload", "general", str(payload), "--json"))
        file_id = str(up["attachments"][0]["id"])
        got = tmp_path / "got.bin"
        cli.ok("download", file_id, "-o", str(got))
        assert (
            hashlib.sha256(got.read_bytes()).digest()
            == hashlib.sha256(payload.read_bytes()).digest()
        )
        tail = cli.ok("tail", "general", "-n", "5", "--json")
        assert "over wss" in tail and room
        bob.close()

        text = Cli(tmp_path / "other").ok("join", host.invite, "--name", "carol")
        assert f"host key pinned: {host.groups}" in text
    finally:
        host.proc.stop()


def test_a_wrong_fingerprint_in_the_link_is_refused_before_anything_is_sent(
    tmp_path: Path, cli: Cli
) -> None:
    host = TlsHost(tmp_path / "host")
    other = TlsHost(tmp_path / "other")
    try:
        done = cli("join", f"{host.https}#code={JOIN_CODE}&fp={other.fingerprint}", "--name", "eve")
        assert done.returncode == MISMATCH_EXIT, done
        assert "(fingerprint_mismatch)" in done.stderr
        assert other.groups in done.stderr and host.groups in done.stderr
        assert not (cli.config / "logins.json").exists()
        bob = Peer(host.proc.url, {"name": "bob", "code": JOIN_CODE})
        assert "eve" not in {u["name"] for u in bob.welcome["users"]}
        bob.close()
    finally:
        host.proc.stop()
        other.proc.stop()


def test_first_use_asks_a_person_and_refuses_a_script(tmp_path: Path, cli: Cli) -> None:
    host = TlsHost(tmp_path / "host")
    link = f"{host.https}#code={JOIN_CODE}"  # no fp=: nothing vouches for the key
    try:
        done = cli("join", link, "--name", "alice", "--json")
        assert done.returncode == 1
        assert "(unverified_host)" not in done.stderr  # the reason reads as a sentence
        assert host.groups in done.stderr and "--trust-on-first-use" in done.stderr
        assert not (cli.config / "logins.json").exists()

        # A person at a terminal is shown the key in groups and says no, then yes.
        assert _interactive(cli, link, "n\n")[0] == 1
        assert not (cli.config / "logins.json").exists()
        code, out = _interactive(cli, link, "y\n")
        assert code == 0, out
        assert host.groups in out and "Is it the same?" in out
        (login,) = _saved(cli).values()
        assert login["fingerprint"] == host.fingerprint

        script = Cli(tmp_path / "script")
        out = json.loads(script.ok("join", link, "--name", "bot", "--json", "--trust-on-first-use"))
        assert out["fingerprint"] == host.fingerprint
        # From then on the saved pin is checked; no question asked.
        again = json.loads(script.ok("join", host.https, "--json"))
        assert again["reused"] is True and again["fingerprint"] == host.fingerprint
    finally:
        host.proc.stop()


def test_another_key_on_the_same_address_is_a_mismatch(tmp_path: Path, cli: Cli) -> None:
    port = _free_port()
    first = TlsHost(tmp_path / "first", port)
    try:
        cli.ok("join", first.invite, "--name", "alice")
    finally:
        first.proc.stop()
    before = (cli.config / "logins.json").read_text()
    second = TlsHost(tmp_path / "second", port)  # its own data dir: its own key
    try:
        assert second.fingerprint != first.fingerprint
        for args in (
            ("send", "general", "hello"),
            ("rooms",),
            ("join", second.https, "--name", "alice"),
            ("join", f"{second.https}#code={JOIN_CODE}", "--name", "alice", "--trust-on-first-use"),
        ):
            done = cli(*args)
            assert done.returncode == MISMATCH_EXIT, (args, done)
            assert "(fingerprint_mismatch)" in done.stderr
            assert first.groups in done.stderr and second.groups in done.stderr
        assert (cli.config / "logins.json").read_text() == before  # the pin stays
        bob = Peer(second.proc.url, {"name": "bob", "code": JOIN_CODE})
        # alice's token never reached it: she is not one of its users.
        assert "alice" not in {u["name"] for u in bob.welcome["users"]}
        bob.close()

        # The person got the new host's invite link: its fingerprint replaces the old pin.
        cli.ok("join", second.invite, "--name", "alice")
        (login,) = _saved(cli).values()
        assert login["fingerprint"] == second.fingerprint
        cli.ok("send", "general", "hello again")
    finally:
        second.proc.stop()


def _interactive(cli: Cli, link: str, answer: str) -> tuple[int, str]:
    """``parley join`` with a terminal on stdin (as a person runs it), answering ``answer``."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [*SOURCE, "join", link, "--name", "alice"],
            cwd=REPO,
            env=_env(cli.config),
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        os.write(master, answer.encode())
        out, _ = proc.communicate(timeout=30)
        return proc.returncode, out
    finally:
        os.close(master)
        os.close(slave)


def test_export_over_https_uses_the_pinned_key(tmp_path: Path, cli: Cli) -> None:
    port = _free_port()
    first = TlsHost(tmp_path / "first", port)
    try:
        cli.ok("join", first.invite, "--name", "alice")
        cli.ok("send", "general", "kept in the export")
        out = tmp_path / "mine.zip"
        cli.ok("export", "--url", first.https, "--mine", "--output", str(out))
        assert out.stat().st_size > 0
    finally:
        first.proc.stop()
    second = TlsHost(tmp_path / "second", port)
    try:
        done = cli("export", "--url", second.https, "--mine", "--output", str(tmp_path / "x.zip"))
        assert done.returncode == MISMATCH_EXIT, done
        assert "(fingerprint_mismatch)" in done.stderr
        assert not (tmp_path / "x.zip").exists()
    finally:
        second.proc.stop()
