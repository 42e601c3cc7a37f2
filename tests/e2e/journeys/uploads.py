"""Helpers for journeys with files: pick one as a person does, and hold the host's answers.

Holding or failing an upload's chunk requests is the network's doing (Playwright routes), not a
way of driving the UI: the person's clicks and keys still go through the page as usual.
"""

from __future__ import annotations

import contextlib
import struct
import zlib
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError

from tests.e2e.journeys.conftest import STEP_TIMEOUT_MS, press

UPLOAD_CHUNKS = "**/api/uploads/*"


def tiny_png(path: Path, width: int = 48, height: int = 32) -> Path:
    """A small valid PNG (a colour gradient), written to ``path``."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        for x in range(width):
            raw += bytes((x * 5 % 256, y * 7 % 256, 160))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + data)
    return path


def pick_file(page: Any, path: Path) -> None:
    """Press the paperclip and choose ``path`` in the file chooser it opens."""
    with page.expect_file_chooser(timeout=STEP_TIMEOUT_MS) as chooser:
        press(page.get_by_role("button", name="Attach files"))
    chooser.value.set_files(str(path))


class HeldChunks:
    """Hold every chunk PUT of the page's uploads until released (or failed)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.held: list[Any] = []
        page.route(UPLOAD_CHUNKS, self._route)

    def _route(self, route: Any) -> None:
        if route.request.method == "PUT":
            self.held.append(route)
        else:
            route.continue_()

    def wait_held(self) -> None:
        for _ in range(150):  # 15 s at most: a readiness poll
            if self.held:
                return
            self.page.wait_for_timeout(100)
        raise AssertionError("the upload sent no chunk")

    def release(self) -> None:
        for route in self.held:
            route.continue_()
        self.held.clear()
        self.page.unroute(UPLOAD_CHUNKS)

    def fail(self) -> None:
        """The host refuses the held chunks (a final error, not a lost connection)."""
        for route in self.held:
            with contextlib.suppress(PlaywrightError):
                route.fulfill(
                    status=500,
                    json={"error": {"code": "internal", "message": "The host could not store it."}},
                )
        self.held.clear()
        self.page.unroute(UPLOAD_CHUNKS)
