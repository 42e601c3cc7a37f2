"""Run every benchmark section and write docs/benchmarks.md with the machine and date.

Each section is a module in bench/ with ``run() -> str`` (markdown). ``python -m bench NAME ...``
runs only those sections and replaces just their part of the file (each section sits between
``<!-- section: NAME -->`` markers), keeping the others' last results.
"""

from __future__ import annotations

import datetime
import importlib
import os
import platform
import re
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "benchmarks.md"
SECTIONS = [
    "host_durability",
    "ui_render",
    "ui_people",
    "desktop",
    "fanout",
    "echo",
    "crowds",
    "acked_sends",
    "tls",
    "files",
    "search",
    "targets",
    "soak",
    "cluster",
    "blip",
]


def _const(value: str) -> Callable[[re.Match[str]], str]:
    return lambda _: value


def _marked(name: str, text: str) -> str:
    return f"<!-- section: {name} -->\n{text.rstrip()}\n<!-- /section: {name} -->"


def merge(existing: str, header: str, sections: dict[str, str]) -> str:
    """``existing`` with each named section replaced (or appended) and the header renewed."""
    body = existing.split("\n<!-- section: ", 1)
    rest = "<!-- section: " + body[1] if len(body) == 2 else ""
    for name, text in sections.items():
        pattern = re.compile(
            rf"<!-- section: {re.escape(name)} -->.*?<!-- /section: {re.escape(name)} -->", re.S
        )
        marked = _marked(name, text)
        if pattern.search(rest):
            # A function, not a string: section text may hold backslashes (regex escapes).
            rest = pattern.sub(_const(marked), rest)
        else:
            rest = (rest.rstrip() + "\n\n" if rest else "") + marked
    return header.rstrip() + "\n\n" + rest.strip() + "\n"


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
    today = datetime.date.today().isoformat()
    header = "\n".join(
        [
            "# Parley benchmarks",
            "",
            f"Last written {today} on {machine()}.",
            "Written by `make bench` (bench/); loopback only. Each section says when it was run;",
            "`python -m bench NAME` re-runs one section and leaves the others as they were.",
        ]
    )
    results: dict[str, str] = {}
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
        took = time.monotonic() - started
        results[name] = f"{section.rstrip()}\n\n_(run {today}; the section took {took:.0f} s)_"
        print(section, flush=True)
    existing = OUT.read_text() if OUT.exists() and argv else ""
    OUT.write_text(merge(existing, header, results))
    print(f"wrote {OUT}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
