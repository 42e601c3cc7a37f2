"""The desktop binary leaves psycopg out (build.spec); given --database it says so in one line and
exits 1, without a traceback. The build's missing modules are simulated in a child process
(``sys.modules[name] = None`` makes their import fail as in the frozen binary)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHILD = """
import sys
for name in ("psycopg", "psycopg_binary", "psycopg_pool", "backend.storage.postgres"):
    sys.modules[name] = None
from desktop.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_database_flag_without_psycopg_is_one_clean_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            "--headless",
            "--no-discovery",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path),
            "--database",
            "postgresql://127.0.0.1:9/parley",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert "keeps history in SQLite only" in done.stdout
    errors = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "keeps history in SQLite only" in errors[0], done.stderr
