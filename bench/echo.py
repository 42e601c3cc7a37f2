"""Single-client round trips: one acked event at a time, next to a raw WebSocket echo floor.

The floor is `bench/reference/echo-ws.js` (npm ws, no Socket.IO) answering a 64-byte text frame. The
reference answers `echo` with the same payload (socket.io ack). Parley has no echo command, so its
round trip is measured on the lightest real commands: `typing` (no storage; the host's typing
limiter, default 5 then 1/s, is raised here as the send limit is (``TYPING_UNLIMITED``), so every
`typing` is accepted and told to the room, not refused with `rate_limited`),
`list_rooms` (one read on a storage reader thread) and `send_message` (a durable write: the ack
comes after the fsync'd commit), each alone on the host. All through the same generator.
"""

from __future__ import annotations

from typing import Any

from bench import _vs

COUNT = 3000  # round trips per row, after the warm-up
WARMUP = 200
DURATION_S = 5.0  # per row, whatever the count
# The typing limiter runs on every `typing` but never refuses (as _vs.NO_LIMITS does for sends):
# with its default a row timed 3,000 `rate_limited` refusals, not an event the host acts on.
TYPING_UNLIMITED = {"PARLEY_TYPING_RATE": "1000000", "PARLEY_TYPING_BURST": "1000000"}
# Floor, reference and Parley take turns this many times: a quiet or busy moment on a shared
# machine then lands on all of them, and each row reports its median round.
ROUNDS = 3


def _timed(mode: str, url: str, pid: int, **extra: Any) -> dict[str, Any]:
    """One client's COUNT round trips after WARMUP (at most DURATION_S), through the generator."""
    return _vs.loadgen(
        {
            "mode": mode,
            "url": url,
            "server_pid": pid,
            "count": COUNT,
            "warmup": WARMUP,
            "duration_s": DURATION_S,
            "deadline_s": 60,
            **extra,
        }
    )


def round_trips(url: str, pid: int, event: str, **extra: Any) -> dict[str, Any]:
    """A row of acked ``event`` round trips (bench/tls.py times its rows with this too)."""
    return _timed("echo", url, pid, event=event, **extra)


def _round() -> dict[str, dict[str, Any]]:
    """Every row once: the floor, then the reference, then Parley, each server fresh."""
    out: dict[str, dict[str, Any]] = {}
    with _vs.node_server("echo-ws.js", scheme="ws") as (url, pid):
        out["floor"] = _timed("rawecho", url, pid)
    with _vs.node_server("server.js") as (url, pid):
        out["ref_echo"] = round_trips(url, pid, "echo", tag="re")
        out["ref_send"] = round_trips(url, pid, "send_message", tag="rs", own_room=True)
    with _vs.parley(TYPING_UNLIMITED) as (url, pid):
        out["typing"] = round_trips(url, pid, "typing", tag="pt")
        out["list_rooms"] = round_trips(url, pid, "list_rooms", tag="pl")
        out["send"] = round_trips(url, pid, "send_message", tag="ps", own_room=True)
    return out


def measure() -> dict[str, Any]:
    """ROUNDS interleaved rounds; each row is its median round, with every round's p50 kept."""
    _vs.check_node_modules()
    rounds = [_round() for _ in range(ROUNDS)]
    out: dict[str, Any] = {}
    for key in rounds[0]:
        runs = sorted((r[key] for r in rounds), key=lambda r: r["p50_ms"])
        out[key] = {**runs[len(runs) // 2], "p50_rounds": [r[key]["p50_ms"] for r in rounds]}
    out["typing_over_floor"] = [r["typing"]["p50_ms"] / r["floor"]["p50_ms"] for r in rounds]
    return out


def report(out: dict[str, Any]) -> str:
    floor = out["floor"]["p50_ms"]
    rows = [
        ("raw WebSocket echo (ws)", "floor", out["floor"], None),
        ("reference `echo` (socket.io ack)", "reference", out["ref_echo"], None),
        (
            "reference `send_message` (broadcast + ack, nothing stored)",
            "reference",
            out["ref_send"],
            None,
        ),
        ("Parley `typing` (no storage)", "Parley", out["typing"], out["ref_echo"]),
        ("Parley `list_rooms` (reader thread)", "Parley", out["list_rooms"], out["ref_echo"]),
        ("Parley `send_message` (durable, own room)", "Parley", out["send"], out["ref_send"]),
    ]
    lines = [
        "## Single-client round trip (echo)",
        "",
        f"One client, one acked event at a time, {COUNT:,} round trips after {WARMUP} warm-up ones "
        f"(at most {DURATION_S:.0f} s per row), timed to 1 µs; {_vs.pinning_note()}. Parley's "
        "typing limiter is raised like its send limiter (`PARLEY_TYPING_RATE=1000000 "
        "PARLEY_TYPING_BURST=1000000`): every `typing` is accepted and told to the room (its "
        f"answers column says so). {ROUNDS} "
        "rounds, each running every row in turn on fresh servers; a row shows its median round "
        "(p99, CPU and answers from that round). Ratios: Parley / the reference row it stands "
        "next to, and / the raw WebSocket floor. " + _vs.versions_note(),
        "",
        "| round trip | p50 ms | p99 ms | / reference p50 | / floor p50 | p50 ms, round by round | "
        "server CPU | generator CPU | answers |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, _kind, r, vs in rows:
        outcomes = r.get("outcomes")
        answers = ", ".join(f"{k} {v:,}" for k, v in outcomes.items()) if outcomes else ""
        lines.append(
            f"| {label} | {_vs.num(r['p50_ms'], '.3f')} | {_vs.num(r['p99_ms'], '.3f')} | "
            f"{_vs.ratio(r['p50_ms'], vs['p50_ms']) if vs else ''} | {_vs.ratio(r['p50_ms'], floor)} | "
            f"{', '.join(_vs.num(v, '.3f') for v in r.get('p50_rounds', []))} | "
            f"{_vs.num(r.get('server_cpu_pct'), '.0f')} % | {_vs.gen_cpu(r.get('gen_cpu_pct'))} | {answers} |"
        )
    by_round = out.get("typing_over_floor")
    if by_round:
        lines += [
            "",
            "`typing` / floor within each round (the two measured a few seconds apart): "
            + ", ".join(f"{v:.2f}×" for v in by_round)
            + ".",
        ]
    return "\n".join(lines)


def run() -> str:
    out = measure()
    _vs.RESULTS["echo"] = out
    return report(out)
