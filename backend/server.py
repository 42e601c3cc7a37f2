"""Serve the app with gevent in a dedicated OS thread (pywebview owns the main thread).

Everything gevent lives on that thread: the app is built there so its objects bind to that thread's
hub. Other threads reach it only through ``ServerHandle.call_soon_threadsafe``, which posts onto the
hub with ``loop.run_callback_threadsafe`` (a direct emit from another thread arrives seconds late, a
direct ``server.stop()`` orphans open websockets: ../shared/STACK.md). No monkey patching.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import gevent

from . import connections, offload
from .app import create_app
from .config import Settings
from .host import Host

log = logging.getLogger(__name__)

T = TypeVar("T")

# Greenlets still serving requests get this long to finish after the listener closes.
HANDLER_GRACE = 1.0
# start_server gives up if the thread has not bound its port by then (migrations included).
READY_TIMEOUT = 30.0


class ServerHandle:
    """A running host. ``stop()`` is safe from any thread, twice, and bounded."""

    def __init__(
        self, host: Host, thread: threading.Thread, hub: Any, stopper: Callable[[], None]
    ) -> None:
        self._host = host
        self._thread = thread
        self._hub = hub
        self._stopper = stopper
        self._stop_lock = threading.Lock()
        self._stopping = False

    @property
    def settings(self) -> Settings:
        return self._host.settings

    @property
    def port(self) -> int:
        return self._host.port

    @property
    def url(self) -> str:
        """This host's UI from this machine."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def owner_url(self) -> str:
        """The UI, logged in as the host user: for the host's own window only (one-time key)."""
        return f"{self.url}#owner={self._host.chat.sessions.owner_key}"

    @property
    def admin_link(self) -> str:
        """A one-time sign-in link as the host's own user for a browser on this machine (the
        console's: ``python -m backend`` prints it; any other address is refused)."""
        return f"{self.url}#signin={self._host.chat.sessions.console_secret}"

    @property
    def join_urls(self) -> list[str]:
        """URLs peers on the LAN can open (one per LAN address)."""
        return self._host.join_urls()

    @property
    def fingerprint(self) -> str | None:
        """The LAN port's TLS key fingerprint (tls.py), or None when it serves plain HTTP."""
        return self._host.fingerprint

    @property
    def join_code(self) -> str | None:
        return self._host.identity.join_code

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def call_soon_threadsafe(self, fn: Callable[..., object], *args: object) -> None:
        """Run ``fn(*args)`` in a new greenlet on the server thread. The one way in from outside."""
        if not self.running:
            raise RuntimeError("the server is not running")
        self._hub.loop.run_callback_threadsafe(gevent.spawn, fn, *args)

    def call(self, fn: Callable[[], T], timeout: float = 5.0) -> T:
        """Run ``fn()`` on the server thread and wait (from another thread) for its result."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

        self.call_soon_threadsafe(run)
        return future.result(timeout)

    def connected_here(self) -> list[dict[str, Any]]:
        """The users with at least one open connection to this process, not to the host's others
        (tests use it; no window shows it: people lists show ``online`` from
        ``Context.is_online``, which counts every process)."""
        presence = self._host.chat.context.presence
        return self.call(lambda: [u.to_wire() for u in presence.users()])

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect clients, close the listener, finish storage work, join the thread."""
        with self._stop_lock:
            first = not self._stopping
            self._stopping = True
        if first and self.running:
            self._hub.loop.run_callback_threadsafe(gevent.spawn, self._stopper)
        if threading.current_thread() is self._thread:
            return  # called from a handler: the thread ends once this greenlet yields
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("server thread still alive %.1fs after stop()", timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server thread ends; True if it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()


def _keep_certificate_fresh(host: Host, context: Any) -> None:
    """An always-on host renews its certificate without a restart: every tls_recheck_interval the
    identity is read again (tls.load_or_make re-makes it, same key, when it nears its end or the
    machine's addresses changed) and new connections get the fresh one. The fingerprint is the
    key's, so no pin changes."""
    while True:
        gevent.sleep(host.settings.tls_recheck_interval)
        if host.reissue_tls is None:
            return
        try:
            fresh = offload.blocking(host.reissue_tls)
        except Exception:
            log.exception("TLS: could not look at the certificate; the one in use stays")
            continue
        if fresh is not None and fresh != host.tls:
            context.load_cert_chain(str(fresh.cert_path), str(fresh.key_path))
            host.tls = fresh
            log.info("TLS: serving the renewed certificate (valid until %s)", fresh.not_after)


def start_server(settings: Settings, *, ready_timeout: float = READY_TIMEOUT) -> ServerHandle:
    """Start serving in a thread; return once the port is bound (port 0 picks a free port).

    :raises OSError: the address is in use or not ours to bind.
    """
    connections.raise_file_limit()  # process-wide, before any connection is taken
    ready = threading.Event()
    box: dict[str, Any] = {}

    def serve() -> None:
        hub = gevent.get_hub()
        try:
            app = create_app(settings)
            host: Host = app.extensions["parley"]
        except BaseException as exc:  # surfaced to the caller, not lost in the thread
            box["error"] = exc
            ready.set()
            hub.destroy(destroy_loop=True)
            return
        tls_context = connections.server_context(host.tls) if host.tls is not None else None
        try:
            # log=None: no access log; error_log=None: simple-websocket's harmless per-disconnect
            # "Invalid HTTP method" line would otherwise flood the output (STACK.md).
            wsgi = connections.Server(
                (settings.host, settings.port),
                app,
                log=None,
                error_log=None,
                max_per_address=settings.max_connections_per_address,
                tls=tls_context,
            )
            wsgi.start()  # binds now
        except BaseException as exc:
            box["error"] = exc
            host.db.close()
            ready.set()
            hub.destroy(destroy_loop=True)
            return
        host.port = wsgi.server_port

        def stopper() -> None:
            try:
                sio = host.socketio.server
                sio.shutdown()  # "must be called before shutting down the web server"
                # shutdown() leaves connections open. Closing them at the Engine.IO level tells
                # clients the transport closed, so they reconnect when a host comes back (a
                # Socket.IO-level disconnect would tell them never to).
                # wait=False: a long-polling client that never polls again would otherwise hold
                # the stop forever waiting for its queue to drain.
                for conn in list(sio.eio.sockets.values()):
                    conn.close(wait=False, reason=sio.eio.reason.SERVER_DISCONNECT)
            except Exception:
                log.exception("Socket.IO shutdown failed")
            wsgi.stop(timeout=HANDLER_GRACE)

        if tls_context is not None:
            gevent.spawn(_keep_certificate_fresh, host, tls_context)
        host.start_discovery(
            lambda fn, *args: hub.loop.run_callback_threadsafe(gevent.spawn, fn, *args)
        )
        box.update(host=host, hub=hub, stopper=stopper)
        ready.set()
        try:
            wsgi.serve_forever()
        except Exception:
            log.exception("chat server crashed")
        finally:
            host.stop_discovery()  # blocking is fine now: nobody is being served any more
            cluster = app.extensions.get("parley_cluster")
            if cluster is not None:  # the message queue's threads (wire/cluster.py)
                cluster.close()
            host.db.close()  # queued writes finish; acked ones were committed already
            hub.destroy(destroy_loop=True)

    thread = threading.Thread(target=serve, name="chat-server", daemon=True)
    thread.start()
    if not ready.wait(ready_timeout):
        raise RuntimeError(f"chat server did not start within {ready_timeout:.0f}s")
    if "error" in box:
        thread.join()
        raise box["error"]
    return ServerHandle(box["host"], thread, box["hub"], box["stopper"])
