"""Serving without a window: print how to join, then serve until SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from backend import join_lines

if TYPE_CHECKING:  # the real import is the host-start thread's (host_start.py)
    from backend import ServerHandle

log = logging.getLogger(__name__)


def banner(handle: ServerHandle, reason: str) -> str:
    """Everything a person at a terminal needs to let others in."""
    lines = [f"Parley is serving without a window: {reason}."]
    lines += join_lines(
        handle, "Others on the LAN can open:", "No LAN address found; this machine only:"
    )
    lines.append("Stop with Ctrl+C.")
    return "\n".join(lines)


def serve(
    handle: ServerHandle,
    reason: str,
    out: TextIO,
    set_activate: Callable[[Callable[[], dict[str, Any]]], None],
) -> int:
    """Block until a signal (→ 0) or until the server dies on its own (→ 1)."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    set_activate(
        lambda: {
            "ok": True,
            "mode": "headless",
            "url": handle.url,
            "join_urls": handle.join_urls,
            "join_code": handle.join_code,
            "fingerprint": handle.fingerprint,
        }
    )
    print(banner(handle, reason), file=out, flush=True)
    log.info("headless on %s: %s", handle.url, reason)
    while not stop.wait(0.5):
        if not handle.running:
            log.error("the server stopped on its own")
            return 1
    return 0
