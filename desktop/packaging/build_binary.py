"""Build the one-file ``parley`` binary from build.spec: ``python -m desktop.packaging.build_binary
OUT_DIR``. The one way the Makefile, the desktop tests and the benchmark build it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A cold PyInstaller build takes about a minute here; far more means something is stuck.
BUILD_TIMEOUT = 900


def build(out_dir: Path, work_dir: Path, ui_dist: Path | None = None) -> Path:
    """Run PyInstaller on build.spec; return the binary's path. ``ui_dist`` overrides ui/dist."""
    env = dict(os.environ)
    if ui_dist is not None:
        env["PARLEY_UI_DIST"] = str(ui_dist)
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(out_dir), "--workpath", str(work_dir), "build.spec"],
        cwd=REPO,
        check=True,
        timeout=BUILD_TIMEOUT,
        env=env,
    )  # fmt: skip
    return out_dir / "parley"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--work-dir", type=Path, default=REPO / "build" / "pyinstaller")
    args = parser.parse_args(argv)
    print(build(args.out_dir, args.work_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
