"""What every chat command shares: where the host is, its HTTP API, one Socket.IO connection.

The connection is python-socketio's sync client on the websocket transport only (the host serves
nothing else), so it needs ``websocket-client`` at run time; HTTP (``/api/info``, uploads,
downloads) goes through urllib, which keeps ``requests`` out of the program. Commands talk the
protocol of docs/protocol.md; a refusal from the host becomes ``Failure`` with the host's own
sentence, which ``run`` prints as the command's one-line reason (exit 1).

Over ``https://`` every connection has the host's key pinned (desktop/pinning.py): the fingerprint
saved with the login (``parley join`` pinned it from the invite link, ``--fingerprint`` or a first
use the person confirmed). A different key is ``Mismatch`` (exit 3, ``fingerprint_mismatch``),
checked right after the handshake, before a token or join code is written. ``http://`` is plain: a
host started with ``--no-tls``, or one on this machine over loopback.
"""

from __future__ import annotations

import argparse
import json
import queue
import ssl
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import socketio

from backend import DEFAULT_PORT, normalize_fingerprint
from desktop import pinning
from desktop.cli import logins

# One answer from a LAN host on loopback or Wi-Fi; a host that needs longer is as good as gone.
TIMEOUT = 10.0
# A quick "is anyone there" before connecting: an address nothing answers on fails fast.
PROBE_TIMEOUT = 5.0
# websocket-client's close handshake waits up to 3 s for the host's close frame; a command that has
# its answer does not wait for it (the host sees the socket close either way).
CLOSE_WAIT = 0.5


class Failure(Exception):
    """The command cannot do what was asked; ``str()`` is the reason for a person, ``code`` the
    protocol's error code when the host gave one (``bad_code``, ``forbidden``, …)."""

    def __init__(self, reason: str, code: str | None = None, data: Any = None) -> None:
        super().__init__(reason)
        self.code = code
        self.data = data


class Lost(Failure):
    """The connection ended before the host answered (the command may be retried)."""


# The exit code of a command that met another key than the one pinned for the host: scripts must be
# able to tell "someone may be in the middle" from an ordinary failure (1).
MISMATCH_EXIT = 3


class Mismatch(Failure):
    """The host presented another key than the pinned one: never retried, never re-pinned."""

    def __init__(self, exc: pinning.PinMismatch) -> None:
        super().__init__(
            f"{exc} (fingerprint_mismatch). If the host was really reinstalled, join it again "
            "with its new invite link or --fingerprint",
            "fingerprint_mismatch",
            {"expected": exc.expected, "presented": exc.presented},
        )


def host_error(error: Any, fallback: str = "the host refused") -> Failure:
    """A Failure from the protocol's error object ``{"code", "message", "data"?}``."""
    if not isinstance(error, dict):
        return Failure(fallback)
    code = str(error.get("code") or "error")
    message = str(error.get("message") or fallback)
    data = error.get("data")
    reason = f"{message} ({code})"
    if code == "rate_limited" and isinstance(data, dict) and "retry_after" in data:
        reason = f"{message} ({code}; retry after {data['retry_after']} s)"
    return Failure(reason, code, data)


# --- where the host is ----------------------------------------------------------------------------


class Target(NamedTuple):
    url: str  # scheme://host:port/
    code: str | None  # the join code an invite link carries
    fingerprint: str | None  # the host's key an invite link carries (``fp=``), normalized


def parse_target(text: str) -> Target:
    """An invite link (``https://ADDR:PORT/#code=CODE&fp=FP``), a URL or ``ADDR[:PORT]`` (https:
    hosts speak TLS by default; ``http://`` must be written out) → its parts."""
    text = text.strip()
    if not text:
        raise Failure("no host address given")
    parts = urlsplit(text if "://" in text else "https://" + text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Failure(f"not a host address or invite link: {text!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise Failure(f"bad port in {text!r}") from exc
    netloc = parts.netloc.rpartition("@")[2]  # a user:password@ part means nothing here
    if port is None and "://" not in text:
        netloc = f"{netloc}:{DEFAULT_PORT}"  # a bare address: Parley's port
    elif port is None:
        netloc = f"{netloc}:{DEFAULT_PORT}" if parts.scheme == "http" else netloc
    fragment = parse_qs(parts.fragment)
    code = fragment.get("code", [None])[0]
    fp = fragment.get("fp", [None])[0]
    return Target(f"{parts.scheme}://{netloc}/", code, given_fingerprint(fp) if fp else None)


def given_fingerprint(text: str) -> str:
    """A fingerprint a person gave (in groups, any case) → the canonical form; Failure if it is
    not one."""
    found = normalize_fingerprint(text)
    if found is None:
        raise Failure(
            f"not a host fingerprint: {text!r} (52 letters A-Z and digits 2-7, as the host shows "
            "it in groups of four)",
            "bad_fingerprint",
        )
    return found


# --- HTTP -----------------------------------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise Failure(
                f"the host answered something that is not JSON (HTTP {self.status})"
            ) from exc


def _unreachable(url: str, exc: BaseException) -> Failure:
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, pinning.PinMismatch):
        return Mismatch(reason)
    hint = ""
    if isinstance(reason, ssl.SSLError) and url.startswith("https:"):
        hint = " (if that host was started with --no-tls, use its http:// address)"
    return Failure(f"cannot reach {url}: {reason}{hint}", "unreachable")


def _opener(url: str, fingerprint: str | None, seen: Callable[[str], None] | None = None) -> Any:
    """urllib's opener for ``url``: pinned to ``fingerprint`` over https (None: a first use, the
    key is reported to ``seen``)."""
    if url.startswith("https:"):
        return pinning.opener(fingerprint, seen)
    return urllib.request.build_opener()


def open_url(
    method: str,
    url: str,
    token: str | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
    fingerprint: str | None = None,
    seen: Callable[[str], None] | None = None,
) -> Any:
    """An open HTTP response to read from (a context manager); an error answer becomes Failure
    with the host's message. Over https the host's key must be ``fingerprint``; a request that
    carries a token is never sent unpinned."""
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
        if url.startswith("https:") and fingerprint is None:
            raise Failure(f"no pinned key for {url}: join it again with `parley join`")
    req = urllib.request.Request(url, data=body, method=method, headers=sent)
    try:
        return _opener(url, fingerprint, seen).open(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        exc.close()
        try:
            error = json.loads(raw).get("error")
        except (ValueError, AttributeError):
            error = None
        raise host_error(error, f"the host answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise _unreachable(url, exc) from None


def request(
    method: str,
    url: str,
    token: str | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
    fingerprint: str | None = None,
    seen: Callable[[str], None] | None = None,
) -> Response:
    """One HTTP request, read whole."""
    with open_url(method, url, token, body, headers, timeout, fingerprint, seen) as resp:
        try:
            return Response(resp.status, resp.headers, resp.read())
        except OSError as exc:
            raise Lost(f"the connection to {url} ended: {exc}") from None


def request_json(
    method: str, url: str, token: str | None = None, payload: Any = None, **kw: Any
) -> Any:
    body = None if payload is None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    return request(method, url, token, body, headers, **kw).json()


def host_info(
    url: str, fingerprint: str | None = None, seen: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """``GET /api/info``: the host's id, name, whether it needs a code, its upload limit. Over https
    the key is checked against ``fingerprint``; None asks nothing secret and reports the key the
    host presented to ``seen`` (a first use)."""
    try:
        info = request_json(
            "GET",
            url.rstrip("/") + "/api/info",
            timeout=PROBE_TIMEOUT,
            fingerprint=fingerprint,
            seen=seen,
        )
    except Failure as exc:
        if exc.code == "unreachable":
            raise _unreachable(url, exc.__context__ or exc) from None
        raise
    if not isinstance(info, dict) or not info.get("host_id"):
        raise Failure(f"{url} does not answer like a Parley host")
    return info


# --- the Socket.IO connection ---------------------------------------------------------------------


class Connection:
    """A signed-in connection: ``welcome`` received, ``call`` for acked commands, ``events`` for
    what the host pushes (``message_created`` only: commands print what they asked for)."""

    def __init__(
        self,
        url: str,
        auth: dict[str, Any],
        timeout: float = TIMEOUT,
        fingerprint: str | None = None,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.welcome: dict[str, Any] = {}
        self._welcomed = threading.Event()
        self._refusal: Any = None
        # No reconnection by the library: a command that follows (tail) reconnects itself and
        # resumes from its own offset. handle_sigint=False: the command decides what a signal does.
        options: dict[str, Any] = {}
        if url.startswith("https:"):
            # wss:// over a connection whose key was checked before the websocket handshake (the
            # token or join code in ``auth`` goes out after it): websocket-client uses a given
            # socket as it is.
            options["websocket_extra_options"] = {"socket": _pinned_socket(url, fingerprint)}
        self.sio = socketio.Client(
            reconnection=False, handle_sigint=False, request_timeout=timeout, **options
        )
        # Handlers run on the client's threads (one per message, so in no promised order): they
        # only hand things over, and the command's own thread decides what to do, in its order.
        self.sio.on("welcome", self._on_welcome)
        self.sio.on("connect_error", self._on_refused)
        self.sio.on("disconnect", lambda *a: self.events.put(("disconnect", None)))
        self.sio.on("message_created", lambda m: self.events.put(("message_created", m)))
        try:
            self.sio.connect(url, transports=["websocket"], auth=auth, wait_timeout=timeout)
        except socketio.exceptions.ConnectionError as exc:
            if self._refusal is not None:
                raise self._refused() from None
            raise _unreachable(url, exc) from None
        if not self._welcomed.wait(timeout):
            self.close()
            raise Lost(f"{url} accepted the connection but sent no welcome")

    def _on_welcome(self, data: Any) -> None:
        self.welcome = data if isinstance(data, dict) else {}
        self._welcomed.set()

    def _on_refused(self, data: Any = None) -> None:
        # The host's refusal is {"message", "data": {"code", "message"}}; python-socketio also
        # reports a connection that never opened here, with a plain string (not a refusal).
        if isinstance(data, dict):
            self._refusal = data

    def _refused(self) -> Failure:
        data = self._refusal if isinstance(self._refusal, dict) else {}
        return host_error(data.get("data"), str(data.get("message") or "the host refused"))

    @property
    def rooms(self) -> list[dict[str, Any]]:
        return list(self.welcome.get("rooms") or [])

    @property
    def user(self) -> dict[str, Any]:
        return dict(self.welcome.get("user") or {})

    @property
    def server(self) -> dict[str, Any]:
        return dict(self.welcome.get("server") or {})

    def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Send one command and wait for its ack; ``{"ok": false}`` raises Failure."""
        try:
            ack = self.sio.call(event, data, timeout=self.timeout)
        except socketio.exceptions.TimeoutError:
            raise Lost(f"no answer from {self.url} to {event} within {self.timeout:g} s") from None
        except (socketio.exceptions.BadNamespaceError, socketio.exceptions.DisconnectedError):
            raise Lost(f"the connection to {self.url} ended") from None
        if not isinstance(ack, dict):
            raise Failure(f"the host answered {event} with something unexpected")
        if not ack.get("ok"):
            raise host_error(ack.get("error"))
        return ack

    def close(self) -> None:
        """Say goodbye without waiting out the close handshake (see CLOSE_WAIT)."""
        if self.sio.connected:
            done = threading.Thread(target=self.sio.disconnect, daemon=True)
            done.start()
            done.join(CLOSE_WAIT)


def _pinned_socket(url: str, fingerprint: str | None) -> pinning.SharedTLS:
    if fingerprint is None:
        raise Failure(f"no pinned key for {url}: join it again with `parley join`")
    parts = urlsplit(url)
    try:
        return pinning.pinned_socket(
            parts.hostname or "", parts.port or 443, fingerprint, PROBE_TIMEOUT
        )
    except pinning.PinMismatch as exc:
        raise Mismatch(exc) from None
    except OSError as exc:
        raise _unreachable(url, exc) from None


def find_room(rooms: Iterable[dict[str, Any]], wanted: str) -> dict[str, Any]:
    """A room by name (``general``, ``#general``, any case) or by id (``12``)."""
    text = wanted.strip()
    name = text.removeprefix("#").lower()
    rooms = list(rooms)
    for room in rooms:
        if room.get("kind") == "channel" and str(room.get("name", "")).lower() == name:
            return room
    if text.isdigit():
        for room in rooms:
            if room.get("id") == int(text):
                return room
    raise Failure(f"no room {wanted!r} on this host (see parley rooms)", "not_found")


# --- a command's frame: common flags, the saved login, output, exit codes -------------------------


def parser(name: str, description: str, host: bool = True) -> argparse.ArgumentParser:
    """A command's parser with the flags every chat command takes."""
    p = argparse.ArgumentParser(prog=f"parley {name}", description=description)
    if host:
        p.add_argument(
            "--host", metavar="URL", help="the host to use (default: the one joined last)"
        )
    p.add_argument(
        "--config-dir",
        metavar="DIR",
        help=f"where saved logins are kept (default: ${logins.CONFIG_ENV}, else the user config dir)",
    )
    p.add_argument(
        "--json", action="store_true", help="print one JSON object per line (for scripts)"
    )
    return p


def saved_login(args: argparse.Namespace) -> tuple[logins.Login, str]:
    """The login to use and the URL to reach it at: ``--host`` (matched by address, else by the
    host's id), else the default host."""
    directory = logins.config_dir(args.config_dir)
    try:
        if args.host:
            url = parse_target(args.host).url
            found = logins.by_url(directory, url)
            if found is None:
                found = logins.by_host_id(directory, str(host_info(url)["host_id"]))
            if found is None:
                raise Failure(f"no saved login for {url}: run `parley join {url} --name NAME`")
            return found, url
        found = logins.default(directory)
    except OSError as exc:
        raise Failure(str(exc)) from None
    if found is None:
        raise Failure("no saved login: run `parley join INVITE_LINK --name NAME` first")
    return found, found.url


def connect(args: argparse.Namespace) -> Connection:
    login, url = saved_login(args)
    try:
        return Connection(url, {"token": login.token}, fingerprint=login.fingerprint)
    except Failure as exc:
        if exc.code == "bad_token":
            raise Failure(
                f"{url} no longer accepts this device ({exc}); join again with `parley join`",
                "bad_token",
            ) from None
        raise


def emit(obj: Any) -> None:
    """One JSON object per line, keys sorted: stable for scripts."""
    print(json.dumps(obj, sort_keys=True, ensure_ascii=False), flush=True)


def say(text: str) -> None:
    print(text, flush=True)


def run(name: str, body: Callable[[], int]) -> int:
    """Run a command's body: Failure → its reason on stderr, exit 1 (3 for another key than the
    pinned one)."""
    try:
        return body()
    except Mismatch as exc:
        print(f"parley {name}: {exc}", file=sys.stderr, flush=True)
        return MISMATCH_EXIT
    except Failure as exc:
        print(f"parley {name}: {exc}", file=sys.stderr, flush=True)
        return 1
    except OSError as exc:  # a local file or folder: unreadable, missing, full disk
        print(f"parley {name}: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print(f"parley {name}: interrupted", file=sys.stderr, flush=True)
        return 1


def format_message(message: dict[str, Any], room_name: str | None = None) -> str:
    """``2026-11-23 10:15:02 #general ana: text`` with files and edits noted, for people."""
    stamp = str(message.get("created_at", "")).replace("T", " ")[:19]
    author = (message.get("author") or {}).get("name", "?")
    where = f"#{room_name} " if room_name else ""
    if message.get("deleted"):
        text = "(deleted)"
    else:
        text = str(message.get("text", "")).replace("\n", "\n    ")
    for f in message.get("attachments") or []:
        text += f"\n    [file {f.get('id')}: {f.get('name')} ({f.get('size')} bytes)]"
    edited = " (edited)" if message.get("edited_at") and not message.get("deleted") else ""
    return f"{stamp} {where}{author}: {text.lstrip(chr(10))}{edited}  [{message.get('id')}]"
