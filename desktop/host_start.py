"""The host starting on a thread of its own, so the window can come up while it does.

Importing the host (Flask, Socket.IO, gevent, zeroconf) and starting it takes ~0.4 s; GTK, WebKit
and WebKit's two helper processes take as long again. One after the other, that made a 1.1-1.4 s
cold start; side by side on two cores the window is ready for the host's page about when the host
is (docs/benchmarks.md, Desktop). Their Python imports still share the GIL.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import TYPE_CHECKING, TextIO

from backend import Settings, StorageUnreachable

if TYPE_CHECKING:
    from backend import ServerHandle

log = logging.getLogger("desktop")

# start_server gives up after 30 s (backend.server.READY_TIMEOUT); the port fallback may start twice.
JOIN_TIMEOUT = 65.0


class HostStart:
    """``start_server`` (another port if the usual one is taken) on a thread; ``result()`` waits."""

    def __init__(self, settings: Settings, out: TextIO | None, started: float) -> None:
        self._settings = settings
        self._out = out
        self._started = started
        self.handle: ServerHandle | None = None
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="host-start", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.handle = _start(self._settings, self._out)
        except StorageUnreachable as exc:  # said in a sentence (the desktop build has no psycopg)
            log.error("the host did not start: %s", exc)
            _say(self._out, f"parley: cannot start the host: {exc}")
            self.error = exc
            return
        except Exception as exc:  # OSError (port), RuntimeError (thread), database errors...
            log.exception("the host did not start")
            _say(self._out, f"parley: cannot start the host: {exc}")
            self.error = exc
            return
        elapsed = (time.monotonic() - self._started) * 1000
        log.info("host up on %s after %.0f ms", self.handle.url, elapsed)

    @property
    def settings(self) -> Settings:
        """What the host was asked to start with (its port may differ: see ``handle.port``)."""
        return self._settings

    def result(self) -> ServerHandle:
        """The running host, once it is; raises what stopped it from starting."""
        self._thread.join(JOIN_TIMEOUT)
        if self.handle is None:
            raise self.error or RuntimeError("the host did not start in time")
        return self.handle

    def stop(self) -> None:
        """Stop the host if it started (waiting for a start still under way)."""
        self._thread.join(JOIN_TIMEOUT)
        if self.handle is not None:
            self.handle.stop()
            log.info("host stopped")


def _start(settings: Settings, out: TextIO | None) -> ServerHandle:
    """Start the host; if its port is taken, take any free one and say which."""
    from backend import start_server  # the heavy import, on this thread

    try:
        return start_server(settings)
    except OSError as exc:
        if settings.port == 0:
            raise
        handle = start_server(dataclasses.replace(settings, port=0))
        _say(
            out,
            f"Port {settings.port} is in use ({exc.strerror or exc}); "
            f"Parley is on port {handle.port} instead.",
        )
        log.warning("port %s busy (%s); took %s", settings.port, exc, handle.port)
        return handle


def _say(out: TextIO | None, text: str) -> None:
    if out is not None:
        print(text, file=out, flush=True)
