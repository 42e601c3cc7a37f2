"""Is there a Parley host at this URL? Ask its ``/api/info`` and say which step failed if not.

``join_host`` in bridge.py uses this before it moves the window, so a person who typed a wrong
address (or picked a host whose first address is on another network) reads why, instead of staring
at WebKit's error page. Steps, in the order a connection goes through them:

- ``unreachable``: no route, the name does not resolve, or the connect timed out;
- ``refused``: the machine answered but nothing listens on that port;
- ``not_parley``: something answers, but not a Parley ``/api/info``;
- ``host_refused``: a Parley host answered HTTP 421: it does not accept that name/address (its
  DNS-rebinding guard, docs/protocol.md "Connecting");
- ``mismatch``: over https, the host presented another key than the one expected (pinned for that
  address, or the invite link's ``fp=``): checked right after the TLS handshake, before the
  request is sent (desktop/pinning.py). Never retried over plain http.

Over https an answering attempt carries the ``fingerprint`` of the key the host presented, so the
caller can pin it (a first use) — and its ``host_id``.

A wrong join code is the other host's own join screen's business, after the window moved there.
"""

from __future__ import annotations

import concurrent.futures
import errno
import http.client
import json
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from backend import fingerprint_groups

from . import pinning

# Per address. A LAN host answers in milliseconds; an address on another network never does, and
# every candidate is tried at once, so this bounds the whole join attempt.
PROBE_TIMEOUT = 3.0
# /api/info is a few hundred bytes; anything much larger is not a Parley host.
MAX_INFO_BYTES = 64 * 1024
# A discovered host lists one URL per LAN address; more than this is not a real host's list.
MAX_CANDIDATES = 16

# errno values that mean "no way to that machine" (rather than "the machine said no").
_NO_ROUTE = {
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.EADDRNOTAVAIL,
    errno.ENETDOWN,
    errno.EHOSTDOWN,
}


@dataclass(frozen=True, slots=True)
class Attempt:
    """One candidate URL and what happened to it (``step`` is ``ok`` or the failed step)."""

    url: str
    step: str
    message: str
    name: str | None = None  # the host's name when it answered
    fingerprint: str | None = (
        None  # over https: the key the host presented (or, mismatch, expected)
    )
    host_id: str | None = None  # the host's id when it answered

    @property
    def ok(self) -> bool:
        return self.step == "ok"

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A Parley host never redirects /api/info; a redirect means something else answers."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _opener(expected: str | None, seen: Callable[[str], None]) -> urllib.request.OpenerDirector:
    """No proxies from the environment: a LAN address must be reached directly, and a proxy's own
    error page would hide which step failed. https: the key checked against ``expected``."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _NoRedirect(),
        pinning.PinnedHTTPSHandler(expected, seen),
    )


def probe(base_url: str, timeout: float = PROBE_TIMEOUT, expected: str | None = None) -> Attempt:
    """GET ``base_url + 'api/info'`` and classify the outcome. Never raises for network trouble.
    Over https the host's key must be ``expected`` (None: a first use, any key, reported)."""
    parts = urllib.parse.urlsplit(base_url)
    where = parts.netloc or base_url
    request = urllib.request.Request(
        urllib.parse.urljoin(base_url, "api/info"), headers={"Accept": "application/json"}
    )
    presented: list[str] = []
    try:
        with _opener(expected, presented.append).open(request, timeout=timeout) as resp:
            body = resp.read(MAX_INFO_BYTES + 1)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 421:
            return Attempt(
                base_url,
                "host_refused",
                f"The Parley host at {where} does not accept this address "
                "(HTTP 421). Try another of its addresses, as its invite lists them.",
            )
        return Attempt(
            base_url,
            "not_parley",
            f"Something at {where} answers (HTTP {exc.code}), but it is not a Parley host.",
        )
    except urllib.error.URLError as exc:  # raised while connecting
        if isinstance(exc.reason, pinning.PinMismatch):
            return mismatch(base_url, exc.reason.expected, exc.reason.presented)
        return _connect_failure(base_url, where, exc.reason)
    except (http.client.HTTPException, ConnectionError) as exc:  # connected, then no HTTP answer
        return Attempt(
            base_url,
            "not_parley",
            f"Something at {where} accepted the connection but did not answer as a "
            f"web server ({type(exc).__name__}).",
        )
    except TimeoutError:  # connected, then silence
        return Attempt(
            base_url,
            "not_parley",
            f"Something at {where} accepted the connection but never answered.",
        )
    except OSError as exc:
        return _connect_failure(base_url, where, exc)
    info = _parse_info(body)
    if info is None:
        return Attempt(
            base_url, "not_parley", f"A web server answers at {where}, but it is not a Parley host."
        )
    return Attempt(
        base_url,
        "ok",
        f"{info['name']} answers at {where}.",
        name=str(info["name"]),
        fingerprint=presented[-1] if presented else None,
        host_id=str(info["host_id"]),
    )


def mismatch(base_url: str, expected: str, presented: str) -> Attempt:
    where = urllib.parse.urlsplit(base_url).netloc or base_url
    return Attempt(
        base_url,
        "mismatch",
        f"The host at {where} presented a different key than the one this computer trusts for "
        f"it (expected {fingerprint_groups(expected)}, got {fingerprint_groups(presented)}). "
        "Someone on the network may be intercepting the connection, or the host was reinstalled: "
        "if it was, join it with its new invite link.",
        fingerprint=presented,
    )


def probe_in_order(
    urls: list[str],
    timeout: float = PROBE_TIMEOUT,
    expected: Callable[[str], str | None] = lambda url: None,
) -> list[Attempt]:
    """Probe every URL at once (each with the key ``expected(url)``); return the attempts up to and
    including the first that answered (in the given order), or all of them if none did."""
    if not urls:
        return []
    pool = concurrent.futures.ThreadPoolExecutor(len(urls), thread_name_prefix="join-probe")
    try:
        futures = [pool.submit(probe, url, timeout, expected(url)) for url in urls]
        attempts: list[Attempt] = []
        for future in futures:
            attempt = future.result()
            attempts.append(attempt)
            if attempt.ok:
                break
        return attempts
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # later ones end within their timeout


def _connect_failure(base_url: str, where: str, reason: object) -> Attempt:
    if isinstance(reason, ConnectionRefusedError):
        return Attempt(
            base_url,
            "refused",
            f"Nothing is listening at {where}: Parley is not running there, "
            "or it uses another port.",
        )
    if isinstance(reason, socket.gaierror):
        return Attempt(
            base_url,
            "unreachable",
            f"The name {urllib.parse.urlsplit(base_url).hostname} is not known on this network.",
        )
    if isinstance(reason, TimeoutError) or (
        isinstance(reason, OSError) and reason.errno in _NO_ROUTE
    ):
        return Attempt(
            base_url,
            "unreachable",
            f"No answer from {where}: that address cannot be reached from this "
            "computer (another network, the machine is off, or a firewall).",
        )
    if isinstance(reason, ssl.SSLError) and base_url.startswith("https:"):
        return Attempt(
            base_url,
            "not_parley",
            f"Something at {where} does not speak TLS as a Parley host does. A host started with "
            f"--no-tls is joined at http://{where}/ (not encrypted).",
        )
    if isinstance(reason, (ConnectionError, ssl.SSLError)):
        return Attempt(
            base_url,
            "not_parley",
            f"Something at {where} dropped the connection or spoke another protocol: "
            "it is not a Parley host.",
        )
    return Attempt(base_url, "unreachable", f"Cannot reach {where}: {reason}.")


def _parse_info(body: bytes) -> dict[str, Any] | None:
    if len(body) > MAX_INFO_BYTES:
        return None
    try:
        info = json.loads(body)
    except ValueError:
        return None
    if not isinstance(info, dict):
        return None
    if not all(isinstance(info.get(key), str) for key in ("name", "version", "host_id")):
        return None
    return info
