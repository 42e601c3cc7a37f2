"""Desktop app: binary size, cold start (process start → server answering → the window's page
connected as the host user) for the one-file binary and from source, and the PSS of the whole
process tree (WebKit's processes included) next to a bare pywebview window on a blank page.

Runs under a private Xvfb; everything is on 127.0.0.1. Builds build.spec into a temp dir (a stale
dist/parley would measure old code) unless PARLEY_BINARY names a binary. For a before/after,
PARLEY_BENCH_BEFORE_TREE (a checkout of the earlier commit, ui/dist built) and/or
PARLEY_BENCH_BEFORE_BINARY (its binary) add "before" rows measured in the same rounds. The runs are interleaved
(binary, source, bare windows, again and again) so that other load on the machine spreads over all
of them, and the load average is reported: on a busy 2-core machine the start times move by
hundreds of ms.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import socketio

from desktop.packaging import build_binary

REPO = Path(__file__).resolve().parent.parent
RUNS = 5
JOIN_CODE = "97531864"
# Let WebKit finish its first paint and settle before reading memory.
SETTLE_S = 3.0
TIMEOUT_S = 40.0
BARE_WINDOW = """
import webview
webview.create_window('bare', html='<!doctype html><html><body></body></html>', width=1100, height=760)
webview.start(gui='gtk')
"""
# The app turns WebKit's accelerated compositing off (desktop/window.py); the bare window is also
# measured that way, so the table shows what the app itself adds, not only the setting's saving.
NO_COMPOSITING = {"WEBKIT_DISABLE_COMPOSITING_MODE": "1"}
PROCESS_KINDS = ("WebKitWebProces", "WebKitNetworkPr")
# What was done for issue 4's targets and what it measured; a record, so it is not re-measured.
HISTORY = """### What changed for the start and memory targets (2026-11-24)

Same machine, same UI build, runs interleaved as above, before = 824d95f (its source and its
binary), after = dd3075c and later; medians of 5, ms to UI connected / PSS of the tree:

| load (1 min) | binary before → after | source before → after | PSS binary, source before → after |
|---|---|---|---|
| 0.2–0.8 | 1294 → 885 ms | 1056 → 813 ms | 361, 345 → 274, 271 MiB (bare window 267) |
| 0.4–1.0 | 1328 → 924 ms | 1076 → 846 ms | 360, 344 → 274, 271 MiB |
| 0.7–2.4, bench at `nice -n -10` | 1356 → 945 ms | 1094 → 865 ms | 361, 344 → 274, 271 MiB |
| 3.1–7.0 (other jobs on both cores) | 2107 → 1274 ms | 1653 → 1851 ms | 353, 341 → 268, 261 MiB |

Where a source start went before (timestamps from Python's start, idle machine): imports of the host
(Flask, Socket.IO with its client and requests, gevent, zeroconf) to ~400 ms, host up at ~430 ms;
only then GTK, pywebview and the window (~575 ms), the window shown at ~770 ms, WebKit's web
process up and the page loaded at ~1050 ms. The binary added ~170 ms of extraction and
PyInstaller's `pyi_rth_pkgres` hook, which imported pkg_resources (0.12-0.19 s) on every start.

What changed:

- The window no longer waits for the host. `desktop/host_start.py` starts the host on its own
  thread first; meanwhile the main thread probes the display and opens the window on a blank page,
  so GTK, WebKit's web and network processes and the X server work while the host imports; the
  window loads the owner URL once the host serves (or shows why it could not start). After:
  window ready for the page ~710 ms, host up ~720 ms, page requested ~735 ms, connected ~870 ms.
  Python's imports on both threads still share one GIL (~0.35 s host + ~0.25 s gi/GTK/pywebview),
  which is now the critical path; the host's import takes ~0.6 s of wall time next to the GUI's.
- `backend/__init__.py` loads the server and discovery on first use (PEP 562), so reading the
  flags does not import Flask on the main thread.
- The app marks `requests` and `websocket` (python-socketio's client extras, in the dev venv
  only) absent at its entry points, and build.spec excludes them with urllib3, idna, certifi and
  charset_normalizer: ~70 ms less host import. build.spec also excludes setuptools/pkg_resources
  (no more `pyi_rth_pkgres`) and stores shared libraries and extension modules uncompressed:
  extraction ~170 → ~50 ms, binary 18.6 → 29.1 MB (target ≤ 35 MB; compress them again before
  giving up start time if the binary grows near it).
- Memory: WebKitGTK's accelerated compositing is off (`WEBKIT_DISABLE_COMPOSITING_MODE=1`,
  desktop/window.py). It had WebKitWebProcess hold a GL context, under Xvfb Mesa's llvmpipe:
  libLLVM alone was 33 MiB PSS in that process, and its anonymous memory went 86 → 36 MiB
  (185 → 112 MiB PSS in all). The page renders with the CPU (the desktop tests' screenshots).
  Tried and not kept: MALLOC_ARENA_MAX=2 and JSC_useJIT=0 (each ~10 MiB, within noise; JIT off
  slows the page).

Honest reading of the memory target: the app is within 1.15× of a bare pywebview window with
pywebview's defaults, because it turns off what the bare window keeps. Against a bare window with
compositing off too, the app's tree is 1.28× from source and 1.30× as the binary (about +60 MiB:
Python +29 with the host's modules and data, WebKitWebProcess +28 for the React page's heap and
DOM, network process +5). The start target holds on an idle or lightly loaded machine (every run
≤ 1 s above); with both cores busy with other work it does not, for the binary or from source:
the start is CPU-bound (~0.8 s of CPU in the app's process, ~0.3 s in WebKit's)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(tmp: Path) -> Path:
    given = os.environ.get("PARLEY_BINARY")
    if given:
        return Path(given)
    return build_binary.build(tmp / "dist", tmp / "build")


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _pss_by_process(root: int) -> dict[str, float]:
    """PSS MiB of ``root`` and all its descendants (smaps_rollup): WebKit's processes by name,
    everything else (Python; for the one-file binary its bootloader and the Python child) as
    "app"."""
    out: dict[str, float] = {}
    for pid in _tree(root):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        kind = name if name in PROCESS_KINDS else "app"
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                out[kind] = out.get(kind, 0.0) + int(line.split()[1]) / 1024
    return out


def _pss_mib(root: int) -> tuple[float, list[str]]:
    """PSS of ``root`` and all its descendants, and their names."""
    names = []
    for pid in _tree(root):
        try:
            names.append(Path(f"/proc/{pid}/comm").read_text().strip())
        except OSError:
            continue
    return sum(_pss_by_process(root).values()), names


class _Xvfb:
    def __enter__(self) -> str:
        n = next(n for n in range(120, 250) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))
        self.proc = subprocess.Popen(
            ["Xvfb", f":{n}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stderr=subprocess.DEVNULL,
        )
        while not os.path.exists(f"/tmp/.X11-unix/X{n}"):
            time.sleep(0.02)
        return f":{n}"

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def _env(display: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PARLEY_", "DBUS_", "WAYLAND_", "WEBKIT_"))
    }
    env.update(DISPLAY=display, XDG_RUNTIME_DIR="/nonexistent", BROWSER="true")
    env.update(extra or {})
    return env


def _cold_start(
    cmd: list[str], display: str, data_dir: Path, cwd: Path = REPO
) -> tuple[float, float, dict[str, float]]:
    """(ms to /healthz answering, ms to the host user online, PSS MiB per process of the tree)."""
    port = _free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            *cmd,
            "--data-dir",
            str(data_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-discovery",
            "--join-code",
            JOIN_CODE,
        ],
        cwd=cwd,
        env=_env(display),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                urllib.request.urlopen(url + "healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() - started > TIMEOUT_S or proc.poll() is not None:
                    raise RuntimeError(f"{cmd} did not serve") from None
                time.sleep(0.005)
        t_server = (time.monotonic() - started) * 1000
        online = threading.Event()
        client = socketio.Client(reconnection=False)

        @client.on("welcome")
        def _welcome(data: dict) -> None:
            if any(u.get("is_host") and u.get("online") for u in data["users"]):
                online.set()

        @client.on("users_changed")
        def _presence(data: dict) -> None:
            if any(u.get("is_host") and u["online"] for u in data["users"]):
                online.set()

        client.connect(url, transports=["websocket"], auth={"name": "Bench", "code": JOIN_CODE})
        if not online.wait(TIMEOUT_S):
            raise RuntimeError("the window's page never connected")
        t_ui = (time.monotonic() - started) * 1000
        client.disconnect()
        time.sleep(SETTLE_S)
        return t_server, t_ui, _pss_by_process(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _bare_pss(display: str, extra: dict[str, str] | None = None) -> dict[str, float]:
    proc = subprocess.Popen(
        [sys.executable, "-c", BARE_WINDOW],
        env=_env(display, extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while not any(n.startswith("WebKitWebProces") for n in _pss_mib(proc.pid)[1]):
            if time.monotonic() > deadline:
                raise RuntimeError("bare window did not start")
            time.sleep(0.1)
        time.sleep(SETTLE_S + 1.0)
        return _pss_by_process(proc.pid)
    finally:
        proc.terminate()
        proc.wait(20)


def run() -> str:
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp_name, _Xvfb() as display:
        tmp = Path(tmp_name)
        binary = _binary(tmp)
        size_mb = binary.stat().st_size / 1e6
        source = [sys.executable, "-m", "desktop"]
        commands = {"one-file binary": ([str(binary)], REPO), "from source": (source, REPO)}
        if os.environ.get("PARLEY_BENCH_BEFORE_BINARY"):
            before_binary = [os.environ["PARLEY_BENCH_BEFORE_BINARY"]]
            commands["before: one-file binary"] = (before_binary, REPO)
        if os.environ.get("PARLEY_BENCH_BEFORE_TREE"):
            commands["before: from source"] = (source, Path(os.environ["PARLEY_BENCH_BEFORE_TREE"]))
        starts: dict[str, list[tuple[float, float, dict[str, float]]]] = {k: [] for k in commands}
        bare: list[dict[str, float]] = []
        bare_plain: list[dict[str, float]] = []
        for i in range(RUNS):
            for n, (label, (cmd, cwd)) in enumerate(commands.items()):
                starts[label].append(_cold_start(cmd, display, tmp / f"{n}-{i}", cwd))
                loads.append(os.getloadavg()[0])
            bare.append(_bare_pss(display))
            bare_plain.append(_bare_pss(display, NO_COMPOSITING))
            loads.append(os.getloadavg()[0])

    bare_total = statistics.median(sum(b.values()) for b in bare)

    def pss_cells(runs: list[dict[str, float]]) -> str:
        total = statistics.median(sum(r.values()) for r in runs)
        parts = [statistics.median(r.get(k, 0.0) for r in runs) for k in ("app", *PROCESS_KINDS)]
        return f"{total:.0f} MiB | " + " / ".join(f"{p:.0f}" for p in parts)

    lines = [
        "## Desktop app (issue 4)",
        "",
        f"Under Xvfb (1280x800), WebKitGTK {_webkit_version()}, pywebview GTK; median of {RUNS} "
        "cold starts each, interleaved (binary, source, bare windows, repeat), each with a fresh "
        "data dir. Start = process spawned; server = `/healthz` answers; UI connected = the "
        "window's page has joined as the host user (seen by a Socket.IO client). PSS = the whole "
        "process tree from /proc/*/smaps_rollup, "
        f"{SETTLE_S:.0f} s after connecting, split into the app's own process / WebKitWebProcess "
        f"/ WebKitNetworkProcess. Load average (1 min) during the runs: {min(loads):.1f}–"
        f"{max(loads):.1f}, median {statistics.median(loads):.1f} on {os.cpu_count()} cores.",
        "",
        f"- One-file binary `parley`: **{size_mb:.1f} MB** (target ≤ 35 MB)",
        "",
        "| run | server answering | UI connected (target ≤ 1 s) | PSS of the tree | "
        "app / web / network | vs bare window (target ≤ 1.15×) |",
        "|---|---|---|---|---|---|",
    ]
    for label, runs in starts.items():
        server = statistics.median(r[0] for r in runs)
        ui = statistics.median(r[1] for r in runs)
        pss = statistics.median(sum(r[2].values()) for r in runs)
        lines.append(
            f"| {label} | {server:.0f} ms | {ui:.0f} ms | {pss_cells([r[2] for r in runs])} "
            f"| {pss / bare_total:.2f}× |"
        )
    plain_total = statistics.median(sum(b.values()) for b in bare_plain)
    lines += [
        f"| bare pywebview window, blank page | – | – | {pss_cells(bare)} | 1.00× |",
        f"| the same, compositing off like the app | – | – | {pss_cells(bare_plain)} "
        f"| {plain_total / bare_total:.2f}× |",
        "",
        "Every cold start, ms to UI connected: "
        + "; ".join(
            f"{label} " + ", ".join(f"{r[1]:.0f}" for r in runs) for label, runs in starts.items()
        )
        + ".",
        "",
        "What keeps the binary small: the GTK/GLib/WebKitGTK stack is not bundled (build.spec "
        "`SYSTEM_GTK`: every library in the system WebKitGTK's ldd closure, the GI typelibs, "
        "pixbuf loaders, GIO modules and the gi runtime hooks are left out, and libraries only "
        "those needed are pruned); the default spec with trimmed icons/themes/locales was 62 MB "
        "(STACK.md), untrimmed 77 MB. Its libraries are stored uncompressed for a quicker start "
        "(below).",
        "",
        HISTORY,
        "",
    ]
    return "\n".join(lines)


def _webkit_version() -> str:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "libwebkit2gtk-4.1-0"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return out or "4.1"
