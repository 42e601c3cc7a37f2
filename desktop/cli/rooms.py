"""``parley rooms``: the rooms this user sees (channels, and the direct messages they are in)."""

from __future__ import annotations

import argparse

from desktop.cli import client


def main(argv: list[str]) -> int:
    p = client.parser("rooms", "List the host's rooms and whether you are a member.")
    args = p.parse_args(argv)
    return client.run("rooms", lambda: _rooms(args))


def _rooms(args: argparse.Namespace) -> int:
    conn = client.connect(args)
    try:
        rooms = conn.call("list_rooms", {})["rooms"]
    finally:
        conn.close()
    for room in rooms:
        if args.json:
            client.emit(room)
            continue
        if room.get("kind") == "dm":
            label = "dm with " + ", ".join(m["name"] for m in room.get("members") or [])
        else:
            label = "#" + room["name"]
        member = "member" if room.get("member") else "not a member"
        client.say(f"{room['id']:>6}  {label}  ({member})")
    return 0
