"""``parley backup``: back a host's data up while it runs (or not), into a new dated folder.

Safe beside a running host: the database is copied with SQLite's online backup API inside one read
transaction (consistent under WAL), then the files it names (docs/storage.md, "Backup and
restore"). Prints the backup's folder; ``--json`` prints what was backed up as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from backend import BackupError, Settings, make_backup


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parley backup",
        description="Back up a Parley host's data (history, files, devices); the host may run.",
    )
    parser.add_argument(
        "--data-dir", type=Path, help="the host's data folder (default: this user's own)"
    )
    parser.add_argument(
        "--to",
        type=Path,
        metavar="FOLDER",
        help="where the backup folder is made (default: parley-backups beside the data folder)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    data_dir = args.data_dir or settings.data_dir
    shown = {"phase": ""}

    def progress(phase: str, done: int, total: int) -> None:
        if args.quiet or args.json:
            return
        if phase != shown["phase"]:
            shown["phase"] = phase
            print(f"backing up the {phase}…", file=sys.stderr)

    try:
        result = make_backup(
            data_dir, args.to, progress=progress, postgres=settings.database_url is not None
        )
    except BackupError as exc:
        print(f"parley backup: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.to_wire()))
    else:
        counts = result.counts
        print(
            f"Backed up {counts.get('messages', 0)} messages, {counts.get('rooms', 0)} rooms, "
            f"{counts.get('users', 0)} people and {counts.get('files', 0)} files "
            f"({result.bytes:,} bytes) to:"
        )
        print(result.path)
    return 0
