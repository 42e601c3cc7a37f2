"""The little HTTP the export and import commands need: a bearer token, a body streamed to or from
a file, and the host's one error shape turned into a sentence (docs/protocol.md, "HTTP")."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

# Bytes per read and write of a body.
BLOCK = 1024 * 1024
# Seconds without a byte before a request is given up on (an export of a big host takes a while to
# start: the archive is built before its first byte is sent).
TIMEOUT = 600.0


class Failed(Exception):
    """The request failed; the message says why (the host's own words when it gave some).
    ``exit_code``: what the command exits with (3: another key than the pinned one)."""

    exit_code = 1


def device_token(given: str | None, url: str) -> str:
    """The token to send: ``--token``, else ``$PARLEY_TOKEN``, else the login ``parley join``
    saved for that host; "" when there is none."""
    if given:
        return given
    if os.environ.get("PARLEY_TOKEN"):
        return os.environ["PARLEY_TOKEN"]
    from desktop.cli import logins  # only when asked: it may ask the host who it is

    return logins.token_for_url(url) or ""


def endpoint(base: str, path: str) -> str:
    if not base.startswith(("http://", "https://")):
        base = "http://" + base
    return base.rstrip("/") + path


def download(url: str, token: str, sink: IO[bytes]) -> int:
    """GET ``url`` into ``sink``; the bytes written."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with _open(request) as response:
        size = 0
        while block := response.read(BLOCK):
            sink.write(block)
            size += len(block)
    return size


def upload(url: str, token: str, path: Path) -> dict[str, Any]:
    """POST the file at ``path`` to ``url`` as the body; the JSON answer."""
    size = path.stat().st_size
    with open(path, "rb") as body:
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/zip",
                "Content-Length": str(size),
            },
        )
        with _open(request) as response:
            answer = json.loads(response.read(BLOCK))
    return answer if isinstance(answer, dict) else {}


def _open(request: urllib.request.Request) -> Any:
    try:
        return _opener(request.full_url).open(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        raise Failed(_reason(exc)) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        failed = Failed(f"cannot reach {request.full_url}: {reason}")
        if request.full_url.startswith("https:") and _mismatch(reason):
            failed = Failed(f"{reason} (fingerprint_mismatch)")
            failed.exit_code = 3  # desktop.cli.client.MISMATCH_EXIT, as every chat command
        raise failed from None


def _mismatch(reason: object) -> bool:
    from desktop import pinning  # only for https: it loads the TLS code

    return isinstance(reason, pinning.PinMismatch)


def _opener(url: str) -> urllib.request.OpenerDirector:
    """Plain for http://; over https the key ``parley join`` pinned for that host, never none (the
    request carries a device token)."""
    if not url.startswith("https:"):
        return urllib.request.build_opener()
    from desktop import pinning
    from desktop.cli import logins

    login = logins.login_for_url(url)
    if login is None or not login.fingerprint:
        raise Failed(f"no pinned key for {url}: `parley join` it (with its invite link) first")
    return pinning.opener(login.fingerprint)


def _reason(exc: urllib.error.HTTPError) -> str:
    try:
        error = json.loads(exc.read(BLOCK))["error"]
        return f"{error['message']} ({error['code']}, HTTP {exc.code})"
    except (ValueError, KeyError, TypeError, OSError):
        return f"HTTP {exc.code} {exc.reason}"
