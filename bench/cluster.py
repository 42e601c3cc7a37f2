"""One host process vs two behind HAProxy with Redis between them: fan-out latency and CPU per
delivery, so the cost of the Redis hop shows as a ratio.

Both on the same throwaway PostgreSQL (tests/cluster/servers.py: fsync off); the two processes
with ``--message-queue`` on a throwaway Redis, behind a throwaway HAProxy (round robin, so the
crowd splits evenly). Each row: the crowd of N clients in `general`, 10 senders at 2 msg/s for 5 s
(chat load), every client timing each `message_created` from its sender's emit
(bench/loadgen/loadgen.js, as in the fanout section). Server CPU is summed over every server-side
process of the set-up (one host; or two hosts, Redis and HAProxy).

Then the cluster's reconnect storm: a fresh pair behind HAProxy (its checks as docs/deploy.md
configures them), N clients connected through it (round robin: half on each process), 10 of them
sending at 2 msg/s each; one process is SIGKILLed. Its clients reconnect through HAProxy to the
survivor and resync as the UI does (bench/crowds.py's storm client: its token, `fetch_messages`
after its newest id, `fetch_changes` after its rev, `watch_users`); the row times the last of them
back from the kill, and checks that every acknowledged send is in the room's history once.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import _vs, crowds
from tests.cluster.conftest import TEMPLATE, make_template
from tests.cluster.servers import HaproxyServer, PostgresServer, RedisServer, free_port
from tests.hostproc import HostProcess

N = 2000
PARAMS = dict(
    mode="scenario",
    senders=10,
    rates=[2],
    fanout_s=5.0,
    burst_at=[],
    burst_s=4.0,
    burst_inflight=4,
    drain_s=15.0,
    connect_concurrency=20,
    deadline_s=240.0,
)
STORM_S = 60.0  # at most this long for every client of the killed process to be back
# The storm's pair is checked as docs/deploy.md says: a dead process is out after two failed
# checks, a second apart. The fan-out rows' pair gets more slack: both hosts share one loaded core
# while the crowd connects, and a slow answer must not take a process out of the round robin.
DEPLOY_CHECK = "inter 1s fall 2 rise 2"
LOADED_CHECK = "inter 2s fall 3 rise 2"
NO_LIMITS = _vs.NO_LIMITS  # the send limiter runs but never refuses; no per-address cap


@contextmanager
def _one(postgres: PostgresServer, root: Path) -> Iterator[tuple[str, list[int]]]:
    url = postgres.create_database("bench_one", template=TEMPLATE)
    server, _ = _vs.pinned()
    host = HostProcess(root / "one", "--open", "--database", url, env=NO_LIMITS, prefix=server)
    try:
        yield host.url.rstrip("/"), [host.proc.pid]
    finally:
        host.stop()
        postgres.drop_database("bench_one")


@contextmanager
def _pair(
    postgres: PostgresServer, root: Path, name: str, check: str
) -> Iterator[tuple[str, list[HostProcess], list[int]]]:
    """Two host processes on one database, Redis between them, behind HAProxy: yields (HAProxy's
    url, the hosts, every server-side pid). Every server it started is stopped by PID on the way
    out, whatever happened (a host already killed is only waited for)."""
    url = postgres.create_database(name, template=TEMPLATE)
    server, _ = _vs.pinned()
    redis = RedisServer()
    port = free_port()
    env = {**NO_LIMITS, "PARLEY_PUBLIC_ORIGINS": f"http://127.0.0.1:{port}"}
    hosts: list[HostProcess] = []
    proxy: HaproxyServer | None = None
    try:
        for i in range(2):
            hosts.append(
                HostProcess(
                    root / f"{name}{i}",
                    "--open",
                    "--database",
                    url,
                    "--message-queue",
                    redis.url,
                    env=env,
                    prefix=server,
                )
            )
        backends = [h.url.removeprefix("http://").rstrip("/") for h in hosts]
        proxy = HaproxyServer(backends, port, check=check)
        assert redis.pid is not None and proxy.pid is not None
        _same_priority([redis.pid, proxy.pid])
        yield proxy.url.rstrip("/"), hosts, [*(h.proc.pid for h in hosts), redis.pid, proxy.pid]
    finally:
        if proxy is not None:
            proxy.stop()
        for host in hosts:
            host.stop()
        redis.stop()
        postgres.drop_database(name)


def _same_priority(pids: list[int]) -> None:
    """Redis and HAProxy at the hosts' priority (bench/_vs.py: nice -10 as root), every thread:
    at nice 0 other work on a shared machine delays every frame of the pair, not the hosts'."""
    if _vs.pinned()[0][:1] != ["nice"]:
        return
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").iterdir():
            os.setpriority(os.PRIO_PROCESS, int(task.name), -10)


@contextmanager
def _two(postgres: PostgresServer, root: Path) -> Iterator[tuple[str, list[int]]]:
    with _pair(postgres, root, "bench_two", LOADED_CHECK) as (url, _, pids):
        yield url, pids


def _storm(postgres: PostgresServer, root: Path) -> dict[str, Any]:
    """N clients through HAProxy, senders sending, one of the two processes SIGKILLed."""
    with _pair(postgres, root, "bench_storm", DEPLOY_CHECK) as (url, hosts, pids):
        gen = crowds._gen(
            {
                "mode": "crowd",
                "url": url,
                "server_pid": pids,
                "n": N,
                "concurrency": crowds.CONCURRENCY,
                "tag": "s",
                "storm": True,
                "storm_partial": True,
                "storm_s": STORM_S,
                "storm_senders": 10,
                "storm_rate": 2,
                "resync": True,
                "watch": True,
                "deadline_s": 240,
            }
        )
        try:
            crowds._until(gen, "READY", 200)
            time.sleep(1.0)  # the senders under way on both processes
            killed = time.time() * 1000
            hosts[0].kill()
            out = crowds._result(gen, STORM_S + 90)
        finally:
            gen.kill()
    out["killed_ms"] = killed
    return out


def measure() -> dict[str, Any]:
    _vs.check_node_modules()
    out: dict[str, Any] = {}
    out["files"] = crowds._raise_files()
    out["load_before"] = os.getloadavg()[0]
    postgres = PostgresServer()
    try:
        make_template(postgres)
        with tempfile.TemporaryDirectory() as tmp:
            for name, setup in (("one", _one), ("two", _two)):
                started = time.monotonic()
                with setup(postgres, Path(tmp)) as (url, pids):
                    out[name] = _vs.loadgen(
                        {
                            **PARAMS,
                            "steps": [N],
                            "url": url,
                            "server_pid": pids,
                            "kind": "parley",
                            "tag": name,
                        }
                    )
                    out[name]["load_after"] = os.getloadavg()[0]
                out[name]["took_s"] = time.monotonic() - started
            started = time.monotonic()
            out["storm"] = _storm(postgres, Path(tmp))
            out["storm"]["load_after"] = os.getloadavg()[0]
            out["storm"]["took_s"] = time.monotonic() - started
    finally:
        postgres.stop()
    return out


def _step(run: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in run["steps"] if s["n"] == N)


def _row(run: dict[str, Any]) -> dict[str, Any]:
    return next(f for f in _step(run)["fanout"] if f["rate"] == 2)


def report(out: dict[str, Any]) -> str:
    one, two = _row(out["one"]), _row(out["two"])
    lines = [
        "## Several host processes: one vs two behind HAProxy (Redis fan-out)",
        "",
        f"N = {N:,} clients in `general`, 10 senders at 2 msg/s for 5 s, 64-byte texts. One host "
        "process on PostgreSQL, against two on the same PostgreSQL with `--message-queue` on Redis "
        "behind HAProxy (round robin). Server CPU is summed over every server-side process (one "
        "host; or both hosts, Redis and HAProxy), divided by deliveries. "
        f"{_vs.pinning_note()}: both hosts share the server's core here, so this measures what "
        "the hop costs, not what a second core or machine gains; Redis and HAProxy are not pinned "
        "(they run on either core), at the hosts' priority. "
        f"Load average (1 min) before this section and after each part: "
        f"{out['load_before']:.1f} / {out['one']['load_after']:.1f} / "
        f"{out['two']['load_after']:.1f} / {out['storm']['load_after']:.1f} on 2 cores (the "
        "section's own processes count: much above 2 means other work shared the machine). "
        "Each part, servers started and stopped included, took "
        f"{out['one']['took_s']:.0f} / {out['two']['took_s']:.0f} / "
        f"{out['storm']['took_s']:.0f} s (one / two / storm).",
        "",
        "| set-up | clients connected in, s | p50 ms | p99 ms | CPU µs/delivery | server CPU | "
        "delivered |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, run in (("one process", out["one"]), ("two + Redis + HAProxy", out["two"])):
        row = _row(run)
        delivered = (
            "all"
            if row["delivered"] >= row["expected"]
            else (f"{100 * row['delivered'] / row['expected']:.0f} %")
        )
        lines.append(
            f"| {name} | {_step(run)['connect']['wall_s']:.1f} | {_vs.num(row.get('p50_ms'))} | "
            f"{_vs.num(row.get('p99_ms'))} | "
            f"{_vs.num(row.get('server_us_per_delivery'), '.1f')} | "
            f"{_vs.num(row.get('server_cpu_pct'), '.0f')} % | {delivered} |"
        )
    lines += [
        "",
        f"Ratios two / one: p50 {_vs.ratio(two.get('p50_ms'), one.get('p50_ms'))}, CPU per "
        f"delivery {_vs.ratio(two.get('server_us_per_delivery'), one.get('server_us_per_delivery'))}.",
        "",
        *_storm_rows(out["storm"]),
    ]
    return "\n".join(lines)


def _storm_rows(run: dict[str, Any]) -> list[str]:
    s = run.get("storm") or {}
    sends = s.get("sends") or {}
    killed = run["killed_ms"]
    back = sorted((t - killed) / 1000 for t in s.get("back_ms", []))
    last = f"{back[-1]:.2f}" if back else "–"
    median = f"{statistics.median(back):.2f}" if back else "–"
    lines = [
        f"Reconnect storm: a fresh pair behind HAProxy (checks `{DEPLOY_CHECK}`, as in "
        f"docs/deploy.md), {N:,} clients connected through it, 10 of them sending at 2 msg/s "
        "each; then one process is SIGKILLed. Its clients reconnect through HAProxy (the UI's "
        "backoff: 500 ms doubling to 3 s, ±50 % jitter) to the survivor with their tokens and "
        "resync as the UI does (`fetch_messages` after their newest id, `fetch_changes` after "
        "their rev, `watch_users`); each is back once all three are answered. Senders keep "
        "sending throughout (a send while down waits in socket.io-client's buffer); afterwards "
        "a client that stayed connected reads the room's whole history.",
        "",
        "| | |",
        "|---|---|",
        f"| clients that went down (those of the killed process) | {s.get('down', 0):,} of {N:,} |",
        f"| back and resynced | {s.get('back', 0):,} / {s.get('down', 0):,} |",
        f"| last client back, s after the kill | {last} |",
        f"| median client back, s after the kill | {median} |",
        f"| refused or failed connect attempts meanwhile | {s.get('connect_errors', 0):,} |",
        f"| resync errors | {s.get('resync_error_count', 0)} |",
        f"| sends during the storm: sent / acknowledged / not (answer lost with the process, or refused) | "
        f"{sends.get('sent', 0)} / {sends.get('acked', 0)} / "
        f"{sends.get('unanswered_or_refused', 0)} |",
        f"| acknowledged sends missing from history / stored twice / under another id | "
        f"{sends.get('missing', '–')} / {sends.get('doubled', '–')} / "
        f"{sends.get('wrong_id', '–')} |",
    ]
    notes = [*(s.get("resync_errors") or []), *([sends["error"]] if "error" in sends else [])]
    notes += run.get("errors") or []
    if notes:
        lines += ["", "Errors: " + "; ".join(notes)]
    return lines


def run() -> str:
    return report(measure())
