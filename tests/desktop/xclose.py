"""Ask an X11 window to close the way a window manager's close button does (WM_DELETE_WINDOW).

``xdotool windowclose`` destroys the window under the client's feet (GTK then dies of BadDrawable,
exit 1), and Xvfb runs no window manager to send ``_NET_CLOSE_WINDOW`` to. So the tests send the
ICCCM ``WM_DELETE_WINDOW`` client message themselves, through libX11 via ctypes.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_CLIENT_MESSAGE = 33  # X.h ClientMessage
_NO_EVENT_MASK = 0


class _XClientMessageEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class _XEvent(ctypes.Union):
    # Xlib's XEvent is a union padded to 24 longs.
    _fields_ = [("xclient", _XClientMessageEvent), ("pad", ctypes.c_long * 24)]


def close_window(display: str, window_id: int) -> None:
    """Send WM_DELETE_WINDOW to ``window_id`` on ``display``; raise OSError if X is unreachable."""
    xlib = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XSendEvent.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.c_int,
        ctypes.c_long,
        ctypes.POINTER(_XEvent),
    ]
    xlib.XFlush.argtypes = [ctypes.c_void_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]

    dpy = xlib.XOpenDisplay(display.encode())
    if not dpy:
        raise OSError(f"cannot open X display {display}")
    try:
        event = _XEvent()
        event.xclient.type = _CLIENT_MESSAGE
        event.xclient.window = window_id
        event.xclient.message_type = xlib.XInternAtom(dpy, b"WM_PROTOCOLS", False)
        event.xclient.format = 32
        event.xclient.data[0] = xlib.XInternAtom(dpy, b"WM_DELETE_WINDOW", False)
        event.xclient.data[1] = 0  # CurrentTime
        xlib.XSendEvent(dpy, window_id, False, _NO_EVENT_MASK, ctypes.byref(event))
        xlib.XFlush(dpy)
    finally:
        xlib.XCloseDisplay(dpy)
