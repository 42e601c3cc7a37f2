"""Entry point of ``python -m desktop`` and of the frozen ``parley`` binary.

args → Settings → one instance per data dir → start the host (another port if the usual one is
taken) → a window if there is a display, else headless → stop the host → exit 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
import urllib.request
from typing import TextIO

from backend import ServerHandle, Settings, build_arg_parser, settings_from_args, start_server
from desktop import display, headless, logs, single_instance

log = logging.getLogger("desktop")

# The smoke check's GET must be answered fast on a loopback socket; anything slower is a failure.
SMOKE_TIMEOUT = 10.0


def build_parser() -> argparse.ArgumentParser:
    """The host's flags (shared with ``python -m backend``) plus the desktop's own."""
    parser = build_arg_parser(
        prog="parley", description="Parley: chat with the machines around you."
    )
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
        try:
            handle = _start(settings, out)
        except Exception as exc:  # OSError (port), RuntimeError (thread), database errors...
            log.exception("the host did not start")
            _say(out, f"parley: cannot start the host: {exc}")
            if not args.headless and display.probe().usable:
                from desktop.window import show_error

                show_error(f"{exc}")
            return 1
        try:
            log.info("host up on %s after %.0f ms", handle.url, (time.monotonic() - started) * 1000)
            return _run(handle, settings, args, instance, out)
        finally:
            handle.stop()
            log.info("host stopped")
    finally:
        instance.close()


def _run(
    handle: ServerHandle,
    settings: Settings,
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
            run_window(handle, settings.data_dir, instance.on_activate, args.start_screen)
            return 0
    log.info("no window: %s", verdict.reason)
    return headless.serve(handle, verdict.reason, out, instance.on_activate)


def _start(settings: Settings, out: TextIO) -> ServerHandle:
    """Start the host; if its port is taken, take any free one and say which."""
    try:
        return start_server(settings)
    except OSError as exc:
        if settings.port == 0:
            raise
        handle = start_server(dataclasses.replace(settings, port=0))
        _say(
            out,
            f"Port {settings.port} is in use ({exc.strerror or exc}); "
            f"Parley is on port {handle.port} instead.",
        )
        log.warning("port %s busy (%s); took %s", settings.port, exc, handle.port)
        return handle


def _smoke(settings: Settings, out: TextIO) -> int:
    """Build check: the frozen bundle starts the host, answers HTTP and stops. No screen needed."""
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
    sys.exit(main())
