"""Where things live: the bundled UI (frozen or from source) and the user's data directory.

The only module that knows about PyInstaller's ``sys._MEIPASS``. Nothing is ever written inside the
bundle: a one-file build unpacks into a temp dir that vanishes on exit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

APP_NAME = "parley"


def bundle_root() -> Path:
    """The folder holding ``ui/dist``: the unpacked bundle when frozen, else the repo root."""
    if getattr(sys, "frozen", False):
        return Path(sys._MEIPASS)  # type: ignore[attr-defined]  # set by the PyInstaller bootloader
    return Path(__file__).resolve().parent.parent


def ui_dist() -> Path:
    return bundle_root() / "ui" / "dist"


def default_data_dir() -> Path:
    """The platform's per-user data dir (``~/.local/share/parley`` on Linux)."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)
