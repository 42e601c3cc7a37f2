"""``parley export`` and ``parley import`` as a person runs them: ``python -m desktop …`` child
processes against a real host process and real data dirs."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.archives import make_history, messages_by_name, sha, snapshot, stored_files
from tests.desktop.parley_cli import parley
from tests.hostproc import HostProcess
from tests.peers import Peer

pytestmark = pytest.mark.integration

CODE = "13572468"


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[HostProcess, dict[str, Peer]]]:
    """A host process with some history, its peers still connected."""
    host = HostProcess(tmp_path / "source", "--join-code", CODE)
    peers = {
        name: Peer(host.url, {"name": name, "code": CODE})
        for name in ("alice", "bob", "carol", "dave")
    }
    try:
        make_history(host.url, peers["dave"], peers["alice"], peers["bob"], peers["carol"])
        yield host, peers
    finally:
        for peer in peers.values():
            peer.close()
        host.stop()


def test_export_a_running_host_then_import_into_a_fresh_dir_twice(
    running: tuple[HostProcess, dict[str, Peer]], tmp_path: Path
) -> None:
    host, _ = running
    source, target = tmp_path / "source", tmp_path / "target"
    out = tmp_path / "out" / "parley.zip"

    done = parley("export", "--data-dir", str(source), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "9 messages" in done.stdout
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["scope"] == "host" and manifest["counts"]["files"] == 3
    assert oct(out.stat().st_mode & 0o777) == "0o600"

    refused = parley("import", str(out), "--data-dir", str(source))
    assert refused.returncode == 1
    assert "running" in refused.stderr and "stop it first" in refused.stderr

    first = parley("import", str(out), "--data-dir", str(target))
    assert first.returncode == 0, first.stderr
    assert "9 messages" in first.stdout
    assert messages_by_name(target) == messages_by_name(source)
    copied = stored_files(target)
    for content in stored_files(source).values():
        assert copied[sha(content)] == content
    before = snapshot(target)

    second = parley("import", str(out), "--data-dir", str(target))
    assert second.returncode == 0, second.stderr
    assert "0 users, 0 rooms, 0 messages, 0 files" in second.stdout
    assert snapshot(target) == before

    one_room = tmp_path / "project.zip"
    done = parley("export", "--data-dir", str(source), "-o", str(one_room), "--room", "project")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(one_room) as zf:
        assert [n for n in zf.namelist() if n.startswith("messages/")] == [
            "messages/channel-project.jsonl"
        ]
    missing = parley("export", "--data-dir", str(source), "-o", str(one_room), "--room", "nope")
    assert missing.returncode == 1 and "nope" in missing.stderr


def test_export_through_a_host_with_a_token(
    running: tuple[HostProcess, dict[str, Peer]], tmp_path: Path
) -> None:
    host, peers = running
    mine = tmp_path / "mine.zip"
    done = parley(
        "export", "--url", host.url, "--mine", "-o", str(mine), token=peers["alice"].token
    )
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(mine) as zf:
        rooms = [json.loads(line) for line in zf.read("rooms.jsonl").splitlines()]
    assert [(r["kind"], r["members"]) for r in rooms] == [("dm", ["alice", "bob"])]

    general = peers["bob"].room_id("general")
    room = tmp_path / "general.zip"
    done = parley(
        "export",
        "--url",
        host.url,
        f"--token={peers['bob'].token}",  # the = form: a token may start with "-"
        "--room",
        str(general),
        "-o",
        str(room),
    )
    assert done.returncode == 0, done.stderr

    refused = parley("export", "--url", host.url, "--host", "-o", str(room), token="wrong")
    assert refused.returncode == 1 and "bad_token" in refused.stderr
    not_host = parley(
        "export",
        "--url",
        host.url,
        "--host",
        "-o",
        str(tmp_path / "x.zip"),
        token=peers["alice"].token,
    )
    assert not_host.returncode == 1 and "forbidden" in not_host.stderr
    assert not (tmp_path / "x.zip").exists()
    assert parley("export", "--url", host.url, "--mine", "-o", str(room)).returncode == 2


def test_export_through_a_host_with_the_login_parley_join_saved(
    running: tuple[HostProcess, dict[str, Peer]], tmp_path: Path
) -> None:
    host, peers = running
    config = tmp_path / "config"
    joined = parley("join", f"{host.url}#code={CODE}", "--name", "erin", "--json", config=config)
    assert joined.returncode == 0, joined.stderr
    erin = json.loads(joined.stdout)["user"]["id"]
    assert peers["alice"].call("open_dm", {"user_ids": [erin]})["ok"]
    mine = tmp_path / "mine.zip"
    done = parley("export", "--url", host.url, "--mine", "-o", str(mine), config=config)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(mine) as zf:
        rooms = [json.loads(line) for line in zf.read("rooms.jsonl").splitlines()]
    assert [(r["kind"], sorted(r["members"])) for r in rooms] == [("dm", ["alice", "erin"])]


def test_import_refuses_a_bad_archive_and_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "target"
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    # A data dir with a database in it (a host ran there once, and stopped).
    HostProcess(target, "--open").stop()
    before = snapshot(target)
    done = parley("import", str(bad), "--data-dir", str(target))
    assert done.returncode == 1 and "zip" in done.stderr
    assert snapshot(target) == before
    assert parley("import", str(tmp_path / "none.zip"), "--data-dir", str(target)).returncode == 1
    assert parley("import").returncode == 2
