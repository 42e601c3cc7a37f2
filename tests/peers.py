"""A test peer: a real python-socketio client (websocket only) that records what it receives."""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

import socketio

TIMEOUT = 10.0


class Refused(Exception):
    """The host refused the connection; ``data`` is the ``{"code", "message"}`` it sent."""

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.data = data

    @property
    def code(self) -> str | None:
        return (self.data or {}).get("data", {}).get("code")


class Peer:
    def __init__(
        self,
        url: str,
        auth: dict[str, Any],
        headers: dict[str, str] | None = None,
        ca: str | None = None,
    ) -> None:
        """``ca``: for an https:// URL, the host's certificate file to trust (its tls-cert.pem)."""
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.refusal: Any = None
        self.disconnected = False
        tls = {"websocket_extra_options": {"sslopt": {"ca_certs": ca}}} if ca else {}
        self.sio = socketio.Client(reconnection=False, **tls)
        self.sio.on("*", self._record)
        self.sio.on("connect_error", self._refused)
        self.sio.on("disconnect", self._gone)
        try:
            self.sio.connect(
                url,
                transports=["websocket"],
                auth=auth,
                headers=headers or {},
                wait_timeout=TIMEOUT,
            )
        except socketio.exceptions.ConnectionError as exc:
            raise Refused(self.refusal) from exc
        self.welcome: dict[str, Any] = self.expect("welcome")
        self.user: dict[str, Any] = self.welcome["user"]
        self.token: str = self.welcome["token"]

    def _record(self, event: str, *args: Any) -> None:
        self.events.put((event, args[0] if args else None))

    def _refused(self, data: Any = None) -> None:
        self.refusal = data

    def _gone(self, *args: Any) -> None:
        self.disconnected = True

    def room_id(self, name: str = "general") -> int:
        return next(r["id"] for r in self.welcome["rooms"] if r["name"] == name)

    def call(self, event: str, data: Any = None, timeout: float = TIMEOUT) -> Any:
        if data is None:
            data = {}
        return self.sio.call(event, data, timeout=timeout)

    def ok(self, event: str, data: Any = None) -> dict[str, Any]:
        """``call``, whose answer must be ``ok``; the answer."""
        ack = self.call(event, data)
        assert ack["ok"], ack
        return ack  # type: ignore[no-any-return]

    def send(self, room_id: int, text: str, client_id: str) -> dict[str, Any]:
        ack = self.call("send_message", {"room_id": room_id, "text": text, "client_id": client_id})
        assert ack["ok"], ack
        return ack["message"]  # type: ignore[no-any-return]

    def expect(self, event: str, timeout: float = TIMEOUT) -> Any:
        """The next ``event`` received (others before it are dropped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {event!r} within {timeout}s")
            try:
                name, payload = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if name == event:
                return payload

    def expect_user(self, user_id: int, online: bool, timeout: float = TIMEOUT) -> Any:
        """The user's entry in the next ``users_changed`` that lists them ``online`` or not (a
        window's batch may list others too)."""
        deadline = time.monotonic() + timeout
        while True:
            batch = self.expect("users_changed", max(0.01, deadline - time.monotonic()))
            for user in batch["users"]:
                if user["id"] == user_id and user["online"] is online:
                    return user

    def received(self, event: str, within: float = 0.5) -> list[Any]:
        """Every ``event`` received until ``within`` seconds pass quietly."""
        found = []
        while True:
            try:
                name, payload = self.events.get(timeout=within)
            except queue.Empty:
                return found
            if name == event:
                found.append(payload)

    def close(self) -> None:
        """Disconnect without waiting: python-socketio's client then waits out websocket-client's
        3 s close timeout, which says nothing about the host and would only slow the suite."""
        if self.sio.connected:
            threading.Thread(target=self.sio.disconnect, daemon=True).start()


def refusal(
    url: str, auth: Any, headers: dict[str, str] | None = None, ca: str | None = None
) -> Refused:
    """Connect expecting a refusal; return it."""
    try:
        Peer(url, auth, headers, ca).close()
    except Refused as exc:
        return exc
    raise AssertionError("the host accepted the connection")
