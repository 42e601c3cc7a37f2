"""``parley send [--host URL] ROOM TEXT``: post one message and wait until the host has stored it.

TEXT ``-`` reads the message from stdin. The message carries a fresh ``client_id``: if the
connection drops before the ack, the command reconnects and sends the same ``client_id`` again,
which the host answers with the message it already stored (never a second copy).
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any

from desktop.cli import client

# Connections tried for one message: a dropped connection is retried, a refusal never is.
ATTEMPTS = 3


def main(argv: list[str]) -> int:
    p = client.parser("send", "Send a message to a room; prints its id once the host stored it.")
    p.add_argument("room", metavar="ROOM", help="room name (general, #general) or id")
    p.add_argument("text", metavar="TEXT", help="the message; - reads it from stdin")
    args = p.parse_args(argv)
    return client.run("send", lambda: _send(args))


def _send(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    message = send_message(args, args.room, {"text": text})
    if args.json:
        client.emit(message)
    else:
        client.say(str(message["id"]))
    return 0


def send_message(args: argparse.Namespace, room: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Send ``fields`` (text, attachments) to ``room`` with one client_id across retries."""
    client_id = uuid.uuid4().hex
    for attempt in range(ATTEMPTS):
        conn = client.connect(args)
        try:
            room_id = client.find_room(conn.rooms, room)["id"]
            ack = conn.call("send_message", {"room_id": room_id, "client_id": client_id, **fields})
            return dict(ack["message"])
        except client.Lost:
            if attempt == ATTEMPTS - 1:
                raise
        finally:
            conn.close()
    raise AssertionError("unreachable")
