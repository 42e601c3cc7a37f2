"""Choosing PostgreSQL and a files directory (--database, --files-dir and their PARLEY_*
variables), and what a host on PostgreSQL says about what only SQLite does (backups)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from backend import ServerHandle, Settings
from backend.backup import NO_POSTGRES_BACKUP
from backend.cli import build_arg_parser, settings_from_args
from tests.cluster.servers import free_port
from tests.hostproc import REPO
from tests.peers import Peer

TIMEOUT = 10


def test_the_flags_and_the_environment_name_the_database_and_files_dir(tmp_path: Path) -> None:
    url = "postgresql://parley@db.example:5432/parley"
    env = {"PARLEY_DATABASE_URL": url, "PARLEY_FILES_DIR": str(tmp_path / "blobs")}
    from_env = Settings.from_env(env)
    assert from_env.database_url == url and from_env.files_dir == tmp_path / "blobs"
    assert Settings.from_env({}).database_url is None  # SQLite stays the default
    assert Settings.from_env({}).files_dir is None
    args = build_arg_parser().parse_args(["--database", url, "--files-dir", str(tmp_path)])
    settings = settings_from_args(args, Settings(data_dir=tmp_path))
    assert settings.database_url == url and settings.files_dir == tmp_path
    with pytest.raises(ValueError, match="postgresql://"):
        Settings(data_dir=tmp_path, database_url="mysql://nope")


def test_an_unreachable_database_is_said_in_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://parley:s3cret-pw@127.0.0.1:{free_port()}/parley"
    done = subprocess.run(
        [sys.executable, "-m", "backend", "--host", "127.0.0.1", "--port", "0", "--no-discovery",
         "--data-dir", str(tmp_path / "data"), "--database", url],
        cwd=REPO, capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")},
    )  # fmt: skip
    assert done.returncode == 1
    assert "parley: Cannot reach postgresql://parley@127.0.0.1" in done.stderr
    assert "s3cret-pw" not in done.stderr + done.stdout


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.replace(files_dir=tmp_path / "shared-files")


def test_files_go_to_the_files_dir_and_backups_point_to_postgres_tools(
    live_server: ServerHandle, tmp_path: Path
) -> None:
    owner = Peer(live_server.url, {"owner_key": live_server.owner_url.split("#owner=")[1]})
    try:
        data = os.urandom(500)
        digest = hashlib.sha256(data).hexdigest()
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {owner.token}"
        body = {"room_id": owner.room_id(), "name": "a.bin", "size": len(data), "sha256": digest}
        created = http.post(f"{live_server.url}api/uploads", json=body, timeout=TIMEOUT)
        assert created.status_code == 201, created.text
        sent = http.put(
            f"{live_server.url}api/uploads/{created.json()['upload_id']}",
            data=data,
            headers={"Upload-Offset": "0"},
            timeout=TIMEOUT,
        )
        assert sent.status_code == 200, sent.text
        stored = tmp_path / "shared-files" / "files" / digest[:2] / digest
        assert stored.read_bytes() == data
        assert not (live_server.settings.data_dir / "files" / digest[:2]).exists()
        # The admin's backup button: refused with where to look, nothing half-made.
        assert owner.call("start_backup", {})["ok"] is True
        failed = owner.expect("backup_failed")
        assert failed["error"] == {"code": "backup_failed", "message": NO_POSTGRES_BACKUP}
    finally:
        owner.close()


def test_parley_backup_on_a_postgres_host_points_to_postgres_tools(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env["PARLEY_DATABASE_URL"] = "postgresql://parley@127.0.0.1/parley"
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "backup", "--data-dir", str(tmp_path / "data"),
         "--to", str(tmp_path / "b")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert NO_POSTGRES_BACKUP in done.stderr.replace("\n", " ")
    assert not (tmp_path / "b").exists()
