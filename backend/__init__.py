"""Parley's host: the public API the desktop app (and anything else) uses.

``start_server(settings)`` runs the chat server in its own thread and returns a ``ServerHandle`` once
the port is bound; ``handle.stop()`` stops it from any thread. ``HostBrowser`` lists Parley hosts on
the LAN (mDNS). Nothing else in this package is public.
"""

from __future__ import annotations

from .cli import build_arg_parser, settings_from_args
from .config import DEFAULT_PORT, Settings
from .discovery import HostBrowser
from .server import ServerHandle, start_server
from .version import __version__

__all__ = [
    "DEFAULT_PORT",
    "HostBrowser",
    "ServerHandle",
    "Settings",
    "__version__",
    "build_arg_parser",
    "settings_from_args",
    "start_server",
]
