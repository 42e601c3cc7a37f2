"""A Redis outage under a crowd (issue 17; wire/cluster.py, chat/outage.py): what a blip costs.

Two host processes on one throwaway PostgreSQL with a throwaway Redis between them (no HAProxy:
the crowd connects to B directly). N clients connect to B; Redis is stopped, a message is sent
through A (stored; lost to B's clients: pub/sub keeps nothing), and Redis is started again
OUTAGE_S later. B tells its clients `resync`; each catches up as the UI does, at a random moment
within the `within_ms` it was told: `fetch_messages` after the last id it held
(bench/loadgen/loadgen.js, mode blip). The rows: clients told once / more than once, that found the
message, errors; when they were told and when their catch-up was answered, after Redis was back;
the two hosts' CPU from the moment before the outage until every client had caught up.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import _vs, crowds
from tests.cluster.conftest import TEMPLATE, make_template
from tests.cluster.servers import PostgresServer, RedisServer
from tests.hostproc import HostProcess
from tests.peers import Peer

SIZES = (2000, 10_000)
OUTAGE_S = 3.0  # longer than a heartbeat (2 s): every process has texts dropped meanwhile
BLIP_S = 60.0  # at most this long after the outage for every client to have caught up
QUIET_S = 5.0  # then this long without a second resync (the settling time is 3 s)


def _blip(postgres: PostgresServer, root: Path, n: int) -> dict[str, Any]:
    url = postgres.create_database("bench_blip", template=TEMPLATE)
    server, _ = _vs.pinned()
    redis = RedisServer()
    hosts: list[HostProcess] = []
    try:
        for i in range(2):
            hosts.append(
                HostProcess(
                    root / f"blip{n}-{i}",
                    "--open",
                    "--database",
                    url,
                    "--message-queue",
                    redis.url,
                    env=_vs.NO_LIMITS,
                    prefix=server,
                )
            )
        gen = crowds._gen(
            {
                "mode": "blip",
                "url": hosts[1].url.rstrip("/"),
                "server_pid": [h.proc.pid for h in hosts],
                "n": n,
                "connect_concurrency": crowds.CONCURRENCY,
                "tag": "b",
                "blip_s": BLIP_S,
                "quiet_s": QUIET_S,
                "deadline_s": 600,
            }
        )
        try:
            crowds._until(gen, "READY", 400)
            sender = Peer(hosts[0].url, {"name": "Sender"})
            try:
                redis.down()
                sent = sender.send(sender.room_id(), "while Redis was away", str(uuid.uuid4()))
                time.sleep(OUTAGE_S)
                redis.up()
                up = time.time() * 1000
            finally:
                sender.close()
            out = crowds._result(gen, BLIP_S + QUIET_S + 60)
        finally:
            gen.kill()
    finally:
        for host in hosts:
            host.stop()
        redis.stop()
        postgres.drop_database("bench_blip")
    out["up_ms"], out["sent_id"] = up, sent["id"]
    return out


def measure() -> dict[str, Any]:
    _vs.check_node_modules()
    out: dict[str, Any] = {"files": crowds._raise_files(), "load_before": os.getloadavg()[0]}
    postgres = PostgresServer()
    try:
        make_template(postgres)
        with tempfile.TemporaryDirectory() as tmp:
            for n in SIZES:
                started = time.monotonic()
                out[n] = _blip(postgres, Path(tmp), n)
                out[n]["took_s"] = time.monotonic() - started
                out[n]["load_after"] = os.getloadavg()[0]
    finally:
        postgres.stop()
    return out


def _seconds(stamps: list[float], since: float) -> list[float]:
    return sorted((t - since) / 1000 for t in stamps)


def _rows(run: dict[str, Any]) -> dict[str, str]:
    b = run.get("blip") or {}
    told = _seconds(b.get("told_at_ms", []), run["up_ms"])
    done = _seconds(b.get("done_at_ms", []), run["up_ms"])

    def at(values: list[float], q: float) -> str:
        return f"{values[min(len(values) - 1, int(q * len(values)))]:.2f}" if values else "–"

    median = f"{statistics.median(done):.2f}" if done else "–"
    cpu = b.get("cpu") or {}
    return {
        "clients told `resync` / told more than once": f"{len(told):,} / {b.get('told_again', 0)}",
        "`within_ms` they were told": f"{b.get('within_ms_max', '–')}",
        "caught up / found the message sent during the outage / errors": (
            f"{b.get('caught_up', 0):,} / {b.get('found', 0):,} / {b.get('error_count', 0)}"
        ),
        "the message also delivered live (it must not be)": f"{b.get('live', 0)}",
        "told: first / last, s after Redis was back": f"{at(told, 0)} / {at(told, 1)}",
        "caught up: first / median / p99 / last, s after Redis was back": (
            f"{at(done, 0)} / {median} / {at(done, 0.99)} / {at(done, 1)}"
        ),
        f"both hosts' CPU from before the outage to the end (incl. {QUIET_S:.0f} s quiet)": (
            f"{_vs.num(cpu.get('server_cpu_s'), '.1f')} s over {_vs.num(cpu.get('wall_s'), '.1f')} s"
        ),
        "load average (1 min) after; the part took": (
            f"{run['load_after']:.1f}; {run['took_s']:.0f} s"
        ),
    }


def report(out: dict[str, Any]) -> str:
    rows = {n: _rows(out[n]) for n in SIZES}
    lines = [
        "## A Redis outage under a crowd: one resync per client, spread (bench/blip.py)",
        "",
        "Two host processes on PostgreSQL with Redis between them; N clients connected to B. "
        f"Redis stopped, a message sent through A, Redis started {OUTAGE_S:.0f} s later (every "
        "process has texts dropped meanwhile). Each client catches up on `resync` as the UI "
        "does: at a random moment within the `within_ms` it is told, `fetch_messages` after the "
        f"last id it held. {_vs.pinning_note()}. Load average (1 min) before: "
        f"{out['load_before']:.1f} on 2 cores (the section's own processes count: much above 2 "
        "means other work shared the machine). Each part: fresh servers, started and stopped.",
        "",
        "| N | " + " | ".join(f"{n:,}" for n in SIZES) + " |",
        "|---|" + "---|" * len(SIZES),
        *(
            f"| {name} | " + " | ".join(rows[n][name] for n in SIZES) + " |"
            for name in rows[SIZES[0]]
        ),
    ]
    notes = [e for n in SIZES for e in ((out[n].get("blip") or {}).get("errors") or [])]
    notes += [e for n in SIZES for e in (out[n].get("errors") or [])]
    if notes:
        lines += ["", "Errors: " + "; ".join(notes)]
    return "\n".join(lines)


def run() -> str:
    return report(measure())
