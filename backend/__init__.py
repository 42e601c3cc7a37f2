"""Parley's host: the public API the desktop app (and anything else) uses.

``start_server(settings)`` runs the chat server in its own thread and returns a ``ServerHandle`` once
the port is bound; ``handle.stop()`` stops it from any thread. Hosts nearby on the LAN are the
host's to find (its one mDNS browser, ``GET /api/hosts``). ``LogBudget`` is a filter for log
handlers that keeps peers from flooding the log. ``make_backup`` backs a data dir up (its host may
be running) and ``restore_backup`` places a backup into a new data dir; both raise
``BackupError`` (docs/storage.md); ``export_data_dir`` and ``import_data_dir`` export and import a
data dir from the command line (docs/export.md), raising ``ChatError`` when they cannot.
``join_lines`` is the terminal's how-to-join text; ``fingerprint_of_der``, ``normalize_fingerprint``
and ``fingerprint_groups`` are how a client names and compares a host's TLS key (tls.py). Nothing
else in this package is public.

The server names load on first use (PEP 562 ``__getattr__``): they pull in Flask, Socket.IO, gevent
and zeroconf (~0.35 s of imports on a 2-core machine), and the desktop app reads its flags and
settings, and puts its window up, while that import runs on the server's own thread
(docs/benchmarks.md, Desktop).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .cli import build_arg_parser, settings_from_args
from .config import DEFAULT_PORT, Settings
from .errors import ChatError, StorageUnreachable
from .logbudget import LogBudget
from .version import __version__

if TYPE_CHECKING:
    from .backup import make_backup, restore_backup
    from .backup_folder import BackupError
    from .banner import join_lines
    from .offline import export_data_dir, import_data_dir
    from .server import ServerHandle, start_server
    from .tls import fingerprint_groups, fingerprint_of_der, normalize_fingerprint

# Public name → the submodule that defines it, imported when the name is first asked for.
_LAZY = {
    "ServerHandle": "server",
    "start_server": "server",
    "BackupError": "backup_folder",
    "make_backup": "backup",
    "restore_backup": "backup",
    "export_data_dir": "offline",
    "import_data_dir": "offline",
    "join_lines": "banner",
    "fingerprint_groups": "tls",
    "fingerprint_of_der": "tls",
    "normalize_fingerprint": "tls",
}

__all__ = [
    "BackupError",
    "DEFAULT_PORT",
    "ChatError",
    "LogBudget",
    "ServerHandle",
    "Settings",
    "__version__",
    "build_arg_parser",
    "make_backup",
    "restore_backup",
    "export_data_dir",
    "import_data_dir",
    "join_lines",
    "fingerprint_groups",
    "fingerprint_of_der",
    "normalize_fingerprint",
    "settings_from_args",
    "start_server",
    "StorageUnreachable",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value
