"""The js_api: the few native things the page may ask for, and only the local host's own page.

Exposed to JavaScript as ``window.pywebview.api``:

- ``notify(title, body, room_id?)`` → bool: a native notification (see notify.py); a click focuses
  the window and opens that room (the page gets a ``parley:open-room`` event, window.py).
- ``set_unread(count)``: the window title becomes ``(N) Parley``, and the launcher's badge shows N.
- ``open_external(url)`` → bool: the system browser, for http/https URLs only.
- ``join_host(address)`` → dict: ``address`` is what a person typed (``host``, ``host:port``, a
  http(s) URL or an invite link ``https://ADDR:PORT/#code=…&fp=…``) or a nearby host's list of
  URLs. Each candidate's ``/api/info`` is asked (all at once, see probe.py); the window goes to the
  first, in the given order, that answers as a Parley host. Returns ``{"ok", "url"?, "attempts":
  [{"url", "step", "message", "name", "fingerprint", "host_id"}]}``; ``step`` is ``ok``,
  ``invalid``, ``unreachable``, ``refused``, ``not_parley``, ``host_refused`` or ``mismatch``.
  Without a scheme an address is https. Over https the host's key is checked against the link's
  ``fp=``, else the key pinned for that address or host (pins.py), else pinned now (first use: the
  host's join screen shows the fingerprint to compare); the window's TLS handler (tls_window.py)
  then accepts exactly that key.
- ``desktop_info()`` → dict: version, platform, how notifications go out.

Every call is refused (the JS promise rejects with PermissionError) unless the window's current
page is this machine's host UI (same scheme, 127.0.0.1 and port). Another host's page, shown after
``join_host``, gets nothing; neither does the blank page the window shows while the host is still
starting (no home URL yet, see ``set_home``).

Hardening: pywebview 6.2.1 resolves a call's name with ``getattr`` along a dotted path the page
chooses (``webview/util.py: get_nested_attribute``) and does not skip ``_`` names there, so a page
could reach ``api.notify.__self__._window`` or ``notify.__func__.__globals__``. The object handed to
pywebview therefore holds only stand-alone trampolines whose globals are empty, and refuses every
``_`` attribute; the state lives in ``Bridge``, which pywebview never sees.
"""

from __future__ import annotations

import logging
import re
import sys
import types
import urllib.parse
import webbrowser
from collections.abc import Callable
from typing import Any, Protocol

from backend import DEFAULT_PORT, __version__, normalize_fingerprint

from . import probe
from .pins import Pins

log = logging.getLogger(__name__)

APP_TITLE = "Parley"
# Longer than any real title or message preview; keeps a page from flooding the notification area.
MAX_TITLE = 120
MAX_BODY = 400
MAX_URL = 2048
# JavaScript's safe integers: a room id is one.
MAX_ROOM_ID = 2**53 - 1
# A hostname, IPv4 or bracketed IPv6 with an optional port: what people type into "join by address".
_ADDRESS = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")


class WindowPort(Protocol):
    """What the bridge needs of a pywebview ``Window`` (tests pass a fake)."""

    def get_current_url(self) -> str | None: ...
    def set_title(self, title: str) -> None: ...


class Bridge:
    """The checks and actions behind the exposed functions."""

    def __init__(
        self,
        home_url: str | None,
        window: WindowPort,
        notify: Callable[[str, str, int | None], bool],
        notify_method: str = "none",
        badge: Callable[[int], None] | None = None,
        open_browser: Callable[[str], object] = webbrowser.open,
        probe_timeout: float = probe.PROBE_TIMEOUT,
        pins: Pins | None = None,
    ) -> None:
        self._home = urllib.parse.urlsplit(home_url) if home_url else None
        self._window = window
        self._notify = notify
        self._notify_method = notify_method
        self._badge = badge
        self._open_browser = open_browser
        self._probe_timeout = probe_timeout
        self._pins = pins if pins is not None else Pins(None)

    def api(self) -> Any:
        """The object to pass as ``js_api``: sealed trampolines into this bridge, nothing else."""
        return _SealedApi(
            {
                "notify": _trampoline("notify", self._guarded(self.notify)),
                "set_unread": _trampoline("set_unread", self._guarded(self.set_unread)),
                "open_external": _trampoline("open_external", self._guarded(self.open_external)),
                "join_host": _trampoline("join_host", self._guarded(self.join_host)),
                "desktop_info": _trampoline("desktop_info", self._guarded(self.desktop_info)),
            }
        )

    def set_home(self, home_url: str) -> None:
        """The local host's URL, once it is serving (the window opens before that)."""
        self._home = urllib.parse.urlsplit(home_url)

    def is_home(self, url: str | None) -> bool:
        """True when ``url`` is on the local host's own origin."""
        home = self._home
        if not url or home is None:
            return False
        try:
            parts = urllib.parse.urlsplit(url)
            return (parts.scheme, parts.hostname, parts.port) == (
                home.scheme,
                home.hostname,
                home.port,
            )
        except ValueError:
            return False

    def _guarded(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(*args: Any) -> Any:
            url = self._window.get_current_url()
            if not self.is_home(url):
                log.warning("js_api %s refused for page %s", fn.__name__, url)
                raise PermissionError(f"{fn.__name__} is only for this computer's own Parley page")
            return fn(*args)

        return guarded

    def notify(self, title: object, body: object = "", room_id: object = None) -> bool:
        if room_id is not None and not _is_count(room_id, MAX_ROOM_ID):
            raise ValueError("room_id must be a room's id")
        room = room_id if isinstance(room_id, int) else None
        return self._notify(_text(title, MAX_TITLE), _text(body, MAX_BODY), room)

    def set_unread(self, count: object) -> None:
        if not _is_count(count, MAX_ROOM_ID):
            raise ValueError("count must be a non-negative integer")
        assert isinstance(count, int)
        self._window.set_title(f"({count}) {APP_TITLE}" if count else APP_TITLE)
        if self._badge is not None:
            self._badge(count)

    def open_external(self, url: object) -> bool:
        if not isinstance(url, str) or len(url) > MAX_URL:
            raise ValueError("url must be a string")
        parts = urllib.parse.urlsplit(url)
        # No file:, javascript:, custom schemes: the OS would hand those to arbitrary handlers.
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("only http and https links open outside Parley")
        self._open_browser(url)
        return True

    def join_host(self, address: object) -> dict[str, Any]:
        given = address if isinstance(address, list) else [address]
        candidates: list[str] = []
        invite: dict[str, str] = {}  # the fragment's code and fp (an invite link), per URL
        for item in given[: probe.MAX_CANDIDATES]:
            try:
                url = normalise_host_address(item)
                invite[url] = invite_fragment(item)
            except ValueError as exc:
                if not isinstance(address, list):  # what a person typed: say what is wrong
                    return {
                        "ok": False,
                        "attempts": [
                            {
                                "url": str(item)[:200],
                                "step": "invalid",
                                "message": str(exc),
                                "name": None,
                            }
                        ],
                    }
                continue  # one odd entry in a discovered host's list: try the others
            if url not in candidates:
                candidates.append(url)
        if not candidates:
            return {
                "ok": False,
                "attempts": [
                    {"url": "", "step": "invalid", "name": None, "message": "No address to try."}
                ],
            }
        attempts = probe.probe_in_order(
            candidates, self._probe_timeout, lambda url: self._expected(url, invite[url])
        )
        if attempts[-1].ok:
            attempts[-1] = self._pin(attempts[-1], invite[attempts[-1].url])
        for attempt in attempts:
            log.info("join %s: %s", attempt.url, attempt.step)
        wire = [a.to_wire() for a in attempts]
        if attempts[-1].ok:
            fragment = urllib.parse.parse_qs(invite[attempts[-1].url])
            kept = {k: v[0] for k, v in fragment.items() if k in ("code", "fp")}
            suffix = "#" + urllib.parse.urlencode(kept) if kept else ""
            # A pasted sign-in link (``URL/#signin=SECRET``) signs this window in as that person;
            # the secret travels only in the fragment of what the page opens (the page had it).
            signin = sign_in_fragment(address)
            if signin:
                suffix = signin
            # The page goes there itself once it has this answer. Loading it from here raced the
            # answer: pywebview hands it over by running script in the page, and when that ran
            # while WebKit was already swapping to the other host, the new load was lost (a CI
            # run's window sat on a blank page; no TLS check was ever asked for).
            opened = attempts[-1].url + suffix
            return {"ok": True, "url": attempts[-1].url, "open": opened, "attempts": wire}
        return {"ok": False, "attempts": wire}

    def _expected(self, url: str, fragment: str) -> str | None:
        """The key ``url`` must present: the invite link's, else the one pinned for its address."""
        given = _link_fingerprint(fragment)
        return given or self._pins.for_address(urllib.parse.urlsplit(url).netloc)

    def _pin(self, attempt: probe.Attempt, fragment: str) -> probe.Attempt:
        """An https host that answered: its key against the one pinned for its id (unless the
        invite link named the key), then remembered for its address and id. A plain http answer
        where a key was pinned is refused too: that host spoke TLS before, whoever answers now
        does not."""
        netloc = urllib.parse.urlsplit(attempt.url).netloc
        if attempt.url.startswith("http:") and self._pins.for_address(netloc) is not None:
            return probe.Attempt(
                attempt.url,
                "mismatch",
                f"The host at {netloc} was joined encrypted before; what answers there now speaks "
                "plain http, which anyone on the network could be. Not joined: use its https:// "
                "address or its invite link.",
            )
        if not attempt.url.startswith("https:") or attempt.fingerprint is None:
            return attempt
        presented = attempt.fingerprint
        if _link_fingerprint(fragment) is None and attempt.host_id:
            pinned = self._pins.for_host(attempt.host_id)
            if pinned is not None and pinned != presented:
                return probe.mismatch(attempt.url, pinned, presented)
        try:
            self._pins.remember(netloc, attempt.host_id, presented)
        except OSError as exc:
            log.error("cannot save the pinned key of %s: %s", attempt.url, exc)
        return attempt

    def desktop_info(self) -> dict[str, str]:
        return {
            "version": __version__,
            "platform": sys.platform,
            "notifications": self._notify_method,
        }


def sign_in_fragment(address: object) -> str:
    """``#signin=SECRET`` when ``address`` is a one-time sign-in link (docs/protocol.md, "Devices
    and admins"), else ""."""
    if not isinstance(address, str):
        return ""
    try:
        fragment = urllib.parse.urlsplit(address.strip()).fragment
    except ValueError:
        return ""
    secret = urllib.parse.parse_qs(fragment).get("signin", [""])[0]
    if not secret or len(secret) > 200:
        return ""
    return "#signin=" + urllib.parse.quote(secret, safe="")


def normalise_host_address(address: object) -> str:
    """``host``, ``host:port`` or ``http(s)://host[:port][/…]`` → ``scheme://host:port/``; https
    unless ``http://`` is written out (hosts speak TLS by default)."""
    if not isinstance(address, str) or not address.strip() or len(address) > MAX_URL:
        raise ValueError("type the other host's address, e.g. 192.168.1.20:7275")
    text = address.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(f"{address!r} is not a host address") from None
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        raise ValueError("only http and https host addresses can be joined")
    if not parts.hostname or not _ADDRESS.match(parts.netloc):
        raise ValueError(f"{address!r} is not a host address")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is None:
        port = DEFAULT_PORT if parts.scheme == "http" or "://" not in address else 443
    return f"{parts.scheme}://{host}:{port}/"


def _is_count(value: object, most: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most


def invite_fragment(address: object) -> str:
    """The fragment of an invite link (``code=…&fp=…``), or ""; ValueError for a damaged ``fp=``
    (which must not quietly become a first use)."""
    if not isinstance(address, str):
        return ""
    fragment = urllib.parse.urlsplit(address.strip()).fragment
    given = urllib.parse.parse_qs(fragment).get("fp", [None])[0]
    if given is not None and normalize_fingerprint(given) is None:
        raise ValueError("the invite link's fingerprint (fp=) is damaged: copy the link again")
    return fragment


def _link_fingerprint(fragment: str) -> str | None:
    given = urllib.parse.parse_qs(fragment).get("fp", [None])[0]
    return normalize_fingerprint(given) if given else None


def _text(value: object, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value[:limit]


def _trampoline(name: str, impl: Callable[..., Any]) -> types.FunctionType:
    """A function that only calls ``impl``; its globals are empty and ``impl`` sits in a closure cell,
    which no ``getattr`` path can index into."""

    def call(*args: Any) -> Any:
        return impl(*args)

    return types.FunctionType(
        call.__code__, {"__builtins__": {}}, name, None, (types.CellType(impl),)
    )


class _SealedApi:
    """Attribute access yields the trampolines and nothing else (no ``_`` names, no ``__dict__``)."""

    __slots__ = ("_functions",)

    def __init__(self, functions: dict[str, types.FunctionType]) -> None:
        object.__setattr__(self, "_functions", functions)

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return object.__getattribute__(self, "_functions")[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("read-only")

    def __dir__(self) -> list[str]:
        return sorted(object.__getattribute__(self, "_functions"))
