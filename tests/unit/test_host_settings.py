"""The host's name and join code: one store, one validator each, one generator, one change event."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend import Settings
from backend.errors import Invalid
from backend.host_settings import (
    JOIN_CODE_DIGITS,
    LEGACY_CODE_FILE,
    HostSettings,
    check_host_name,
    check_join_code,
    new_join_code,
)
from backend.storage.sqlite.store import SqliteBackend
from backend.storage.worker import Database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(SqliteBackend(tmp_path / "h.sqlite3", synchronous="normal"))
    yield database
    database.close()


def _start(
    db: Database,
    data_dir: Path,
    *,
    name: str = "studio",
    name_given: bool = False,
    code: str | None = None,
    code_given: bool = False,
) -> HostSettings:
    host = HostSettings(db, host_id="h1", version="t", name=name)
    host.start(name_given=name_given, code=code, code_given=code_given, data_dir=data_dir)
    return host


def test_a_fresh_host_gets_a_code_it_keeps(db: Database, tmp_path: Path) -> None:
    first = _start(db, tmp_path)
    code = first.join_code
    assert code is not None and code.isdigit() and len(code) == JOIN_CODE_DIGITS == 10
    assert _start(db, tmp_path).join_code == first.join_code
    assert first.server_info() == {"name": "studio", "version": "t", "host_id": "h1"}


def test_a_code_given_wins_and_is_kept_for_later_runs(db: Database, tmp_path: Path) -> None:
    _start(db, tmp_path)
    assert _start(db, tmp_path, code="abcd1234", code_given=True).join_code == "abcd1234"
    assert _start(db, tmp_path).join_code == "abcd1234"
    assert _start(db, tmp_path, code=None, code_given=True).join_code is None  # --open
    assert _start(db, tmp_path).join_code is None  # ... stays open until told otherwise


def test_the_admins_choices_outlive_a_restart(db: Database, tmp_path: Path) -> None:
    host = _start(db, tmp_path)
    host.rename("Kitchen laptop")
    assert host.set_join_code("Otter42x") == "Otter42x"
    again = _start(db, tmp_path)
    assert (again.name, again.join_code) == ("Kitchen laptop", "Otter42x")
    named = _start(db, tmp_path, name="box", name_given=True)  # the command line wins, and stays
    assert named.name == "box" and _start(db, tmp_path).name == "box"


def test_fresh_and_open_codes(db: Database, tmp_path: Path) -> None:
    host = _start(db, tmp_path, code="abcd1234", code_given=True)
    fresh = host.set_join_code("")
    assert fresh is not None and fresh.isdigit() and fresh != "abcd1234"
    assert host.set_join_code(None) is None and host.join_code is None


def test_a_join_code_file_from_before_is_taken_over_once(db: Database, tmp_path: Path) -> None:
    (tmp_path / LEGACY_CODE_FILE).write_text("55443322\n")
    assert _start(db, tmp_path).join_code == "55443322"
    assert not (tmp_path / LEGACY_CODE_FILE).exists()
    assert _start(db, tmp_path).join_code == "55443322"


def test_watchers_hear_every_change(db: Database, tmp_path: Path) -> None:
    host = _start(db, tmp_path)
    heard: list[tuple[str, str | None]] = []
    host.watch(lambda: heard.append((host.name, host.join_code)))
    host.rename("  New   name ")
    host.set_join_code(None)
    assert heard == [("New name", heard[0][1]), ("New name", None)]


def test_one_rule_for_names_and_codes_everywhere() -> None:
    assert check_join_code(" Otter42x ") == "Otter42x"
    assert check_host_name("  Kitchen   laptop ") == "Kitchen laptop"
    for code in ("12345", "x" * 33, "no spaces", "ünïcode1", 12345678, None):
        with pytest.raises(Invalid):
            check_join_code(code)
    for name in ("", "x" * 64, "tab\u200bname", 7):
        with pytest.raises(Invalid):
            check_host_name(name)
    assert len(check_host_name("x" * 63)) == 63
    fresh = new_join_code()
    assert check_join_code(fresh) == fresh
    # Settings (flags and PARLEY_* variables) refuse exactly what the admin's commands refuse.
    with pytest.raises(ValueError, match="6-32"):
        Settings(join_code="abcd")
    with pytest.raises(ValueError, match="1-63"):
        Settings(name="x" * 64)
    assert Settings(name=" a   b ").name == "a b"
