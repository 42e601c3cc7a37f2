"""Durable acked sends per second (1 and 10 senders) and how long others wait during a burst.

The host runs as users run it (`python -m backend`, its own process, auth on, SQLite on disk) except
that the per-user send limit is raised: the default (bursts of 20, then 5/s) exists to stop a
flooding peer and would otherwise be all this measures. Load comes from python-socketio clients in
this process, on the websocket transport. Every loop is bounded in count and time.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import socketio

from tests.hostproc import HostProcess

DURATION = 6.0  # seconds of load per measurement
MAX_SENDS = 50_000  # per measurement, whatever the speed
NO_LIMITS = {"PARLEY_SEND_RATE": "1000000", "PARLEY_SEND_BURST": "1000000"}


def _client(url: str, name: str) -> tuple[socketio.Client, int]:
    client = socketio.Client(reconnection=False)
    welcome: dict[str, Any] = {}
    got = threading.Event()

    def on_welcome(data: dict[str, Any]) -> None:
        welcome.update(data)
        got.set()

    client.on("welcome", on_welcome)
    client.connect(url, transports=["websocket"], auth={"name": name}, wait_timeout=10)
    got.wait(10)
    # A room of its own: the generator then decodes acks, not every other sender's broadcast.
    room = client.call("create_room", {"name": name.lower()}, timeout=10)["room"]
    return client, room["id"]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _senders(url: str, count: int, tag: str, observer: bool) -> dict[str, Any]:
    """``count`` clients each sending one message at a time (wait for the ack, send the next)."""
    clients = [_client(url, f"{tag}{n}") for n in range(count)]
    watcher = _client(url, f"{tag}watch") if observer else None
    latencies: list[float] = []
    waits: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + DURATION
    sent = [0]

    def send_loop(client: socketio.Client, room_id: int, n: int) -> None:
        i = 0
        while time.monotonic() < stop_at:
            with lock:
                if sent[0] >= MAX_SENDS:
                    return
                sent[0] += 1
            t0 = time.perf_counter()
            ack = client.call(
                "send_message",
                {"room_id": room_id, "text": "x" * 64, "client_id": f"{tag}-{n}-{i}"},
                timeout=30,
            )
            dt = time.perf_counter() - t0
            assert ack["ok"], ack
            with lock:
                latencies.append(dt)
            i += 1

    def watch_loop(client: socketio.Client, room_id: int) -> None:
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            client.call("fetch_messages", {"room_id": room_id, "limit": 1}, timeout=30)
            waits.append(time.perf_counter() - t0)
            time.sleep(0.02)

    threads = [
        threading.Thread(target=send_loop, args=(c, r, n)) for n, (c, r) in enumerate(clients)
    ]
    if watcher:
        threads.append(threading.Thread(target=watch_loop, args=watcher))
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(DURATION + 60)
    elapsed = time.perf_counter() - t0
    gen_cpu = (time.process_time() - cpu0) / elapsed
    for c, _ in clients + ([watcher] if watcher else []):
        threading.Thread(target=c.disconnect, daemon=True).start()
    return {
        "rate": len(latencies) / elapsed,
        "p50": _pct(latencies, 0.5) * 1000,
        "p99": _pct(latencies, 0.99) * 1000,
        "wait_p50": _pct(waits, 0.5) * 1000,
        "wait_p99": _pct(waits, 0.99) * 1000,
        "wait_max": max(waits) * 1000 if waits else float("nan"),
        "gen_cpu": gen_cpu * 100,
    }


def _idle_wait(url: str) -> tuple[float, float]:
    client, room_id = _client(url, "idlewatch")
    waits = []
    for _ in range(200):
        t0 = time.perf_counter()
        client.call("fetch_messages", {"room_id": room_id, "limit": 1}, timeout=10)
        waits.append(time.perf_counter() - t0)
    threading.Thread(target=client.disconnect, daemon=True).start()
    return _pct(waits, 0.5) * 1000, _pct(waits, 0.99) * 1000


def run() -> str:
    rows = []
    idle = (0.0, 0.0)
    for sync in ("full", "normal"):
        with tempfile.TemporaryDirectory() as tmp:
            host = HostProcess(Path(tmp), "--open", env={**NO_LIMITS, "PARLEY_SYNCHRONOUS": sync})
            try:
                if sync == "full":
                    idle = _idle_wait(host.url)
                for count in (1, 10):
                    r = _senders(host.url, count, f"s{sync}{count}-", observer=count == 10)
                    rows.append((sync, count, r))
            finally:
                host.stop()
    lines = [
        "## Host: durable acked sends",
        "",
        "Each sender waits for its ack (sent only after the commit) before sending the next "
        f"message; {DURATION:.0f} s per row; 64-byte texts; one host process; the load generator "
        "is python-socketio in another process (its CPU is given: near 100 % it, not the host, "
        "limits). Each sender posts in a room of its own. `synchronous=full` (default) fsyncs "
        "each batch commit; `normal` does not.",
        "",
        "| synchronous | senders | acked sends/s | ack p50 ms | ack p99 ms | generator CPU |",
        "|---|---|---|---|---|---|",
    ]
    for sync, count, r in rows:
        lines.append(
            f"| {sync} | {count} | {r['rate']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['gen_cpu']:.0f} % |"
        )
    burst = next(r for s, c, r in rows if s == "full" and c == 10)
    lines += [
        "",
        "How long another client waits while 10 senders write (a `fetch_messages` round trip, "
        "repeated every 20 ms by an eleventh client):",
        "",
        "| | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|",
        f"| idle host | {idle[0]:.2f} | {idle[1]:.2f} | |",
        f"| during the 10-sender burst (full) | {burst['wait_p50']:.2f} | {burst['wait_p99']:.2f} | {burst['wait_max']:.2f} |",
        "",
        f"Disk: the data dir is a temp dir on `{_fs(tempfile.gettempdir())}`.",
    ]
    return "\n".join(lines)


def _fs(path: str) -> str:
    try:
        best = ("?", "", "?")
        for line in Path("/proc/mounts").read_text().splitlines():
            dev, mount, kind = line.split()[:3]
            if path.startswith(mount) and len(mount) > len(best[1]):
                best = (dev, mount, kind)
        return f"{best[0]} ({best[2]})"
    except OSError:
        return os.path.abspath(path)
