"""Shared plumbing for the sections that put Parley's host next to the Node socket.io reference.

Servers run as their own processes: Parley's host as users run it (`python -m backend --open`: auth,
the send limiter and SQLite with synchronous=FULL all on) and `bench/reference/server.js`. One load
generator drives both (`bench/loadgen/loadgen.js`, socket.io-client v4, websocket transport only).
With two or more cores the server is pinned to core 0 and the generator to core 1 (`taskset`).

The departures from a default host: ``PARLEY_SEND_RATE``/``PARLEY_SEND_BURST`` are raised to
1,000,000 so the per-user limiter (default bursts of 20, then 5/s) does not become the thing being
measured (the limiter still runs on every send; it just never says no), and
``PARLEY_MAX_CONNECTIONS_PER_ADDRESS`` to 1,000,000, because every generated client comes from the
one loopback address while a real crowd comes from many (the cap is counted, never reached).

Results of this run are kept in ``RESULTS`` so `bench/targets.py` can compare them (same run).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.hostproc import HostProcess

BENCH = Path(__file__).resolve().parent
REFERENCE = BENCH / "reference"
LOADGEN = BENCH / "loadgen"
NO_LIMITS = {
    "PARLEY_SEND_RATE": "1000000",
    "PARLEY_SEND_BURST": "1000000",
    "PARLEY_MAX_CONNECTIONS_PER_ADDRESS": "1000000",
}
GEN_BUSY = 90.0  # generator CPU % from which a row is flagged: the generator may be the limit

# Filled by the sections as they run; read by bench/targets.py.
RESULTS: dict[str, Any] = {}


def _priority() -> list[str]:
    # As root, servers and generator run at nice -10: other work on a shared machine then
    # disturbs the measurement less (both servers get the same treatment).
    return ["nice", "-n", "-10"] if os.geteuid() == 0 and shutil.which("nice") else []


def pinned() -> tuple[list[str], list[str]]:
    """Command prefixes for (server, generator): different cores when there are two or more."""
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset"):
        return [*_priority(), "taskset", "-c", "0"], [*_priority(), "taskset", "-c", "1"]
    return _priority(), _priority()


def pinning_note() -> str:
    server, _ = pinned()
    note = (
        "server pinned to core 0, generator to core 1 (`taskset`)"
        if "taskset" in server
        else ("not pinned (fewer than two cores or no `taskset`)")
    )
    return note + (", both at `nice -n -10`" if _priority() else "")


def check_node_modules() -> None:
    for d in (REFERENCE, LOADGEN):
        if not (d / "node_modules").is_dir():
            raise RuntimeError(f"run `npm --prefix {d} ci` first (make bench does)")


def versions() -> dict[str, str]:
    """Versions of what is being compared, read from the installed packages."""
    out = {
        "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    }
    for d, names in ((REFERENCE, ("socket.io", "ws")), (LOADGEN, ("socket.io-client",))):
        for name in names:
            try:
                pkg = json.loads((d / "node_modules" / name / "package.json").read_text())
                out[name] = pkg["version"]
            except (OSError, KeyError, ValueError):
                out[name] = "?"
    try:
        from importlib.metadata import version

        for name in ("python-socketio", "python-engineio", "Flask-SocketIO", "gevent"):
            out[name] = version(name)
    except Exception:  # pragma: no cover - informational only
        pass
    return out


def versions_note() -> str:
    """What is being compared, as one sentence for a section's introduction."""
    v = versions()
    parley = ", ".join(
        f"{name} {v[name]}"
        for name in ("python-socketio", "python-engineio", "Flask-SocketIO", "gevent")
        if name in v
    )
    return (
        f"Versions: Node {v.get('node', '?')}; the reference on socket.io {v.get('socket.io', '?')} "
        f"and ws {v.get('ws', '?')}; the generator on socket.io-client "
        f"{v.get('socket.io-client', '?')}; Parley on {parley}."
    )


@contextmanager
def parley(extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """A Parley host in its own process on a fresh data dir: yields (url, pid)."""
    server, _ = pinned()
    with tempfile.TemporaryDirectory() as tmp:
        host = HostProcess(
            Path(tmp), "--open", env={**NO_LIMITS, **(extra_env or {})}, prefix=server
        )
        try:
            yield host.url.rstrip("/"), host.proc.pid
        finally:
            host.stop()


@contextmanager
def node_server(script: str, scheme: str = "http") -> Iterator[tuple[str, int]]:
    """``node bench/reference/SCRIPT 0``: yields (url, pid) once it prints ``listening PORT``."""
    server, _ = pinned()
    proc = subprocess.Popen(
        [*server, "node", str(REFERENCE / script), "0"],
        cwd=REFERENCE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        port = _await_listening(proc)
        yield f"{scheme}://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _await_listening(proc: subprocess.Popen[str]) -> int:
    box: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("listening "):
                box.append(line.split()[1])
                return

    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(30)
    if not box:
        proc.kill()
        raise RuntimeError(f"{proc.args} did not start")
    return int(box[0])


def loadgen(params: dict[str, Any]) -> dict[str, Any]:
    """Run the generator once (pinned), bounded by ``params['deadline_s']``; return its JSON."""
    _, gen = pinned()
    deadline = float(params.setdefault("deadline_s", 120))
    proc = subprocess.run(
        [*gen, "node", str(LOADGEN / "loadgen.js"), json.dumps(params)],
        cwd=LOADGEN,
        capture_output=True,
        text=True,
        timeout=deadline + 30,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"loadgen failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    result: dict[str, Any] = json.loads(lines[-1])
    if result.get("failed"):
        raise RuntimeError(f"loadgen failed: {result.get('errors')}")
    return result


def ratio(parley_value: float | None, reference_value: float | None) -> str:
    if not parley_value or not reference_value:
        return "–"
    return f"{parley_value / reference_value:.2f}×"


def num(value: float | None, fmt: str = ".2f") -> str:
    return "–" if value is None else format(value, fmt)


def gen_cpu(pct: float | None) -> str:
    """Generator CPU, flagged when it nears a full core (then it, not the server, may limit)."""
    if pct is None:
        return "–"
    return f"**{pct:.0f} %** ⚠" if pct >= GEN_BUSY else f"{pct:.0f} %"
