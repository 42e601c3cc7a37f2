"""Is there a screen to open a window on? Decided *before* any GUI toolkit is touched.

GTK prints "cannot open display" and calls ``exit(1)`` when it has no display (a stale ``DISPLAY`` does
the same); no Python exception is raised, so the app must never get that far without a display. The
probe uses only the stdlib: a connect() to the Wayland socket, and ``XOpenDisplay`` through ctypes,
which returns NULL instead of exiting. It never imports GTK, so a headless host stays small.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import socket
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass

# XOpenDisplay on a DISPLAY naming an unreachable TCP host can block for a TCP timeout; past this we
# call the display unusable rather than leave a person staring at nothing.
PROBE_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class Display:
    """The probe's verdict; ``reason`` is a sentence for the person at the terminal."""

    usable: bool
    reason: str


def probe(environ: Mapping[str, str] | None = None, timeout: float = PROBE_TIMEOUT) -> Display:
    """Say whether a window can be opened, and why (not)."""
    env = os.environ if environ is None else environ
    if sys.platform in ("win32", "darwin"):
        # Both always have a window server in a desktop session; untested here (see README).
        return Display(True, f"{sys.platform} desktop session")
    # GDK tries Wayland first unless GDK_BACKEND says otherwise, then falls back to X11.
    backend = env.get("GDK_BACKEND", "")
    if env.get("WAYLAND_DISPLAY") and not backend.startswith("x11"):
        found = _wayland(env)
        if found.usable or backend == "wayland" or not env.get("DISPLAY"):
            return found
    if env.get("DISPLAY"):
        return _x11(env["DISPLAY"], timeout)
    return Display(False, "no display: neither DISPLAY nor WAYLAND_DISPLAY is set")


def _wayland(env: Mapping[str, str]) -> Display:
    name = env.get("WAYLAND_DISPLAY", "")
    runtime = env.get("XDG_RUNTIME_DIR", "")
    path = name if os.path.isabs(name) else os.path.join(runtime, name)
    if not name or (not os.path.isabs(name) and not runtime):
        return Display(False, "WAYLAND_DISPLAY is set but XDG_RUNTIME_DIR is not")
    # A leftover socket file of a dead compositor exists but refuses connections.
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(PROBE_TIMEOUT)
            sock.connect(path)
    except OSError as exc:
        return Display(False, f"Wayland display {path} is not answering ({exc.strerror or exc})")
    return Display(True, f"Wayland display {name}")


def _x11(name: str, timeout: float) -> Display:
    lib = ctypes.util.find_library("X11") or "libX11.so.6"
    try:
        xlib = ctypes.CDLL(lib)
    except OSError:
        return Display(False, f"DISPLAY={name} but libX11 cannot be loaded")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    result: dict[str, bool] = {}

    def attempt() -> None:
        dpy = xlib.XOpenDisplay(name.encode())
        result["ok"] = bool(dpy)
        if dpy:
            xlib.XCloseDisplay(dpy)

    # A daemon thread: if it hangs in connect() it must not keep the process alive.
    thread = threading.Thread(target=attempt, name="display-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return Display(False, f"X display {name} did not answer within {timeout:.0f} s")
    if not result.get("ok"):
        return Display(False, f"cannot open X display {name} (no X server there)")
    return Display(True, f"X display {name}")
