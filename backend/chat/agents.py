"""A device's default name, read from its browser's User-Agent header ("Firefox on Android").

Only a label for the person's own devices list: never trusted, never used to decide anything.
"""

from __future__ import annotations

from .. import protocol as p

# First match wins: Edge and Opera say "Chrome" too, Chrome says "Safari", the desktop window is
# WebKitGTK/WebView2 saying either.
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
    ("python-", "A program"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_name(agent: str | None) -> str:
    """ "Browser on system", as far as the header says; "A browser" when it says nothing known."""
    agent = agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    if browser and system:
        return f"{browser} on {system}"[: p.DEVICE_NAME_MAX]
    return browser or (f"A browser on {system}" if system else "A browser")
