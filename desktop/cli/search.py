"""``parley search [--host URL] QUERY [--room ROOM]``: full-text search of the rooms you are in,
newest first (the host's ``search`` command: words, prefix of the last word)."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli import client


def main(argv: list[str]) -> int:
    p = client.parser("search", "Search the messages of the rooms you are in, newest first.")
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--room", metavar="ROOM", help="only this room (name or id)")
    p.add_argument("-n", "--limit", type=int, default=20, help="at most this many (1-50)")
    args = p.parse_args(argv)
    if not 1 <= args.limit <= 50:
        p.error("--limit must be 1-50")
    return client.run("search", lambda: _search(args))


def _search(args: argparse.Namespace) -> int:
    conn = client.connect(args)
    try:
        query: dict[str, Any] = {"query": args.query, "limit": args.limit}
        if args.room:
            query["room_id"] = client.find_room(conn.rooms, args.room)["id"]
        found = conn.call("search", query)["messages"]
        names = {r["id"]: r.get("name") or "dm" for r in conn.rooms}
    finally:
        conn.close()
    for message in found:
        if args.json:
            client.emit(message)
        else:
            client.say(client.format_message(message, names.get(message["room_id"])))
    return 0
