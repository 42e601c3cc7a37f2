"""A test agent living inside one network namespace, driven over stdin/stdout (JSON lines).

Run as ``ip netns exec NS python -m tests.lan.agent``. Each request line is ``{"op": ..., ...}``;
each answer line is ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``. It uses the real
parts: backend.discovery's HostBrowser (zeroconf on this namespace's interface), a python-socketio
client on the websocket transport that reconnects by itself and resyncs with ``after_id`` after every
welcome, and HTTP for probes. Over https every connection is pinned (desktop/pinning.py) to the
fingerprint the test gives it, as the app pins the one from an invite link: the websocket too, each
time it reconnects (``PinnedClient``), so a reconnect to an impostor never writes a byte.
"""

from __future__ import annotations

import hashlib
import json
import socket
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import engineio
import socketio

from backend.discovery import HostBrowser
from backend.netinfo import lan_ipv4
from desktop import pinning


class PinnedEngineIO(engineio.Client):  # type: ignore[misc]
    """Engine.IO's client whose every websocket to an https host is a pinned TLS connection
    (websocket-client's ``socket=``): the key is checked before the upgrade request is written."""

    fingerprint: str | None = None
    mismatches: list[str]

    def _connect_websocket(self, url: str, headers: Any, engineio_path: str) -> Any:
        parts = urllib.parse.urlsplit(url)
        options = {k: v for k, v in self.websocket_extra_options.items() if k != "socket"}
        if parts.scheme in ("https", "wss"):
            try:
                options["socket"] = pinning.pinned_socket(
                    parts.hostname or "", parts.port or 443, self.fingerprint, self.request_timeout
                )
            except pinning.PinMismatch as exc:
                self.mismatches.append(str(exc))
                raise engineio.exceptions.ConnectionError(str(exc)) from exc
            except OSError as exc:
                raise engineio.exceptions.ConnectionError(str(exc)) from exc
        self.websocket_extra_options = options
        return super()._connect_websocket(url, headers, engineio_path)


class PinnedClient(socketio.Client):  # type: ignore[misc]
    def __init__(self, fingerprint: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.eio.fingerprint = fingerprint
        self.eio.mismatches = []

    def _engineio_client_class(self) -> type[engineio.Client]:
        return PinnedEngineIO


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
        self.base = ""  # the host's URL, for HTTP next to the socket
        self.fingerprint: str | None = None  # the key every https connection is pinned to
        self.token = ""

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

    def op_connect(
        self, url: str, auth: dict[str, Any], fingerprint: str | None = None
    ) -> dict[str, Any]:
        self.auth = dict(auth)
        self.base, self.fingerprint = url, fingerprint
        sio = PinnedClient(
            fingerprint, reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2
        )
        welcomed = threading.Event()
        refused: dict[str, Any] = {}

        @sio.on("welcome")
        def welcome(data: dict[str, Any]) -> None:
            # From now on reconnect as the same device.
            self.auth = {"token": data["token"]}
            self.token = data["token"]
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
        return {"rooms": self.rooms, "welcomes": self.welcomes, "token": self.token}

    def op_pin_failures(self) -> dict[str, Any]:
        """What the websocket's reconnects met: each PinMismatch's message."""
        assert self.sio is not None
        return {"mismatches": list(self.sio.eio.mismatches), "welcomes": self.welcomes}

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

    def op_send(
        self,
        text: str,
        client_id: str,
        room: str = "general",
        attachments: list[int] | None = None,
    ) -> dict[str, Any]:
        """Send, retrying with the same client_id until acked (the outbox rule)."""
        deadline = time.monotonic() + 30
        message: dict[str, Any] = {
            "room_id": self.rooms[room],
            "text": text,
            "client_id": client_id,
        }
        if attachments:
            message["attachments"] = attachments
        while True:
            try:
                assert self.sio is not None
                ack = self.sio.call("send_message", message, timeout=3)
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

    def op_emit(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """One event, not waiting for an answer (a write on the websocket, whatever comes of it)."""
        assert self.sio is not None
        self.sio.emit(event, data)
        return {}

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

    # -- HTTP -----------------------------------------------------------------------------------

    def _opener(
        self, fingerprint: str | None, follow: bool = True
    ) -> urllib.request.OpenerDirector:
        handlers: list[urllib.request.BaseHandler] = [
            urllib.request.ProxyHandler({}),
            pinning.PinnedHTTPSHandler(fingerprint),
        ]
        if not follow:
            handlers.append(_NoRedirect())
        return urllib.request.build_opener(*handlers)

    def op_http(
        self,
        url: str,
        headers: dict[str, str],
        fingerprint: str | None = None,
        follow: bool = True,
        method: str = "GET",
        body: str | None = None,
    ) -> dict[str, Any]:
        """One request; https pinned to ``fingerprint`` (None: first use, any key)."""
        data = body.encode() if body is not None else None
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with self._opener(fingerprint, follow).open(request, timeout=5) as response:
                return {
                    "status": response.status,
                    "url": response.url,
                    "headers": dict(response.headers),
                    "body": response.read(2000).decode("utf-8", "replace"),
                }
        except urllib.error.HTTPError as exc:
            return {
                "status": exc.code,
                "url": exc.url,
                "headers": dict(exc.headers),
                "body": exc.read(2000).decode("utf-8", "replace"),
            }
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, pinning.PinMismatch):
                mismatch = exc.reason
                return {
                    "mismatch": str(mismatch),
                    "expected": mismatch.expected,
                    "presented": mismatch.presented,
                }
            raise

    def op_pinned_socket(self, host: str, port: int, fingerprint: str) -> dict[str, Any]:
        """A bare pinned TLS connection (what a websocket goes over): its key, or the mismatch."""
        try:
            sock = pinning.pinned_socket(host, port, fingerprint, timeout=5)
        except pinning.PinMismatch as exc:
            return {"mismatch": str(exc), "expected": exc.expected, "presented": exc.presented}
        sock.close()
        return {"mismatch": None}

    def op_plain_request(self, host: str, port: int, request: str) -> dict[str, Any]:
        """Raw bytes over plain TCP (no client library in between), the answer as text."""
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(request.encode("latin-1"))
            answer = b""
            while len(answer) < 65536:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        return {"answer": answer.decode("latin-1")}

    def op_upload(self, name: str, content: str, room: str = "general") -> dict[str, Any]:
        """Send a file to a room with this device's token (docs/protocol.md "Files"), then post a
        message with it, as the UI does."""
        data = content.encode()
        base = self.base.rstrip("/")
        auth = {"Authorization": f"Bearer {self.token}"}
        meta = {
            "room_id": self.rooms[room],
            "name": name,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        opener = self._opener(self.fingerprint)
        created = opener.open(
            urllib.request.Request(
                f"{base}/api/uploads",
                data=json.dumps(meta).encode(),
                headers={**auth, "Content-Type": "application/json"},
                method="POST",
            ),
            timeout=10,
        )
        upload_id = json.load(created)["upload_id"]
        sent = opener.open(
            urllib.request.Request(
                f"{base}/api/uploads/{upload_id}",
                data=data,
                headers={**auth, "Upload-Offset": "0", "Content-Type": "application/octet-stream"},
                method="PUT",
            ),
            timeout=10,
        )
        file = json.load(sent)["file"]
        return {"file": file}

    def op_download(self, file_id: int) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.base.rstrip('/')}/api/files/{file_id}",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        with self._opener(self.fingerprint).open(request, timeout=10) as response:
            return {"content": response.read().decode("utf-8", "replace")}

    def op_quit(self) -> dict[str, Any]:
        if self.browser is not None:
            self.browser.stop()
        if self.sio is not None:
            threading.Thread(target=self.sio.disconnect, daemon=True).start()
        return {}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Answers a redirect is about are returned as they are (the test reads Location)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


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
