"""Saved logins of the command-line client: one device token per host, in ``logins.json``.

The file lives in the platform's per-user config dir (``~/.config/parley`` on Linux);
``--config-dir`` or ``PARLEY_CONFIG_DIR`` put it elsewhere (tests, several identities). A device
token signs in as its user, so the folder is 0700 and the file 0600, written whole to a temporary
file and renamed over the old one: a crash mid-write never leaves half a file or a readable token.

Logins are keyed by the host's id (``host_id`` of ``GET /api/info`` and ``welcome``), not by its
address: the same host reached at another address (a laptop that moved to another network) is
still the same login. ``default`` names the host commands use when no ``--host`` is given.

The host's TLS key is pinned with its login (``fingerprint``, desktop/pinning.py): every later
connection to an https:// URL checks it. Logins saved before TLS (http:// URLs) have none.

Shape: ``{"default": host_id, "hosts": {host_id: {"url", "token", "user": {"id", "name"},
"server": name, "fingerprint"?}}}``.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "parley"
FILE_NAME = "logins.json"
CONFIG_ENV = "PARLEY_CONFIG_DIR"


@dataclass(frozen=True)
class Login:
    host_id: str
    url: str
    token: str
    user: dict[str, Any]
    server: str
    fingerprint: str | None = None  # the host's pinned key (https); None for plain http


def config_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """``override``, else PARLEY_CONFIG_DIR, else the platform's user config dir."""
    if override:
        return Path(override)
    env = os.environ.get(CONFIG_ENV, "").strip()
    if env:
        return Path(env)
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def normalize_url(url: str) -> str:
    """``http://host:port/`` with no path, query or fragment: how saved URLs are compared."""
    from urllib.parse import urlsplit

    parts = urlsplit(url if "://" in url else "http://" + url)
    return f"{parts.scheme or 'http'}://{parts.netloc.lower()}/"


def _read(directory: Path) -> dict[str, Any]:
    try:
        data = json.loads((directory / FILE_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"default": None, "hosts": {}}
    except (OSError, ValueError) as exc:
        raise OSError(f"cannot read {directory / FILE_NAME}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("hosts"), dict):
        raise OSError(f"{directory / FILE_NAME} is not a logins file")
    return data


def _write(directory: Path, data: dict[str, Any]) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(directory.stat().st_mode) != 0o700:
        os.chmod(directory, 0o700)
    # mkstemp makes the file 0600 before a byte of the token is in it.
    fd, tmp = tempfile.mkstemp(prefix=".logins-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, directory / FILE_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _login(host_id: str, entry: dict[str, Any]) -> Login:
    return Login(
        host_id=host_id,
        url=str(entry.get("url", "")),
        token=str(entry.get("token", "")),
        user=dict(entry.get("user") or {}),
        server=str(entry.get("server", "")),
        fingerprint=str(entry["fingerprint"]) if entry.get("fingerprint") else None,
    )


def all_logins(directory: Path) -> list[Login]:
    return [_login(host_id, entry) for host_id, entry in _read(directory)["hosts"].items()]


def by_host_id(directory: Path, host_id: str) -> Login | None:
    entry = _read(directory)["hosts"].get(host_id)
    return _login(host_id, entry) if isinstance(entry, dict) else None


def by_url(directory: Path, url: str) -> Login | None:
    """The login last saved for this address (no network: compares normalized URLs)."""
    wanted = normalize_url(url)
    for login in all_logins(directory):
        if normalize_url(login.url) == wanted:
            return login
    return None


def default(directory: Path) -> Login | None:
    data = _read(directory)
    host_id = data.get("default")
    if isinstance(host_id, str) and isinstance(data["hosts"].get(host_id), dict):
        return _login(host_id, data["hosts"][host_id])
    return None


def save(directory: Path, login: Login, make_default: bool = True) -> Path:
    """Store ``login`` (replacing the host's previous one); returns the file's path.

    Another host's login saved for the same address is dropped: an address names one host at a
    time, and its pinned key would make every later use of that address a mismatch."""
    data = _read(directory)
    url = normalize_url(login.url)
    for host_id in [h for h, e in data["hosts"].items() if h != login.host_id]:
        entry = data["hosts"][host_id]
        if isinstance(entry, dict) and normalize_url(str(entry.get("url", ""))) == url:
            del data["hosts"][host_id]
    data["hosts"][login.host_id] = {
        "url": normalize_url(login.url),
        "token": login.token,
        "user": login.user,
        "server": login.server,
    }
    if login.fingerprint:
        data["hosts"][login.host_id]["fingerprint"] = login.fingerprint
    if make_default or data.get("default") not in data["hosts"]:
        data["default"] = login.host_id
    _write(directory, data)
    return directory / FILE_NAME


def forget(directory: Path, host_id: str) -> None:
    """Drop a host's login (its token was refused: revoked, or the host's data was reset)."""
    data = _read(directory)
    if data["hosts"].pop(host_id, None) is not None:
        if data.get("default") == host_id:
            data["default"] = next(iter(data["hosts"]), None)
        _write(directory, data)


def login_for_url(url: str, directory: str | os.PathLike[str] | None = None) -> Login | None:
    """The saved login for the host at ``url``, or None (see ``token_for_url``)."""
    where = config_dir(directory)
    found = by_url(where, url)
    if found is not None:
        return found
    from desktop.cli import client

    try:
        info = client.host_info(url)
    except client.Failure:
        return None
    return by_host_id(where, str(info.get("host_id", "")))


def token_for_url(url: str, directory: str | os.PathLike[str] | None = None) -> str | None:
    """The saved device token for the host at ``url``, or None: for commands that take
    ``--url URL`` and make ``--token`` optional (e.g. ``parley export``).

    Matches the saved address first (no network); else asks the host for its id
    (``GET /api/info``) and looks that up, so a host reached at a new address still matches.
    """
    found = login_for_url(url, directory)
    return found.token if found is not None else None
