"""Durable acked sends/s with 1 and 10 concurrent senders, next to the reference's acked send.

Each sender posts in a room of its own and waits for its ack before the next send (closed loop),
for a fixed time. Parley acks only after the SQLite commit (synchronous=FULL: fsync'd); the
reference stores nothing, so its figure is the transport ceiling, not a like-for-like durability
comparison. The lead's `host_durability` section measures the same with a Python generator.
"""

from __future__ import annotations

from typing import Any

from bench import _vs

SENDERS = [1, 10]
DURATION_S = 5.0
MAX_SENDS = 100_000  # per row, whatever the speed


def measure() -> dict[str, Any]:
    _vs.check_node_modules()
    out: dict[str, Any] = {"reference": {}, "parley": {}}
    for kind, server in (
        ("reference", lambda: _vs.node_server("server.js")),
        ("parley", _vs.parley),
    ):
        with server() as (url, pid):
            for count in SENDERS:
                out[kind][count] = _vs.loadgen(
                    {
                        "mode": "acked",
                        "url": url,
                        "server_pid": pid,
                        "senders": count,
                        "duration_s": DURATION_S,
                        "max_sends": MAX_SENDS,
                        "deadline_s": 60,
                        "tag": f"{kind[0]}{count}s",
                    }
                )
    return out


def report(out: dict[str, Any]) -> str:
    lines = [
        "## Durable acked sends",
        "",
        f"Closed loop (each sender waits for its ack), {DURATION_S:.0f} s per row, 64-byte texts, each "
        f"sender in a room of its own; {_vs.pinning_note()}; Parley's send limiter on with raised "
        'limits. The reference\'s ack means "broadcast", Parley\'s means "committed to disk". '
        + _vs.versions_note(),
        "",
        "| senders | acked sends/s ref | acked sends/s Parley | ratio | ack p50 ms ref / Parley | "
        "ack p99 ms ref / Parley | server CPU ref / Parley | generator CPU ref / Parley | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for count in SENDERS:
        r, p = out["reference"][count], out["parley"][count]
        lines.append(
            f"| {count} | {r['per_s']:,.0f} | {p['per_s']:,.0f} | {_vs.ratio(p['per_s'], r['per_s'])} | "
            f"{_vs.num(r['p50_ms'])} / {_vs.num(p['p50_ms'])} | {_vs.num(r['p99_ms'])} / {_vs.num(p['p99_ms'])} | "
            f"{_vs.num(r['server_cpu_pct'], '.0f')} % / {_vs.num(p['server_cpu_pct'], '.0f')} % | "
            f"{_vs.gen_cpu(r['gen_cpu_pct'])} / {_vs.gen_cpu(p['gen_cpu_pct'])} | {r['errors'] + p['errors']} |"
        )
    return "\n".join(lines)


def run() -> str:
    out = measure()
    _vs.RESULTS["acked_sends"] = out
    return report(out)
