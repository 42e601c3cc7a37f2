"""Fan-out latency and CPU per delivery, burst capacity, connection set-up and RSS per client.

One crowd per server that grows in steps (50 → 200 → 500 → 2,000 clients, all in `general`); at each
step 10 of them send 64-byte messages on an open-loop schedule (2 and 10 msg/s each) and every
client's `message_created` is timed from the moment its sender emitted it. See bench/_vs.py for how
the servers are run and pinned.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from bench import _vs

STEPS = [50, 200, 500, 2000]
RATES = [2, 10]  # msg/s per sender; 2 is "chat load"
SENDERS = 10
FANOUT_S = 5.0  # seconds of sending per (N, rate)
BURST_AT = [200, 500]
BURST_S = 4.0
DRAIN_S = 15.0  # at most this long waiting for the last deliveries of a row
DEADLINE_S = 300.0  # per server, whatever happens

PARAMS = dict(
    mode="scenario",
    steps=STEPS,
    senders=SENDERS,
    rates=RATES,
    fanout_s=FANOUT_S,
    burst_at=BURST_AT,
    burst_s=BURST_S,
    burst_inflight=4,
    drain_s=DRAIN_S,
    connect_concurrency=20,
    deadline_s=DEADLINE_S,
)

# The crowd grows as in the main run (its spread depends on that), chat load only.
NO_FSYNC_PARAMS = {
    **PARAMS,
    "steps": [50, 200, 500],
    "rates": [2],
    "burst_at": [],
    "deadline_s": 90.0,
    "kind": "parley",
    "tag": "n",
}


def measure() -> dict[str, Any]:
    _vs.check_node_modules()
    out: dict[str, Any] = {}
    with _vs.node_server("server.js") as (url, pid):
        out["reference"] = _vs.loadgen(
            {**PARAMS, "url": url, "server_pid": pid, "kind": "reference", "tag": "r"}
        )
        out["reference"]["load_after"] = os.getloadavg()[0]
    with _vs.parley() as (url, pid):
        out["parley"] = _vs.loadgen(
            {**PARAMS, "url": url, "server_pid": pid, "kind": "parley", "tag": "p"}
        )
        out["parley"]["load_after"] = os.getloadavg()[0]
    # The commit's share of the first delivery: the same host with no fsync per commit.
    with _vs.parley({"PARLEY_SYNCHRONOUS": "normal"}) as (url, pid):
        out["parley_normal"] = _vs.loadgen({**NO_FSYNC_PARAMS, "url": url, "server_pid": pid})
    return out


def _steps(run: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {s["n"]: s for s in run["steps"]}


def _fan(step: dict[str, Any] | None, rate: int) -> dict[str, Any]:
    if not step:
        return {}
    return next((f for f in step["fanout"] if f["rate"] == rate), {})


def _rows(
    ref: dict[int, dict[str, Any]], par: dict[int, dict[str, Any]]
) -> Iterator[tuple[int, int, dict[str, Any], dict[str, Any]]]:
    """(N, rate, reference row, Parley row) for every fan-out row either server measured."""
    for n in STEPS:
        for rate in RATES:
            r, p = _fan(ref.get(n), rate), _fan(par.get(n), rate)
            if r or p:
                yield n, rate, r, p


def _delivered(f: dict[str, Any]) -> str:
    if not f:
        return "–"
    if f["delivered"] >= f["expected"]:
        return "all"
    return f"{100 * f['delivered'] / f['expected']:.0f} %"


def report(out: dict[str, Any]) -> str:
    ref, par = _steps(out["reference"]), _steps(out["parley"])
    lines = [
        "## Fan-out, burst capacity, connections: Parley vs the Node socket.io reference",
        "",
        f"Servers: Parley's host (`python -m backend --open`, SQLite synchronous=FULL, auth on) and "
        f"`bench/reference/server.js` (socket.io, plain room broadcast, nothing stored); {_vs.pinning_note()}. "
        "**Parley's per-user send limiter is on with its limits raised** (`PARLEY_SEND_RATE=1000000 "
        "PARLEY_SEND_BURST=1000000`): the limiter runs on every send but never refuses. "
        "Generator: `bench/loadgen/loadgen.js` (socket.io-client, websocket transport, one process for "
        "all clients), the same for both servers. Ratios are Parley / reference (lower is better "
        "for times and CPU). " + _vs.versions_note(),
        "",
        f"Each row: {SENDERS} senders, {FANOUT_S:.0f} s of sending, 64-byte texts, every client in the "
        "room (sender included) times each `message_created` from the sender's emit. CPU per "
        "delivery = server process CPU (all threads, /proc) from the first send until the last "
        f"delivery, divided by deliveries. Rows whose deliveries did not all arrive within {DRAIN_S:.0f} s "
        "after sending stopped show what share did (the server could not keep up: latency then "
        "only covers what arrived).",
        "",
        "| N | msg/s per sender | p50 ms ref | p50 ms Parley | ratio | p99 ms ref | p99 ms Parley | "
        "ratio | CPU µs/delivery ref | Parley | ratio | server CPU ref / Parley | delivered ref / Parley | "
        "generator CPU ref / Parley |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, rate, r, p in _rows(ref, par):
        lines.append(
            f"| {n:,} | {rate} | {_vs.num(r.get('p50_ms'))} | {_vs.num(p.get('p50_ms'))} | "
            f"{_vs.ratio(p.get('p50_ms'), r.get('p50_ms'))} | {_vs.num(r.get('p99_ms'))} | "
            f"{_vs.num(p.get('p99_ms'))} | {_vs.ratio(p.get('p99_ms'), r.get('p99_ms'))} | "
            f"{_vs.num(r.get('server_us_per_delivery'), '.1f')} | "
            f"{_vs.num(p.get('server_us_per_delivery'), '.1f')} | "
            f"{_vs.ratio(p.get('server_us_per_delivery'), r.get('server_us_per_delivery'))} | "
            f"{_vs.num(r.get('server_cpu_pct'), '.0f')} % / {_vs.num(p.get('server_cpu_pct'), '.0f')} % | "
            f"{_delivered(r)} / {_delivered(p)} | "
            f"{_vs.gen_cpu(r.get('gen_cpu_pct'))} / {_vs.gen_cpu(p.get('gen_cpu_pct'))} |"
        )
    lines += _where_the_time_goes(out, ref, par)
    lines += [
        "",
        f"Burst capacity: the {SENDERS} senders flat out (4 unacked sends each) for {BURST_S:.0f} s; "
        "deliveries counted as they arrive at the generator within that window.",
        "",
        "| N | deliveries/s ref | deliveries/s Parley | ratio | sends/s ref / Parley | "
        "CPU µs/delivery ref / Parley | generator CPU ref / Parley |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in BURST_AT:
        r = (ref.get(n) or {}).get("burst") or {}
        p = (par.get(n) or {}).get("burst") or {}
        if not r and not p:
            continue
        lines.append(
            f"| {n:,} | {_vs.num(r.get('deliveries_per_s'), ',.0f')} | "
            f"{_vs.num(p.get('deliveries_per_s'), ',.0f')} | "
            f"{_vs.ratio(p.get('deliveries_per_s'), r.get('deliveries_per_s'))} | "
            f"{_vs.num(r.get('sends_per_s'), ',.0f')} / {_vs.num(p.get('sends_per_s'), ',.0f')} | "
            f"{_vs.num(r.get('server_us_per_delivery'), '.1f')} / {_vs.num(p.get('server_us_per_delivery'), '.1f')} | "
            f"{_vs.gen_cpu(r.get('gen_cpu_pct'))} / {_vs.gen_cpu(p.get('gen_cpu_pct'))} |"
        )
    lines += [
        "",
        "Connection set-up (20 handshakes in flight, each until `welcome`) as the crowd grows, and the "
        "server's RSS once connected. A Parley join is a durable write (user, device, `general` "
        "membership); everyone online hears of arrivals in one `users_changed` per window, and "
        "its `welcome` lists at most ~100 users; the reference's connect stores and tells nothing.",
        "",
        "| clients | new clients | set-up/s ref | set-up/s Parley | ratio | RSS MB ref | RSS MB Parley |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in STEPS:
        r, p = ref.get(n), par.get(n)
        if not r and not p:
            continue
        rc, pc = (r or {}).get("connect", {}), (p or {}).get("connect", {})
        lines.append(
            f"| {n:,} | {rc.get('added', pc.get('added', 0)):,} | {_vs.num(rc.get('per_s'), ',.0f')} | "
            f"{_vs.num(pc.get('per_s'), ',.0f')} | {_vs.ratio(pc.get('per_s'), rc.get('per_s'))} | "
            f"{_vs.num((r or {}).get('rss_kb', 0) / 1024, '.0f')} | {_vs.num((p or {}).get('rss_kb', 0) / 1024, '.0f')} |"
        )
    per_conn = {}
    for kind, steps in (("reference", ref), ("parley", par)):
        top = max(steps) if steps else None
        base = out[kind].get("rss_base_kb")
        if top and base:
            per_conn[kind] = (steps[top]["rss_kb"] - base) / top
    if per_conn:
        r_kb, p_kb = per_conn.get("reference"), per_conn.get("parley")
        lines += [
            "",
            f"RSS per connected client (RSS with the largest crowd minus RSS before the first "
            f"client, over the clients; includes what earlier rows left behind): reference "
            f"{_vs.num(r_kb, '.0f')} KB, Parley {_vs.num(p_kb, '.0f')} KB ({_vs.ratio(p_kb, r_kb)}).",
        ]
    for kind in ("reference", "parley"):
        errors = out[kind].get("errors") or []
        if errors:
            lines.append(f"\n{kind}: " + "; ".join(errors))
    lines.append(
        f"\nLoad average (1 min) after each server's run: reference {out['reference']['load_after']:.1f}, "
        f"Parley {out['parley']['load_after']:.1f} (2 cores: above ~2 other work on the machine "
        "competed with the servers and the generator)."
    )
    return "\n".join(lines)


def _where_the_time_goes(
    out: dict[str, Any], ref: dict[int, dict[str, Any]], par: dict[int, dict[str, Any]]
) -> list[str]:
    lines = [
        "",
        "Where a delivery's time goes (each row's messages; medians over messages): **first** = "
        "send → the first recipient has it (the server's own path: receive, for Parley validate "
        "and commit to disk, then start the broadcast); **spread** = first → last recipient of one "
        "message (the broadcast reaching every client, bounded by how fast the one generator "
        "process reads N sockets). A delivery's p50 is about first + spread / 2.",
        "",
        "| N | msg/s per sender | first ms ref | first ms Parley | spread ms ref | spread ms Parley |",
        "|---|---|---|---|---|---|",
    ]
    for n, rate, r, p in _rows(ref, par):
        lines.append(
            f"| {n:,} | {rate} | {_vs.num(r.get('first_p50_ms'))} | "
            f"{_vs.num(p.get('first_p50_ms'))} | {_vs.num(r.get('spread_p50_ms'))} | "
            f"{_vs.num(p.get('spread_p50_ms'))} |"
        )
    nf = out.get("parley_normal")
    if nf:
        f = _fan(_steps(nf).get(500), 2)
        full = _fan(par.get(500), 2)
        lines += [
            "",
            "The commit's share: the same host with `PARLEY_SYNCHRONOUS=normal` (committed to the "
            "WAL, no fsync per commit: survives the process being killed, not a power cut; not "
            "what Parley ships), the crowd grown the same way, at N = 500, 2 msg/s per sender, run after "
            "the rows above: "
            f"first {_vs.num(f.get('first_p50_ms'))} ms (with fsync "
            f"{_vs.num(full.get('first_p50_ms'))} ms), p50 {_vs.num(f.get('p50_ms'))} ms (with "
            f"fsync {_vs.num(full.get('p50_ms'))} ms, reference "
            f"{_vs.num(_fan(ref.get(500), 2).get('p50_ms'))} ms).",
        ]
    return lines


# Measured once, 2026-11-23, this machine, back to back with the same generator (Parley only;
# host at commit e47544f = before, 87b4ea9 = after). Kept as text: the "before" code is gone.
WHAT_CHANGED = """\
### What changed in the host's transport (before → after)

py-spy on the host at N = 200, 2 msg/s showed 45 % of its CPU under Engine.IO's per-client writer
greenlet: permessage-deflate compressing every frame for every recipient (~14 % self; Node's ws
client offers it, as browsers do, and wsproto accepts), wsproto building the same frame again per
recipient (~8 %), one writer wake-up (queue get with a timer) per delivered packet, then the send.
Fix (`FastWebSocket` + `FastTransport.publish`, now in backend/wire/): refuse permessage-deflate, build
one WebSocket frame per broadcast for all recipients, and write it straight to each socket when
nothing is queued for that client (the writer greenlet only takes what the kernel would not).

| Parley, same run conditions | before | after |
|---|---|---|
| N = 200, 2 msg/s: fan-out p50 / p99 ms | 21.29 / 315.20 | 7.12 / 14.69 |
| N = 200, 2 msg/s: host CPU µs per delivery | 145.5 | 25.7 |
| N = 500, 2 msg/s: fan-out p50 / p99 ms | 4,334 / 6,150 (host fell behind) | 12.68 / 27.55 |
| N = 500, 2 msg/s: host CPU µs per delivery | 100.4 | 19.4 |
| N = 500, 2 msg/s: generator CPU (inflating every frame before) | 99 % | 36 % |
| N = 500 burst: deliveries/s | 12,111 | 50,110 |
| N = 500 burst: host CPU µs per delivery | 68.5 | 19.7 |
| set-up/s growing to 200 / to 500 clients | 57 / 18 | 132 / 66 |
| echo p50 ms, `typing` / `list_rooms` | 0.955 / 1.125 | 0.745 / 0.985 |
| durable acked sends/s, 1 / 10 senders | 521 / 1,049 | 556 / 1,019 |

Durable sends did not move: with 10 senders the host sits at ~96 % CPU per event (py-spy: Flask's
per-event request context ~9 % — URL matching and a session opened per event —, the handler
greenlet, WebSocket parsing, the writer thread's transaction), not on delivery.
"""


def run() -> str:
    out = measure()
    _vs.RESULTS["fanout"] = out
    return report(out) + "\n\n" + WHAT_CHANGED
