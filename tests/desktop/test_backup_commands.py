"""``parley backup`` and ``parley restore``: their exit codes and messages when there is nothing to
do or the command line is wrong (the full round trip under load is tests/integration/test_backup.py)."""

from __future__ import annotations

from pathlib import Path

from tests.desktop.parley_cli import parley


def test_help_lists_backup_and_restore() -> None:
    done = parley("help")
    assert done.returncode == 0
    assert "backup " in done.stdout and "restore " in done.stdout


def test_backup_of_a_folder_without_a_host_fails_with_the_reason(tmp_path: Path) -> None:
    done = parley("backup", "--data-dir", str(tmp_path / "none"), "--to", str(tmp_path / "b"))
    assert done.returncode == 1
    assert "no Parley database" in done.stderr
    assert not (tmp_path / "b").exists()


def test_restore_needs_a_backup_and_a_data_dir(tmp_path: Path) -> None:
    assert parley("restore").returncode == 2
    assert parley("restore", str(tmp_path)).returncode == 2  # --data-dir is required
    done = parley("restore", str(tmp_path), "--data-dir", str(tmp_path / "new"))
    assert done.returncode == 1
    assert "not a Parley backup" in done.stderr
    assert not (tmp_path / "new").exists()
