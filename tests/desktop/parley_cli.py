"""``parley COMMAND`` from source, as a child process (what the frozen binary runs too).

Isolated from whoever runs the tests: no ``PARLEY_*`` variable of theirs, and saved logins
(``parley join``) in a folder of the test's own, never the machine user's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def parley(
    *args: str, token: str | None = None, config: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    if token is not None:
        env["PARLEY_TOKEN"] = token
    env["PARLEY_CONFIG_DIR"] = str(config or Path(tempfile.gettempdir()) / "parley-no-logins")
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
