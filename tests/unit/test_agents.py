"""A new device's default name, from its browser's User-Agent (chat/agents.py)."""

from __future__ import annotations

import pytest

from backend.chat.agents import device_name

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"
)
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (FIREFOX_ANDROID, "Firefox on Android"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (CHROME_MAC, "Chrome on macOS"),
        ("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/126.0", "Firefox on Linux"),
        ("python-requests/2.32", "A program"),
        ("Mozilla/5.0 (Linux; Android 14)", "A browser on Android"),
        ("", "A browser"),
        (None, "A browser"),
        ("<script>alert(1)</script>", "A browser"),
    ],
)
def test_device_name(agent: str | None, name: str) -> None:
    assert device_name(agent) == name
