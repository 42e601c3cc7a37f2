"""``parley tail [--host URL] ROOM [-n N] [--follow]``: the room's last N messages; with
``--follow``, then every new one as it arrives, until SIGINT or SIGTERM (exit 0).

Following keeps an offset: the id up to which what was printed has no gap (docs/protocol.md,
``welcome``). A live ``message_created`` only says "there is more": the command then fetches
``after_id=offset`` page by page and prints those, in id order, so a broadcast that arrives out of
order, a burst, or the messages sent while the connection was down (it reconnects on its own, with
a growing pause) are each printed once, with nothing skipped.
"""

from __future__ import annotations

import argparse
import queue
import signal
import sys
import threading
from typing import Any

from desktop.cli import client

PAGE = 200  # the host's largest fetch page
# How often the follow loop looks at the stop flag while nothing arrives (a signal's latency).
POLL = 0.2
RECONNECT_FIRST = 0.5
RECONNECT_MAX = 5.0


def main(argv: list[str]) -> int:
    p = client.parser("tail", "Print a room's last messages; --follow keeps printing new ones.")
    p.add_argument("room", metavar="ROOM", help="room name (general, #general) or id")
    p.add_argument("-n", "--lines", type=int, default=10, metavar="N", help="how many (0-200)")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing new messages")
    args = p.parse_args(argv)
    if not 0 <= args.lines <= PAGE:
        p.error(f"-n must be 0-{PAGE}")
    return client.run("tail", lambda: _tail(args))


class Tail:
    def __init__(self, args: argparse.Namespace, conn: client.Connection) -> None:
        self.args = args
        self.conn = conn
        self.room = client.find_room(conn.rooms, args.room)
        self.room_id = int(self.room["id"])
        self.offset = 0  # every message with id <= offset has been printed (or was before -n)

    def show(self, message: dict[str, Any]) -> None:
        if self.args.json:
            client.emit(message)
        else:
            client.say(client.format_message(message))

    def last(self, count: int) -> None:
        """The newest ``count`` messages; the offset becomes the newest id there is."""
        page = self.conn.call("fetch_messages", {"room_id": self.room_id, "limit": max(count, 1)})
        messages = page["messages"]
        for message in messages[len(messages) - count :] if count else []:
            self.show(message)
        if messages:
            self.offset = max(self.offset, int(messages[-1]["id"]))

    def catch_up(self) -> None:
        """Everything after the offset, page by page."""
        while True:
            page = self.conn.call(
                "fetch_messages", {"room_id": self.room_id, "after_id": self.offset, "limit": PAGE}
            )
            for message in page["messages"]:
                if int(message["id"]) > self.offset:
                    self.show(message)
                    self.offset = int(message["id"])
            if not page.get("has_more") or not page["messages"]:
                return

    def follow(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                event, payload = self.conn.events.get(timeout=POLL)
            except queue.Empty:
                continue
            try:
                if event == "disconnect":
                    raise client.Lost("the connection ended")
                if (
                    event == "message_created"
                    and isinstance(payload, dict)
                    and payload.get("room_id") == self.room_id
                    and int(payload.get("id", 0)) > self.offset
                ):
                    self.catch_up()
            except client.Lost:
                self.conn.close()
                if not self.reconnect(stop):
                    return

    def reconnect(self, stop: threading.Event) -> bool:
        """A new connection, then what was missed; False once asked to stop."""
        print("parley tail: connection lost; reconnecting", file=sys.stderr, flush=True)
        pause = RECONNECT_FIRST
        while not stop.wait(pause):
            try:
                self.conn = client.connect(self.args)
                self.catch_up()
                return True
            except client.Failure as exc:
                if not isinstance(exc, client.Lost) and exc.code != "unreachable":
                    raise
                pause = min(pause * 2, RECONNECT_MAX)
        return False


def _tail(args: argparse.Namespace) -> int:
    stop = threading.Event()
    if args.follow:
        # Set before connecting, so a signal at any point ends the command with 0.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    conn = client.connect(args)
    try:
        tail = Tail(args, conn)
    except client.Failure:
        conn.close()
        raise
    try:
        tail.last(args.lines)
        if args.follow:
            tail.catch_up()  # anything stored between the page above and the subscription
            tail.follow(stop)
    finally:
        tail.conn.close()
    return 0
