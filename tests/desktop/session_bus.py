"""A private session D-Bus for one test (``dbus-run-session``) with python-dbusmock's
``notification_daemon`` template on it: a real ``org.freedesktop.Notifications`` service that
records every call (the mock's ``GetMethodCalls``) and emits signals when told (``EmitSignal``).

The mock runs under Debian's own python3 with Debian's ``python3-dbusmock`` (it needs dbus-python,
which the project's venv does not build); the test talks to it over the bus with GLib's D-Bus
client (PyGObject, already in the venv for the window), exactly as the app does.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

MOCK_PYTHON = "/usr/bin/python3"
BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
MOCK_IFACE = "org.freedesktop.DBus.Mock"
LAUNCHER_IFACE = "com.canonical.Unity.LauncherEntry"
TIMEOUT_MS = 5000
# The child writes the bus address dbus-run-session gave it, then becomes the mock.
_SCRIPT = (
    'printf %s "$DBUS_SESSION_BUS_ADDRESS" > "$1.tmp" && mv "$1.tmp" "$1" && '
    f"exec {MOCK_PYTHON} -m dbusmock --template notification_daemon"
)


class SessionBus:
    """The test's own connection to the private bus, and what it heard there."""

    def __init__(self, address: str) -> None:
        from gi.repository import Gio, GLib

        self.address = address
        self._context = GLib.MainContext.new()
        self._context.push_thread_default()  # signal callbacks arrive in this context
        flags = (
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
        )
        self.conn = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
        self.launcher: list[tuple[str, dict[str, Any]]] = []
        self.conn.signal_subscribe(
            None,
            LAUNCHER_IFACE,
            "Update",
            None,
            None,
            Gio.DBusSignalFlags.NONE,
            lambda *args: self.launcher.append(args[5].unpack()),
        )

    def pump(self) -> None:
        """Deliver the signals that arrived meanwhile."""
        while self._context.iteration(False):
            pass

    def has_owner(self, name: str) -> bool:
        from gi.repository import GLib

        reply = self.conn.call_sync(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "NameHasOwner",
            GLib.Variant("(s)", (name,)),
            None,
            0,
            TIMEOUT_MS,
            None,
        )
        return bool(reply.unpack()[0])

    def notify_calls(self) -> list[list[Any]]:
        """The args of every Notify the notification service received, oldest first."""
        from gi.repository import GLib

        reply = self.conn.call_sync(
            BUS_NAME,
            OBJECT_PATH,
            MOCK_IFACE,
            "GetMethodCalls",
            GLib.Variant("(s)", ("Notify",)),
            None,
            0,
            TIMEOUT_MS,
            None,
        )
        return [list(args) for _stamp, args in reply.unpack()[0]]

    def invoke_action(self, notification_id: int, action: str = "default") -> None:
        """What the notification server sends when a person clicks the notification."""
        from gi.repository import GLib

        args = [GLib.Variant("u", notification_id), GLib.Variant("s", action)]
        self.conn.call_sync(
            BUS_NAME,
            OBJECT_PATH,
            MOCK_IFACE,
            "EmitSignal",
            GLib.Variant("(sssav)", (BUS_NAME, "ActionInvoked", "us", args)),
            None,
            0,
            TIMEOUT_MS,
            None,
        )

    def close(self) -> None:
        self.conn.close_sync(None)
        self._context.pop_thread_default()


@pytest.fixture
def session_bus(tmp_path: Path) -> Iterator[SessionBus]:
    if not shutil.which("dbus-run-session"):
        pytest.fail("dbus-run-session is missing: apt-get install dbus (make test installs it)")
    probe = subprocess.run([MOCK_PYTHON, "-c", "import dbusmock"], capture_output=True)
    if probe.returncode != 0:
        pytest.fail("python-dbusmock is missing: apt-get install python3-dbusmock (make test does)")
    address_file = tmp_path / "bus-address"
    log = (tmp_path / "dbus-mock.log").open("w")
    proc = subprocess.Popen(
        ["dbus-run-session", "--", "sh", "-c", _SCRIPT, "sh", str(address_file)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("DBUS_")},
    )
    bus: SessionBus | None = None
    try:
        deadline = time.monotonic() + 20
        while not address_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "no session bus"
            time.sleep(0.05)
        bus = SessionBus(address_file.read_text())
        while not bus.has_owner(BUS_NAME):
            assert proc.poll() is None and time.monotonic() < deadline, "the mock never started"
            time.sleep(0.05)
        yield bus
    finally:
        if bus is not None:
            bus.close()
        os.killpg(proc.pid, signal.SIGTERM)  # dbus-run-session, its bus and the mock
        proc.wait(10)
        log.close()
