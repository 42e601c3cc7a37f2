"""Is there a Parley host at this URL? Ask its ``/api/info`` and say which step failed if not.

``join_host`` in bridge.py uses this before it moves the window, so a person who typed a wrong
address (or picked a host whose first address is on another network) reads why, instead of staring
at WebKit's error page. Steps, in the order a connection goes through them:

- ``unreachable``: no route, the name does not resolve, or the connect timed out;
- ``refused``: the machine answered but nothing listens on that port;
- ``not_parley``: something answers, but not a Parley ``/api/info``;
- ``host_refused``: a Parley host answered HTTP 421: it does not accept that name/address (its
  DNS-rebinding guard, docs/protocol.md "Connecting").

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
from dataclasses import asdict, dataclass
from typing import Any

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

    @property
    def ok(self) -> bool:
        return self.step == "ok"

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A Parley host never redirects /api/info; a redirect means something else answers."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxies from the environment: a LAN address must be reached directly, and a proxy's own
# error page would hide which step failed.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def probe(base_url: str, timeout: float = PROBE_TIMEOUT) -> Attempt:
    """GET ``base_url + 'api/info'`` and classify the outcome. Never raises for network trouble."""
    parts = urllib.parse.urlsplit(base_url)
    where = parts.netloc or base_url
    request = urllib.request.Request(
        urllib.parse.urljoin(base_url, "api/info"), headers={"Accept": "application/json"}
    )
    try:
        with _OPENER.open(request, timeout=timeout) as resp:
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
    return Attempt(base_url, "ok", f"{info['name']} answers at {where}.", name=str(info["name"]))


def probe_in_order(urls: list[str], timeout: float = PROBE_TIMEOUT) -> list[Attempt]:
    """Probe every URL at once; return the attempts up to and including the first that answered
    (in the given order), or all of them if none did."""
    if not urls:
        return []
    pool = concurrent.futures.ThreadPoolExecutor(len(urls), thread_name_prefix="join-probe")
    try:
        futures = [pool.submit(probe, url, timeout) for url in urls]
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
