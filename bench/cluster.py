"""One host process vs two behind HAProxy with Redis between them: fan-out latency and CPU per
delivery, so the cost of the Redis hop shows as a ratio.

Both on the same throwaway PostgreSQL (tests/cluster/servers.py: fsync off); the two processes
with ``--message-queue`` on a throwaway Redis, behind a throwaway HAProxy (round robin, so the
crowd splits evenly). Each row: the crowd of N clients in `general`, 10 senders at 2 msg/s for 5 s
(chat load), every client timing each `message_created` from its sender's emit
(bench/loadgen/loadgen.js, as in the fanout section). Server CPU is summed over every server-side
process of the set-up (one host; or two hosts, Redis and HAProxy).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import _vs
from tests.cluster.conftest import TEMPLATE
from tests.cluster.servers import HaproxyServer, PostgresServer, RedisServer, free_port
from tests.hostproc import HostProcess

N = 1000  # not 2,000: connection set-up at 2,000 would take most of the time budget here
PARAMS = dict(
    mode="scenario",
    steps=[N],
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
def _two(postgres: PostgresServer, root: Path) -> Iterator[tuple[str, list[int]]]:
    url = postgres.create_database("bench_two", template=TEMPLATE)
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
                    root / f"two{i}",
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
        # Slack for health checks: both hosts share one loaded core while 1,000 clients connect.
        proxy = HaproxyServer(backends, port, check="inter 2s fall 3 rise 2")
        assert redis.pid is not None and proxy.pid is not None
        yield proxy.url.rstrip("/"), [*(h.proc.pid for h in hosts), redis.pid, proxy.pid]
    finally:
        if proxy is not None:
            proxy.stop()
        for host in hosts:
            host.stop()
        redis.stop()
        postgres.drop_database("bench_two")


def measure() -> dict[str, Any]:
    _vs.check_node_modules()
    out: dict[str, Any] = {}
    postgres = PostgresServer()
    try:
        postgres.create_database(TEMPLATE)
        from backend.storage.postgres.store import PostgresBackend

        PostgresBackend(postgres.url(TEMPLATE)).open_writer().close()
        with tempfile.TemporaryDirectory() as tmp:
            for name, setup in (("one", _one), ("two", _two)):
                with setup(postgres, Path(tmp)) as (url, pids):
                    out[name] = _vs.loadgen(
                        {**PARAMS, "url": url, "server_pid": pids, "kind": "parley", "tag": name}
                    )
                    out[name]["load_after"] = os.getloadavg()[0]
    finally:
        postgres.stop()
    return out


def _row(run: dict[str, Any]) -> dict[str, Any]:
    step = next(s for s in run["steps"] if s["n"] == N)
    return next(f for f in step["fanout"] if f["rate"] == 2)


def report(out: dict[str, Any]) -> str:
    one, two = _row(out["one"]), _row(out["two"])
    lines = [
        "## Several host processes: one vs two behind HAProxy (Redis fan-out)",
        "",
        f"N = {N:,} clients in `general` (**not 2,000**: the set-up of 2,000 connections takes most "
        "of this section's time budget), 10 senders at 2 msg/s for 5 s, 64-byte texts. One host "
        "process on PostgreSQL, against two on the same PostgreSQL with `--message-queue` on Redis "
        "behind HAProxy (round robin). Server CPU is summed over every server-side process (one "
        "host; or both hosts, Redis and HAProxy), divided by deliveries. "
        f"{_vs.pinning_note()}: both hosts share the server's core here, so this measures what "
        "the hop costs, not what a second core or machine gains. The machine is shared with other "
        "work (load average after: "
        f"{out['one']['load_after']:.1f} / {out['two']['load_after']:.1f}).",
        "",
        "| set-up | p50 ms | p99 ms | CPU µs/delivery | server CPU | delivered |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in (("one process", one), ("two + Redis + HAProxy", two)):
        delivered = (
            "all"
            if row["delivered"] >= row["expected"]
            else (f"{100 * row['delivered'] / row['expected']:.0f} %")
        )
        lines.append(
            f"| {name} | {_vs.num(row.get('p50_ms'))} | {_vs.num(row.get('p99_ms'))} | "
            f"{_vs.num(row.get('server_us_per_delivery'), '.1f')} | "
            f"{_vs.num(row.get('server_cpu_pct'), '.0f')} % | {delivered} |"
        )
    lines += [
        "",
        f"Ratios two / one: p50 {_vs.ratio(two.get('p50_ms'), one.get('p50_ms'))}, CPU per "
        f"delivery {_vs.ratio(two.get('server_us_per_delivery'), one.get('server_us_per_delivery'))}.",
    ]
    return "\n".join(lines)


def run() -> str:
    return report(measure())
