"""A test agent living inside one network namespace, driven over stdin/stdout (JSON lines).

Run as ``ip netns exec NS python -m tests.lan.agent``. Each request line is ``{"op": ..., ...}``;
each answer line is ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``. It uses the real
parts: backend.discovery's HostBrowser (zeroconf on this namespace's interface), a python-socketio
client on the websocket transport that reconnects by itself and resyncs with ``after_id`` after every
welcome, and plain HTTP for probes.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from typing import Any

import socketio

from backend.discovery import HostBrowser
from backend.netinfo import lan_ipv4


class Agent:
    def __init__(self) -> None:
        self.browser: HostBrowser | None = None
        self.sio: socketio.Client | None = None
        self.auth: dict[str, Any] = {}
        self.welcomes = 0
        self.rooms: dict[str, int] = {}
        self.messages: dict[int, dict[str, Any]] = {}  # id → message: what this client has seen
        self.deliveries: list[int] = []  # every id as it arrived, duplicates included
        self.hosts_seen: list[list[str]] = []  # host names in each hosts_changed event
        self.lock = threading.Lock()

    # -- discovery ------------------------------------------------------------------------------

    def op_browse(
        self,
        wait_for: list[str] | None = None,
        absent: list[str] | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """Start browsing (once) and wait until the named hosts are listed / gone."""
        started = time.monotonic()
        if self.browser is None:
            self.browser = HostBrowser(interfaces=lan_ipv4())
            self.browser.start()
        while True:
            hosts = self.browser.hosts()
            names = {h["name"] for h in hosts}
            if set(wait_for or ()) <= names and not names & set(absent or ()):
                return {"hosts": hosts, "seconds": time.monotonic() - started}
            if time.monotonic() - started > timeout:
                return {"hosts": hosts, "seconds": None}
            time.sleep(0.05)

    # -- chat -----------------------------------------------------------------------------------

    def op_connect(self, url: str, auth: dict[str, Any]) -> dict[str, Any]:
        self.auth = dict(auth)
        sio = socketio.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2)
        welcomed = threading.Event()
        refused: dict[str, Any] = {}

        @sio.on("welcome")
        def welcome(data: dict[str, Any]) -> None:
            # From now on reconnect as the same device.
            self.auth = {"token": data["token"]}
            with self.lock:
                self.welcomes += 1
                self.rooms = {r["name"]: r["id"] for r in data["rooms"] if r["member"]}
            threading.Thread(target=self._resync, daemon=True).start()
            welcomed.set()

        @sio.on("message_created")
        def created(message: dict[str, Any]) -> None:
            self._seen(message)

        @sio.on("hosts_changed")
        def hosts_changed(data: dict[str, Any]) -> None:
            with self.lock:
                self.hosts_seen.append(sorted(h["name"] for h in data["hosts"]))

        @sio.on("connect_error")
        def connect_error(data: Any) -> None:
            refused["data"] = data

        # auth as a callable: every reconnect presents the current token, not the first auth.
        sio.connect(url, transports=["websocket"], auth=lambda: self.auth, wait_timeout=10)
        if not welcomed.wait(10):
            raise RuntimeError(f"no welcome: {refused}")
        self.sio = sio
        return {"rooms": self.rooms, "welcomes": self.welcomes}

    def _seen(self, message: dict[str, Any]) -> None:
        with self.lock:
            self.deliveries.append(message["id"])
            self.messages[message["id"]] = message

    def _resync(self) -> None:
        """After a (re)connect: fetch what was missed since the newest message held, per room."""
        assert self.sio is not None
        for room_id in list(self.rooms.values()):
            while True:
                with self.lock:
                    held = [m["id"] for m in self.messages.values() if m["room_id"] == room_id]
                ack = self.sio.call(
                    "fetch_messages",
                    {"room_id": room_id, "after_id": max(held, default=0)},
                    timeout=10,
                )
                for message in ack["messages"]:
                    with self.lock:
                        if message["id"] not in self.messages:
                            self.messages[message["id"]] = message
                if not ack["has_more"]:
                    break

    def op_send(self, text: str, client_id: str, room: str = "general") -> dict[str, Any]:
        """Send, retrying with the same client_id until acked (the outbox rule)."""
        deadline = time.monotonic() + 30
        while True:
            try:
                assert self.sio is not None
                ack = self.sio.call(
                    "send_message",
                    {"room_id": self.rooms[room], "text": text, "client_id": client_id},
                    timeout=3,
                )
                if ack["ok"]:
                    return {"message": ack["message"]}
                raise RuntimeError(ack)
            except (
                socketio.exceptions.TimeoutError,
                socketio.exceptions.BadNamespaceError,
                socketio.exceptions.DisconnectedError,
            ):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def op_messages(self, texts: list[str] | None = None, timeout: float = 10.0) -> dict[str, Any]:
        """What this client holds (after waiting for ``texts`` to be among it)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                held = sorted(self.messages.values(), key=lambda m: m["id"])
            if set(texts or ()) <= {m["text"] for m in held} or time.monotonic() > deadline:
                with self.lock:
                    deliveries = list(self.deliveries)
                return {
                    "messages": held,
                    "deliveries": deliveries,
                    "welcomes": self.welcomes,
                    "connected": bool(self.sio and self.sio.connected),
                }
            time.sleep(0.05)

    def op_hosts_changed(self, names: list[str], timeout: float = 10.0) -> dict[str, Any]:
        """Wait until the newest hosts_changed event lists exactly ``names``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.hosts_seen and self.hosts_seen[-1] == sorted(names):
                    return {"events": list(self.hosts_seen)}
            time.sleep(0.05)
        return {"events": list(self.hosts_seen), "timeout": True}

    def op_wait_welcomes(self, count: int, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while self.welcomes < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return {"welcomes": self.welcomes}

    # -- raw HTTP -------------------------------------------------------------------------------

    def op_http(self, url: str, headers: dict[str, str]) -> dict[str, Any]:
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return {
                    "status": response.status,
                    "body": response.read(2000).decode("utf-8", "replace"),
                }
        except urllib.error.HTTPError as exc:
            return {"status": exc.code, "body": exc.read(2000).decode("utf-8", "replace")}

    def op_quit(self) -> dict[str, Any]:
        if self.browser is not None:
            self.browser.stop()
        if self.sio is not None:
            threading.Thread(target=self.sio.disconnect, daemon=True).start()
        return {}


def main() -> None:
    agent = Agent()
    for line in sys.stdin:
        request = json.loads(line)
        op = request.pop("op")
        try:
            answer = {"ok": True, **getattr(agent, f"op_{op}")(**request)}
        except Exception as exc:
            answer = {
                "ok": False,
                "error": f"{type(exc).__name__}: {exc}",
                "trace": traceback.format_exc(),
            }
        print(json.dumps(answer), flush=True)
        if op == "quit":
            return


if __name__ == "__main__":
    main()
