"""``parley whoami``: which user this device is on the host (checks the saved login works)."""

from __future__ import annotations

import argparse

from desktop.cli import client


def main(argv: list[str]) -> int:
    p = client.parser("whoami", "Show the user and host the saved login signs in as.")
    args = p.parse_args(argv)
    return client.run("whoami", lambda: _whoami(args))


def _whoami(args: argparse.Namespace) -> int:
    conn = client.connect(args)
    conn.close()
    if args.json:
        client.emit({"url": conn.url, "server": conn.server, "user": conn.user})
    else:
        client.say(f"{conn.user.get('name')} on {conn.server.get('name')} ({conn.url})")
    return 0
