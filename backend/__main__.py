"""``python -m backend``: a headless Parley host. Serves until SIGINT/SIGTERM, then exits 0."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from . import move
from .banner import join_lines
from .cli import build_arg_parser, settings_from_args
from .errors import StorageUnreachable
from .logbudget import LogBudget
from .server import ServerHandle, start_server
from .tls import TlsError

log = logging.getLogger("parley")


def banner(handle: ServerHandle) -> str:
    """What a person needs to let others in: every URL, the code and the fingerprint."""
    settings = handle.settings
    lines = [f'Parley host "{settings.name}" is serving (data: {settings.data_dir}).']
    lines += join_lines(handle, "Peers on the LAN can open:", "No LAN address found; local only:")
    # Read once: the link works once, from this machine only, and a fresh one is made each start.
    lines.append(f"Admin sign-in (this machine only, one use): {handle.admin_link}")
    if not settings.discovery:
        lines.append("Discovery: off")
    else:
        lines.append("Discovery: announcing on the LAN (mDNS, _parley._tcp)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [move.COMMAND]:
        return move.main(argv[1:])
    parser = build_arg_parser(prog="python -m backend", description="Run a headless Parley host.")
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(LogBudget())  # peers must not be able to grow the log without bound
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        handle = start_server(settings)
    except OSError as exc:
        print(
            f"parley: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    except (TlsError, StorageUnreachable) as exc:
        print(f"parley: {exc}", file=sys.stderr)
        return 1
    print(banner(handle), flush=True)
    while not stop.wait(0.5):
        if not handle.running:
            log.error("the server stopped on its own")
            return 1
    print("Stopping…", flush=True)
    handle.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
