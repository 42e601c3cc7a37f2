"""``parley export``: a zip of history, users, rooms and files (docs/export.md).

Two ways, one format:

- ``parley export [--data-dir DIR] -o FILE [--room NAME]``: on the host's machine, from its data dir
  (the whole host, or one channel). Reads the database directly; works while the host runs.
- ``parley export --url URL --token TOKEN (--mine | --room ID | --host) -o FILE``: from any machine,
  through ``GET /api/export`` with a device token (``--token``, else ``PARLEY_TOKEN``, else the
  login ``parley join`` saved for that host):
  your own direct messages, a room you are in, or (the host user only) everything.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import urllib.parse
from pathlib import Path

from backend import ChatError, Settings, export_data_dir
from desktop.cli import export_http as http


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="parley export",
        description="Export history, users, rooms and files as a zip (docs/export.md).",
    )
    parser.add_argument("-o", "--output", required=True, type=Path, help="the zip file to write")
    parser.add_argument("--data-dir", type=Path, help="the host's data dir (default: this user's)")
    parser.add_argument("--url", help="a host's address, to export through it with a token")
    parser.add_argument("--token", help="your device token (default: $PARLEY_TOKEN)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--room", help="one room: its name (--data-dir) or its id (--url)")
    what.add_argument("--mine", action="store_true", help="your own direct messages (--url)")
    what.add_argument("--host", action="store_true", help="the whole host (--url, host only)")
    args = parser.parse_args(argv)
    if args.url is None:
        if args.mine or args.host or args.token:
            parser.error("--mine, --host and --token go with --url")
        data_dir = args.data_dir or Settings.from_env().data_dir
        try:
            counts = export_data_dir(data_dir, args.output, room=args.room)
        except ChatError as exc:
            print(f"parley export: {exc.message}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"parley export: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
            return 1
        _summary(args.output, counts)
        return 0
    if args.data_dir is not None:
        parser.error("--data-dir and --url are two different ways: pick one")
    token = http.device_token(args.token, args.url)
    if not token:
        parser.error("--url needs a device token: --token, PARLEY_TOKEN or `parley join` first")
    if args.room is not None:
        if not args.room.isdigit():
            parser.error("with --url, --room is the room's id (a number)")
        query = {"scope": "room", "room_id": args.room}
    elif args.host:
        query = {"scope": "host"}
    elif args.mine:
        query = {"scope": "mine"}
    else:
        parser.error("say what to export: --mine, --room ID or --host")
    url = http.endpoint(args.url, "/api/export?" + urllib.parse.urlencode(query))
    return _download(url, token, args.output)


def _download(url: str, token: str, output: Path) -> int:
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".parley-export-", suffix=".part", dir=output.parent)
    part = Path(name)
    try:
        with os.fdopen(fd, "wb") as sink:
            size = http.download(url, token, sink)
        os.replace(part, output)
    except http.Failed as exc:
        print(f"parley export: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        part.unlink(missing_ok=True)
    print(f"Exported {size} bytes to {output}")
    return 0


def _summary(output: Path, counts: dict[str, int]) -> None:
    parts = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("rooms", "messages", "users", "files"))
    print(f"Exported {parts} to {output}")
    if counts.get("missing_files"):
        print(
            f"parley export: {counts['missing_files']} files were missing from the data dir "
            "and are not in the archive",
            file=sys.stderr,
        )
