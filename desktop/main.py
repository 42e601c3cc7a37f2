"""Entry point of ``python -m desktop`` and of the frozen ``parley`` binary.

args → Settings → one instance per data dir → start the host on its own thread (another port if
the usual one is taken) and, meanwhile, a window if there is a display, else headless once the host
is up → stop the host → exit 0.

Nothing heavy is imported at module load: the host's modules load on the host-start thread and
pywebview's on this one, side by side (host_start.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import time
from typing import NoReturn, TextIO

from backend import Settings, build_arg_parser, settings_from_args
from desktop import display, headless, logs, single_instance, subcommands
from desktop.host_start import HostStart

log = logging.getLogger("desktop")

# The smoke check's GET must be answered fast on a loopback socket; anything slower is a failure.
SMOKE_TIMEOUT = 10.0
# flask_socketio imports python-socketio whole, its client included, and engineio's client imports
# these two when they are installed. The app never runs a Socket.IO client: requests is not in
# requirements.txt (the dev venv has it for the tests' clients) and build.spec leaves it out;
# websocket-client is there only for the `parley send/tail/...` commands (desktop/cli), which
# __main__ does not mark. Marked absent, the app's start skips both: ~70 ms less of the host's
# start (engineio.client handles their absence). Entry points only: an in-process main() (tests)
# leaves the importing process alone.
CLIENT_ONLY_MODULES = ("requests", "websocket")


def build_parser() -> argparse.ArgumentParser:
    """The host's flags (shared with ``python -m backend``) plus the desktop's own."""
    parser = build_arg_parser(
        prog="parley", description="Parley: chat with the machines around you."
    )
    parser.epilog = "Commands (send, tail, backup, ...): `parley help` lists them."
    parser.add_argument("--headless", action="store_true", help="serve without opening a window")
    parser.add_argument(
        "--start-screen",
        action="store_true",
        help="open the window on the start screen (join another host, or back to your own chat)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="start the host, check /healthz, stop, exit 0 (checks a build; needs no screen)",
    )
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout or sys.stderr  # windowed Windows builds have neither; then say nothing
    argv = sys.argv[1:] if argv is None else argv
    command = subcommands.find(argv)
    if command is not None:
        return subcommands.run(command, argv[1:], out)
    started = time.monotonic()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    log_file = logs.configure(settings.data_dir, settings.log_level)
    log.info("Parley desktop starting (data %s, log %s)", settings.data_dir, log_file)

    if args.smoke:
        return _smoke(settings, out)
    try:
        instance = single_instance.acquire(settings.data_dir)
    except single_instance.AlreadyRunning as running:
        _say(out, _already_running(running.reply))
        return 0
    try:
        host = HostStart(settings, out, started)
        try:
            return _run(host, args, instance, out)
        finally:
            host.stop()
    finally:
        instance.close()


def _run(
    host: HostStart,
    args: argparse.Namespace,
    instance: single_instance.Instance,
    out: TextIO,
) -> int:
    verdict = display.Display(False, "--headless was given") if args.headless else display.probe()
    if verdict.usable:
        from desktop.window import DisplayUnavailable, ensure_toolkit, run_window

        try:
            ensure_toolkit()
        except DisplayUnavailable as exc:
            verdict = display.Display(False, str(exc))
        else:
            return run_window(host, instance.on_activate, args.start_screen)
    try:
        handle = host.result()
    except Exception:
        return 1  # HostStart logged it and said why
    log.info("no window: %s", verdict.reason)
    return headless.serve(handle, verdict.reason, out, instance.on_activate)


def skip_client_only_modules() -> None:
    """Make ``import`` of CLIENT_ONLY_MODULES fail in this process (for the entry points)."""
    for name in CLIENT_ONLY_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None: "not importable"


def exit_process(code: int) -> NoReturn:
    """End the process once ``main()`` has returned (the entry points only): logs flushed, no wait
    for threads. pywebview 6.2.1 answers js_api calls and injects its script on non-daemon threads
    that wait for WebKit to run a script; if the window closes while one is in flight, the GTK loop
    that would answer is gone and the thread waits forever, and so would a normal exit. The host,
    its database and the single-instance lock are closed by the time main() returns."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os._exit(code)


def _smoke(settings: Settings, out: TextIO) -> int:
    """Build check: the frozen bundle starts the host, answers HTTP and stops. No screen needed."""
    import urllib.request

    from backend import start_server

    handle = start_server(dataclasses.replace(settings, port=0, discovery=False))
    try:
        with urllib.request.urlopen(handle.url + "healthz", timeout=SMOKE_TIMEOUT) as resp:
            body = resp.read().decode()
        if sys.platform.startswith("linux"):
            # Loads PyGObject and the WebKit2 typelib, as a window would, without opening one.
            import webview.platforms.gtk as gtk_platform

            body += f" renderer={gtk_platform.renderer}"
        _say(out, f"smoke ok: {body.strip()}")
        return 0
    finally:
        handle.stop()


def _already_running(reply: dict[str, object]) -> str:
    if reply.get("mode") == "window":
        return "Parley is already running; its window was brought to the front."
    if reply.get("mode") == "headless":
        urls = ", ".join(str(u) for u in reply.get("join_urls") or []) or str(reply.get("url"))
        return f"Parley is already running without a window at {urls}"
    return "Parley is already running for this data folder."


def _say(out: TextIO | None, text: str) -> None:
    if out is not None:
        print(text, file=out, flush=True)


if __name__ == "__main__":  # the PyInstaller entry script (so imports above are absolute)
    if subcommands.find(sys.argv[1:]) is None:  # commands may be clients themselves
        skip_client_only_modules()
    exit_process(main())
