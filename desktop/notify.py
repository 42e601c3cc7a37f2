"""Native notifications, with a click that brings the window back.

Linux: the freedesktop notification service (``org.freedesktop.Notifications``) over the session
D-Bus, through GLib's own D-Bus client (PyGObject is already loaded for the window). Chosen over
``Gio.Notification``, which needs a registered ``Gio.Application`` with an id and an installed
``.desktop`` file (pywebview's GTK backend creates an anonymous ``Gtk.Application``), and over
``notify-send``, which is an extra package (libnotify-bin) and cannot report clicks. ``notify-send``
is still the fallback when there is no session bus. macOS uses ``osascript`` and Windows only logs:
both are untested here (see README).

The unread count also goes to the launcher's badge where the desktop offers one: the
``com.canonical.Unity.LauncherEntry`` ``Update`` signal on the session bus (Ubuntu's dock, KDE's task
manager, Dash to Dock/Panel, Plank read it), naming our ``.desktop`` file. A desktop without such
a launcher just has nobody listening.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

APP_NAME = "Parley"
# Matches desktop/packaging/parley.desktop, so the service can show our icon and name.
DESKTOP_ENTRY = "parley"
ICON_NAME = "parley"
_BUS_NAME = "org.freedesktop.Notifications"
_OBJECT_PATH = "/org/freedesktop/Notifications"
# A notification server answers at once; never stall a js_api call longer than this.
_CALL_TIMEOUT_MS = 2000
_LAUNCHER_IFACE = "com.canonical.Unity.LauncherEntry"
# Any object path will do (listeners match the app URI); this one is what libunity uses.
_LAUNCHER_PATH = "/com/canonical/unity/launcherentry/parley"
LAUNCHER_APP_URI = f"application://{DESKTOP_ENTRY}.desktop"


class Notifier:
    """Shows one notification at a time (a new one replaces the last, so a burst does not pile up).

    ``on_click`` gets the room the clicked notification was about (None: it named none).
    """

    def __init__(self, on_click: Callable[[int | None], None]) -> None:
        self._on_click = on_click
        self._bus: Any = None
        self._last_id = 0
        # Our notifications' ids (the server's), each with the room it is about.
        self._rooms: dict[int, int | None] = {}
        if sys.platform.startswith("linux") and _session_bus_available():
            self._connect_dbus()

    @property
    def method(self) -> str:
        """Which way notifications go out, for the log and the tests."""
        if self._bus is not None:
            return "dbus"
        if sys.platform == "darwin":
            return "osascript"
        if sys.platform.startswith("linux") and shutil.which("notify-send"):
            return "notify-send"
        return "none"

    def _connect_dbus(self) -> None:
        from gi.repository import Gio

        try:
            self._bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        except Exception:  # GLib.Error; no usable session bus after all
            log.info("no session D-Bus; notifications fall back", exc_info=True)
            return
        # Must be called on the GTK main thread: the callback runs in this thread's main context.
        self._bus.signal_subscribe(
            _BUS_NAME,
            _BUS_NAME,
            "ActionInvoked",
            _OBJECT_PATH,
            None,
            Gio.DBusSignalFlags.NONE,
            self._on_action,
        )

    def _on_action(
        self, _conn: Any, _sender: str, _path: str, _iface: str, _signal: str, params: Any
    ) -> None:
        notification_id, _action = params.unpack()
        if notification_id in self._rooms:
            self._on_click(self._rooms[notification_id])

    def notify(self, title: str, body: str, room_id: int | None = None) -> bool:
        """Show a notification; return False if this machine has no way to."""
        try:
            if self._bus is not None:
                return self._notify_dbus(title, body, room_id)
            if self.method == "notify-send":
                subprocess.run(
                    ["notify-send", "--app-name", APP_NAME, "--icon", ICON_NAME, "--", title, body],
                    check=False,
                    timeout=5,
                )
                return True
            if self.method == "osascript":
                script = (
                    f"display notification {_applescript(body)} with title {_applescript(title)}"
                )
                subprocess.run(["osascript", "-e", script], check=False, timeout=5)
                return True
        except Exception:
            log.warning("notification failed", exc_info=True)
            return False
        log.debug("no notification service: %s", title)
        return False

    def set_badge(self, count: int) -> None:
        """The unread count on the launcher's icon (hidden at 0), where a launcher listens."""
        if self._bus is None:
            return
        from gi.repository import GLib

        props = {"count": GLib.Variant("x", count), "count-visible": GLib.Variant("b", count > 0)}
        try:
            self._bus.emit_signal(
                None,
                _LAUNCHER_PATH,
                _LAUNCHER_IFACE,
                "Update",
                GLib.Variant("(sa{sv})", (LAUNCHER_APP_URI, props)),
            )
        except Exception:  # GLib.Error: the bus went away
            log.info("launcher badge not sent", exc_info=True)

    def _notify_dbus(self, title: str, body: str, room_id: int | None) -> bool:
        from gi.repository import Gio, GLib

        hints = {
            "desktop-entry": GLib.Variant("s", DESKTOP_ENTRY),
            "category": GLib.Variant("s", "im.received"),
        }
        args = GLib.Variant(
            "(susssasa{sv}i)",
            # "default" is the action a click on the notification's body invokes.
            (
                APP_NAME,
                self._last_id,
                ICON_NAME,
                title,
                body,
                ["default", "Open Parley"],
                hints,
                -1,
            ),
        )
        reply = self._bus.call_sync(
            _BUS_NAME,
            _OBJECT_PATH,
            _BUS_NAME,
            "Notify",
            args,
            GLib.VariantType("(u)"),
            Gio.DBusCallFlags.NONE,
            _CALL_TIMEOUT_MS,
            None,
        )
        self._last_id = reply.unpack()[0]
        # The server reuses the replaced notification's id: it now stands for this room.
        self._rooms[self._last_id] = room_id
        return True


def _session_bus_available() -> bool:
    # Without an address GLib would "autolaunch" a private dbus-daemon (dbus-launch): not ours to do.
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return True
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return bool(runtime) and os.path.exists(os.path.join(runtime, "bus"))


def _applescript(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
