"""Where things live: the bundled UI (frozen or from source) and the user's data directory.

The only module that knows about PyInstaller's ``sys._MEIPASS``. Nothing is ever written inside the
bundle: a one-file build unpacks into a temp dir that vanishes on exit.
"""

from __future__ import annotations

import os
import stat
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


def private_dir(path: Path) -> Path:
    """``path`` as a directory only this user can enter (0700), made if missing.

    Other people on the machine must not read the history, the files or the keys; with the
    directory closed, a file inside that came out world-readable (a umask of 022) is unreachable.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> None:
    """Make an existing file readable and writable by this user only (0600); missing is fine."""
    try:
        if stat.S_IMODE(path.stat().st_mode) != 0o600:
            os.chmod(path, 0o600)
    except FileNotFoundError:
        pass
