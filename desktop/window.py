"""The native window: pywebview (GTK/WebKitGTK on Linux) showing the host's own UI.

``webview`` is imported here only, and only once a display was found: a headless host never loads
GTK or WebKit. ``run_window`` blocks the main thread (pywebview's rule) until the window closes.
"""

from __future__ import annotations

import html
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from .bridge import APP_TITLE, Bridge
from .host_start import HostStart

log = logging.getLogger(__name__)

# Room for the room list, the messages and the invite panel side by side.
WINDOW_SIZE = (1100, 760)
# Below this the three columns stop fitting; the UI collapses to one column on its own.
MIN_SIZE = (720, 480)
# Linux: GTK only. pywebview would fall back to Qt, which we neither ship nor want (STACK.md).
GUI = "gtk" if sys.platform.startswith("linux") else None
# Menu path for the UI's start screen ("host a chat / join by address"), see ui/src/features/desktop.
JOIN_ROUTE = "#join"
# The same, added to the owner fragment (``#owner=KEY&join``) when the window opens on it.
START_FLAG = "&join"
# The page's event for "open this room" (ui/src/features/desktop/api/desktop-api.ts OPEN_ROOM_EVENT).
OPEN_ROOM_EVENT = "parley:open-room"
# What the window shows for the few hundred ms until the host serves: nothing, in the system's
# light or dark background (the UI follows the same color-scheme).
WAITING_PAGE = (
    "<!doctype html><meta name='color-scheme' content='light dark'><title>Parley</title><body>"
)


class DisplayUnavailable(RuntimeError):
    """GTK could not initialise after all (the probe said yes): serve headless instead."""


def ensure_toolkit() -> None:
    """Second line of defence after display.probe(): GTK's own non-fatal init check."""
    if not sys.platform.startswith("linux"):
        return
    import gi

    gi.require_version("Gtk", "3.0")
    from gi.repository import Gtk

    ok, _argv = Gtk.init_check(None)
    if not ok:
        raise DisplayUnavailable("GTK cannot open the display")


class _WindowRef:
    """Lets the bridge exist before the window it talks about (js_api is a create_window arg)."""

    window: Any = None

    def get_current_url(self) -> str | None:
        return self.window.get_current_url() if self.window is not None else None

    def set_title(self, title: str) -> None:
        self.window.set_title(title)

    def load_url(self, url: str) -> None:
        self.window.load_url(url)


def run_window(
    host: HostStart,
    set_activate: Callable[[Callable[[], dict[str, Any]]], None],
    start_screen: bool = False,
) -> int:
    """Show the host's UI as its owner until the window is closed (or SIGINT/SIGTERM); 0, or 1 if
    the host could not start (the window says why). ``start_screen`` opens it on "join another
    host" (the owner still signs in underneath).

    The window opens at once on a blank page while ``host`` is still starting: GTK, WebKit and
    WebKit's web and network processes come up meanwhile, and the host's page loads the moment it
    is served (host_start.py)."""
    settings = host.settings
    # WebKitGTK's accelerated compositing costs ~70 MiB PSS in WebKitWebProcess (a GL context; under
    # Xvfb Mesa's llvmpipe with libLLVM), which a chat page does not need; read by WebKit in this
    # process before the first web view, so it is set before pywebview starts (children inherit it:
    # WebKit's own, and a browser opened for a link). WEBKIT_DISABLE_COMPOSITING_MODE=0 opts back
    # in. Measured: docs/benchmarks.md, Desktop.
    os.environ.setdefault("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
    import webview
    from webview.menu import Menu, MenuAction, MenuSeparator

    from . import csp, tls_window
    from .notify import Notifier
    from .pins import Pins

    csp.install()
    # The UI saves a file someone sent through <a download> of the bytes it fetched (with progress);
    # pywebview drops downloads unless allowed, and then asks where to save with GTK's dialog.
    webview.settings["ALLOW_DOWNLOADS"] = True
    ref = _WindowRef()

    def focus() -> None:
        if ref.window is not None:
            ref.window.show()
            ref.window.restore()  # GTK: present(), which also raises and focuses

    def open_room(room_id: int | None) -> None:
        """A notification was clicked: the window comes to the front on the room it was about."""
        focus()
        if ref.window is None or room_id is None:
            return
        # An int from our own notification; run_js waits for the page's answer, which would block
        # this (the GTK main) thread that the page needs, so it goes from a thread of its own.
        script = f"window.dispatchEvent(new CustomEvent('{OPEN_ROOM_EVENT}', {{detail: {int(room_id)}}}))"
        threading.Thread(target=_load, args=(ref.window.run_js, script), daemon=True).start()

    notifier = Notifier(on_click=open_room)  # on the main thread: click signals arrive in its loop
    # No home URL yet: until the host serves, every js_api call is refused.
    # Other hosts' pinned keys live beside the window's web storage (their sessions), see pins.py.
    pins = Pins(settings.data_dir)
    bridge = Bridge(
        None, ref, notifier.notify, notifier.method, pins=pins, badge=notifier.set_badge
    )
    window = webview.create_window(
        APP_TITLE,
        html=WAITING_PAGE,
        js_api=bridge.api(),
        width=WINDOW_SIZE[0],
        height=WINDOW_SIZE[1],
        min_size=MIN_SIZE,
        text_select=True,  # people copy messages, codes and URLs
    )
    ref.window = window
    csp.without_eval(window)
    tls_window.install(window, pins)
    failed: list[Exception] = []

    def go_home() -> None:
        """webview.start's func (its own thread, once the GUI loop runs): the host's page."""
        try:
            handle = host.result()
        except Exception as exc:
            failed.append(exc)
            _load(window.load_html, error_page(f"{exc}"))
            return
        bridge.set_home(handle.url)
        # The one-time owner key rides in the fragment: never sent over HTTP. "&join" asks the UI
        # for its start screen on top (ui/src/features/desktop/hooks/use-start-screen.ts).
        _load(window.load_url, handle.owner_url + (START_FLAG if start_screen else ""))
        log.info("window on %s (notifications: %s)", handle.url, notifier.method)

    def home_url() -> str | None:
        return host.handle.url if host.handle is not None else None

    def activate() -> dict[str, Any]:
        focus()
        return {"ok": True, "mode": "window", "url": home_url()}

    set_activate(activate)

    def close(*_: object) -> None:
        window.destroy()

    def load(suffix: str) -> None:
        url = home_url()
        if url is not None:  # the menu is there before the host is
            window.load_url(url + suffix)

    # PyGObject wakes the GTK loop for Python signal handlers (Gio.Application.run override).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, close)

    menu = [
        Menu(
            APP_TITLE,
            [
                MenuAction("My chat", lambda: load("")),
                MenuAction("Join another host…", lambda: load(JOIN_ROUTE)),
                MenuSeparator(),
                MenuAction("Quit", close),
            ],
        )
    ]
    webview.start(
        go_home,
        gui=GUI,
        menu=menu,
        # Persistent storage under data_dir: the UI keeps its session tokens (for other hosts,
        # and for "My chat" after the one-time owner key is spent) across launches.
        private_mode=False,
        storage_path=str(settings.data_dir / "webview"),
    )
    return 1 if failed else 0


def _load(load: Callable[[str], None], what: str) -> None:
    try:
        load(what)
    except Exception:  # the window was closed while the host was still starting
        log.info("window gone before the host's page could load", exc_info=True)


def error_page(message: str) -> str:
    """The window's page when the host cannot start (the log has the traceback)."""
    body = html.escape(message)
    return (
        "<!doctype html><meta name='color-scheme' content='light dark'>"
        "<body style='font-family:sans-serif;padding:1.5em'><h2>Parley cannot start</h2>"
        f"<p>{body}</p><p>Details are in the log file.</p></body>"
    )
