"""``parley import FILE``: bring an export archive (docs/export.md) back into Parley.

- ``parley import FILE [--data-dir DIR]``: into a data dir no host is serving (refused while one
  is: stop it first, or import through it).
- ``parley import FILE --url URL --token TOKEN``: through a running host's ``POST /api/import``
  (the host user's token).

Importing the same archive again changes nothing: users, rooms, messages and files that are there
already are left as they are.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backend import ChatError, Settings, import_data_dir
from desktop.cli import export_http as http


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="parley import",
        description="Import an export archive (idempotent: twice changes nothing).",
    )
    parser.add_argument("archive", type=Path, help="the zip file written by parley export")
    parser.add_argument("--data-dir", type=Path, help="the data dir (default: this user's)")
    parser.add_argument("--url", help="import through a running host instead")
    parser.add_argument("--token", help="the host user's device token (default: $PARLEY_TOKEN)")
    args = parser.parse_args(argv)
    if not args.archive.is_file():
        print(f"parley import: {args.archive}: no such file", file=sys.stderr)
        return 1
    if args.url is not None:
        if args.data_dir is not None:
            parser.error("--data-dir and --url are two different ways: pick one")
        token = http.device_token(args.token, args.url)
        if not token:
            parser.error("--url needs the host user's device token: --token or PARLEY_TOKEN")
        try:
            answer = http.upload(http.endpoint(args.url, "/api/import"), token, args.archive)
        except http.Failed as exc:
            print(f"parley import: {exc}", file=sys.stderr)
            return exc.exit_code
        _summary(answer.get("imported", {}))
        return 0
    settings = Settings.from_env()
    data_dir = args.data_dir or settings.data_dir
    try:
        counts = import_data_dir(data_dir, args.archive, settings.max_import_bytes)
    except ChatError as exc:
        print(f"parley import: {exc.message}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"parley import: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 1
    _summary(counts)
    return 0


def _summary(counts: dict[str, int]) -> None:
    added = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("users", "rooms", "messages", "files"))
    print(f"Imported {added} ({counts.get('existing_messages', 0)} messages were there already)")
