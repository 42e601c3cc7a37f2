"""``parley restore BACKUP --data-dir NEWDIR``: a backup made by ``parley backup`` (or the host's
settings panel) placed into a new data folder, every file checked first.

A host started on NEWDIR (``parley --data-dir NEWDIR``) is the same host: same rooms, messages,
files, devices (their tokens still work), name, join code and id. NEWDIR must be new or empty.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from backend import BackupError, restore_backup


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parley restore",
        description="Restore a Parley backup into a new, empty data folder.",
    )
    parser.add_argument("backup", type=Path, help="the parley-backup-… folder")
    parser.add_argument(
        "--data-dir", type=Path, required=True, help="the new data folder (must be new or empty)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = restore_backup(args.backup, args.data_dir)
    except BackupError as exc:
        print(f"parley restore: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.to_wire()))
    else:
        counts = result.counts
        print(
            f"Restored host {result.host_name or result.host_id!r}: "
            f"{counts.get('messages', 0)} messages, {counts.get('rooms', 0)} rooms, "
            f"{counts.get('users', 0)} people, {result.files} files, into:"
        )
        print(result.data_dir)
        print(f"Start it with: parley --data-dir {result.data_dir}")
    return 0
