"""``python -m backend migrate-to-postgresql``: a SQLite host's history, made by a real host
process with real clients, moved into a throwaway PostgreSQL and served from there."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cluster.servers import PostgresServer
from tests.hostproc import REPO, HostProcess
from tests.peers import Peer

pytestmark = pytest.mark.integration

CODE = "13572468"


def _ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack.get("ok"), ack
    return ack


def _move(data: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend", "migrate-to-postgresql", "--data-dir", str(data),
         "--database", url],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _history(peer: Peer, room_id: int) -> list[dict[str, Any]]:
    return _ok(peer.call("fetch_messages", {"room_id": room_id, "limit": 200}))["messages"]


def test_a_sqlite_host_moves_into_postgresql_and_serves_its_history(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    data = tmp_path / "data"
    host = HostProcess(data, "--join-code", CODE, "--no-tls")
    try:
        ana = Peer(host.url, {"name": "Ana", "code": CODE})
        bo = Peer(host.url, {"name": "Bo", "code": CODE})
        general = ana.room_id()
        first = ana.send(general, "the quarterly figures are in", "a1")
        reply = _ok(
            bo.call(
                "send_message",
                {
                    "room_id": general,
                    "text": "thanks Ana",
                    "client_id": "b1",
                    "reply_to": first["id"],
                },
            )
        )["message"]
        gone = ana.send(general, "a typo", "a2")
        _ok(ana.call("delete_message", {"message_id": gone["id"]}))
        _ok(ana.call("edit_message", {"message_id": first["id"], "text": "the quarterly figures"}))
        _ok(bo.call("react", {"message_id": first["id"], "emoji": "👍", "on": True}))
        dm = _ok(ana.call("open_dm", {"user_ids": [bo.user["id"]]}))["room"]
        secret = ana.send(dm["id"], "only for Bo: salaries", "a3")
        _ok(bo.call("mark_read", {"room_id": general, "message_id": reply["id"]}))
        before = _history(ana, general)
        ana_token, bo_token = ana.token, bo.token
        ana.close()
        bo.close()
    finally:
        assert host.stop() == 0

    postgres.sql("CREATE DATABASE moved")
    url = postgres.url("moved")
    try:
        copy = tmp_path / "copy"
        shutil.copytree(data, copy)
        done = _move(data, url)
        assert done.returncode == 0, done.stderr
        assert "Moved into PostgreSQL" in done.stdout
        # The SQLite file is out of the way, whole: no host serves the old history by mistake.
        assert not (data / "parley.sqlite3").exists()
        kept = sqlite3.connect(data / "parley.sqlite3.moved-to-postgresql")
        assert kept.execute("SELECT count(*) FROM message").fetchone() == (4,)
        kept.close()
        # Another move into the same database is refused: it is not empty any more.
        again = _move(copy, url)
        assert again.returncode == 1 and "already holds Parley data" in again.stderr

        host = HostProcess(data, "--join-code", CODE, "--no-tls", "--database", url)
        try:
            # The same people, by their tokens; the same history, ids, edits, tombstones and all.
            ana = Peer(host.url, {"token": ana_token})
            bo = Peer(host.url, {"token": bo_token})
            after = _history(bo, general)
            assert after == before
            assert after[1]["reply_to"]["id"] == first["id"]
            found = _ok(bo.call("search", {"query": "quarterly"}))["messages"]
            assert [m["id"] for m in found] == [first["id"]]
            found = _ok(bo.call("search", {"query": "salaries"}))["messages"]
            assert [(m["id"], m["room_id"], m["text"]) for m in found] == [
                (secret["id"], dm["id"], "only for Bo: salaries")
            ]
            outsider = Peer(host.url, {"name": "Cy", "code": CODE})
            assert _ok(outsider.call("search", {"query": "salaries"}))["messages"] == []
            # New ids and change numbers continue past the moved ones, never reusing them.
            new = ana.send(general, "hello from PostgreSQL", "a4")
            assert new["id"] > secret["id"]
            edited = _ok(ana.call("edit_message", {"message_id": new["id"], "text": "hello"}))
            assert edited["message"]["rev"] > max(m["rev"] for m in before)
            assert _ok(bo.call("list_rooms"))
            for peer in (ana, bo, outsider):
                peer.close()
        finally:
            assert host.stop() == 0
    finally:
        postgres.drop_database("moved")


def test_the_move_refuses_a_running_host_and_a_missing_data_dir(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    postgres.sql("CREATE DATABASE refused")
    try:
        missing = _move(tmp_path / "nothing", postgres.url("refused"))
        assert missing.returncode == 1 and "no Parley data" in missing.stderr
        host = HostProcess(tmp_path / "data", "--open", "--no-tls")
        try:
            busy = _move(tmp_path / "data", postgres.url("refused"))
            assert busy.returncode == 1 and "stop it first" in busy.stderr
        finally:
            assert host.stop() == 0
    finally:
        postgres.drop_database("refused")
