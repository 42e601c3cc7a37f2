"""Run every benchmark section and write docs/benchmarks.md with the machine and date.

Each section is a module in bench/ with ``run() -> str`` (markdown). ``python -m bench NAME ...``
runs only those sections (and still rewrites the file with just them).
"""

from __future__ import annotations

import datetime
import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "benchmarks.md"
SECTIONS = [
    "host_durability",
    "ui_render",
    "desktop",
    "fanout",
    "echo",
    "acked_sends",
    "targets",
]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def main(argv: list[str]) -> int:
    names = argv or SECTIONS
    parts = [
        "# Parley benchmarks",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}.",
        "Written by `make bench` (bench/); numbers from one run on this machine, loopback only.",
        "",
    ]
    failed = False
    for name in names:
        started = time.monotonic()
        print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"   (no bench/{name}.py yet)")
                continue
            raise
        try:
            section = module.run()
        except Exception:
            failed = True
            section = f"## {name}\n\nFailed:\n\n```\n{traceback.format_exc()}```\n"
        parts += [section.rstrip(), "", f"_(section took {time.monotonic() - started:.0f} s)_", ""]
        print(section, flush=True)
    OUT.write_text("\n".join(parts))
    print(f"wrote {OUT}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
