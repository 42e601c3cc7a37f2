"""The host's command-line flags, shared by ``python -m backend`` and the desktop app.

Flags override ``PARLEY_*`` environment variables, which override defaults.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .config import DEFAULT_PORT, Settings


def build_arg_parser(
    prog: str | None = None, description: str | None = None
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description=description or "Parley: chat with the machines around you."
    )
    parser.add_argument("--host", help="address to listen on (default 0.0.0.0: every LAN address)")
    parser.add_argument(
        "--port", type=int, help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    parser.add_argument("--data-dir", type=Path, help="where history and keys live")
    parser.add_argument("--name", help="this host's name as peers see it (default: the hostname)")
    code = parser.add_mutually_exclusive_group()
    code.add_argument(
        "--join-code", metavar="CODE", help="the code peers need (kept for later runs)"
    )
    code.add_argument(
        "--open", action="store_true", default=None, help="let peers in without a code"
    )
    parser.add_argument(
        "--no-discovery",
        dest="discovery",
        action="store_false",
        default=None,
        help="do not announce this host on the LAN (mDNS)",
    )
    parser.add_argument(
        "--no-tls",
        dest="tls",
        action="store_false",
        default=None,
        help="serve plain HTTP on the LAN (not encrypted: every UI says so)",
    )
    parser.add_argument(
        "--tls-cert", type=Path, metavar="PEM", help="your own certificate (chain) instead of ours"
    )
    parser.add_argument("--tls-key", type=Path, metavar="PEM", help="the key of --tls-cert")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument(
        "--database",
        metavar="URL",
        help="keep history in this PostgreSQL database (postgresql://…) instead of SQLite",
    )
    parser.add_argument(
        "--files-dir",
        type=Path,
        metavar="PATH",
        help="where uploaded files live (default: data dir)",
    )
    parser.add_argument(
        "--message-queue",
        metavar="URL",
        help="share broadcasts with the other host processes of this database (redis://…)",
    )
    return parser


def settings_from_args(args: argparse.Namespace, base: Settings | None = None) -> Settings:
    """``base`` (default: ``Settings.from_env()``) with every flag that was given applied."""
    overrides: dict[str, Any] = {}
    for flag, field in (
        ("host", "host"),
        ("port", "port"),
        ("data_dir", "data_dir"),
        ("name", "name"),
        ("join_code", "join_code"),
        ("open", "open"),
        ("discovery", "discovery"),
        ("tls", "tls"),
        ("tls_cert", "tls_cert"),
        ("tls_key", "tls_key"),
        ("log_level", "log_level"),
        ("database", "database_url"),
        ("files_dir", "files_dir"),
        ("message_queue", "message_queue"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[field] = value
    if overrides.get("join_code"):
        overrides["open"] = False
    if base is None:
        return Settings.from_env(**overrides)
    return base.replace(**overrides)
