"""Issue 7's targets, judged on the figures the other sections measured in this same run.

Run after `fanout`, `echo` and `acked_sends` (SECTIONS order); alone it has nothing to judge.
"""

from __future__ import annotations

import os
from typing import Any

from bench import _vs

CHAT_N, CHAT_RATE = 500, 2
BIG_N = 2000
DURABLE_TARGET = 2000.0  # acked sends/s
P99_TARGET_MS = 100.0


def _fan(run: dict[str, Any], n: int, rate: int) -> dict[str, Any]:
    for step in run.get("steps", []):
        if step["n"] == n:
            for f in step["fanout"]:
                if f["rate"] == rate:
                    return f  # type: ignore[no-any-return]
    return {}


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("**met**" if ok else "**not met**")


def run() -> str:
    res = _vs.RESULTS
    lines = [
        "## Targets (issue 7), same run",
        "",
        "| target | Parley | reference / floor | ratio | verdict |",
        "|---|---|---|---|---|",
    ]
    fan = res.get("fanout")
    if fan:
        p, r = _fan(fan["parley"], CHAT_N, CHAT_RATE), _fan(fan["reference"], CHAT_N, CHAT_RATE)
        for label, key, unit in (
            ("fan-out p50", "p50_ms", "ms"),
            ("CPU per delivery", "server_us_per_delivery", "µs"),
        ):
            pv, rv = p.get(key), r.get(key)
            ok = None if not pv or not rv else pv / rv <= 1.0 and p["delivered"] >= p["expected"]
            lines.append(
                f"| {label} ≤ 1.0× reference at N = {CHAT_N} chat load | {_vs.num(pv)} {unit} | "
                f"{_vs.num(rv)} {unit} | {_vs.ratio(pv, rv)} | {_verdict(ok)} |"
            )
        big = _fan(fan["parley"], BIG_N, CHAT_RATE)
        p99 = big.get("p99_ms")
        ok = None if p99 is None else p99 < P99_TARGET_MS and big["delivered"] >= big["expected"]
        lines.append(
            f"| {BIG_N:,} clients at chat load, p99 < {P99_TARGET_MS:.0f} ms | {_vs.num(p99)} ms "
            f"(delivered {big.get('delivered', 0):,} of {big.get('expected', 0):,}) | "
            f"{_vs.num(_fan(fan['reference'], BIG_N, CHAT_RATE).get('p99_ms'))} ms | | {_verdict(ok)} |"
        )
    acked = res.get("acked_sends")
    if acked:
        best = max(acked["parley"].values(), key=lambda r: r["per_s"])
        lines.append(
            f"| ≥ {DURABLE_TARGET:,.0f} durable acked sends/s | {best['per_s']:,.0f}/s "
            f"({best['senders']} senders) | {max(r['per_s'] for r in acked['reference'].values()):,.0f}/s "
            f"(not durable) | | {_verdict(best['per_s'] >= DURABLE_TARGET)} |"
        )
    echo = res.get("echo")
    if echo:
        floor = echo["floor"]["p50_ms"]
        for key, label in (("typing", "`typing`"), ("list_rooms", "`list_rooms`")):
            pv = echo[key]["p50_ms"]
            lines.append(
                f"| echo p50 ≤ 2× raw WebSocket floor ({label}) | {_vs.num(pv, '.3f')} ms | "
                f"{_vs.num(floor, '.3f')} ms | {_vs.ratio(pv, floor)} | {_verdict(pv <= 2 * floor)} |"
            )
    if fan:
        busy = max(fan["reference"].get("load_after", 0), fan["parley"].get("load_after", 0))
        cores = os.cpu_count() or 1
        if busy > cores:
            lines += [
                "",
                f"**Caution:** the 1-minute load average reached {busy:.1f} on {cores} cores during "
                "the fan-out runs (other work on the machine). Latency ratios from this run are "
                "unreliable; CPU per delivery (CPU time actually used) is the robust comparison.",
            ]
    if len(lines) == 5:
        lines.append("| (run `python -m bench fanout echo acked_sends targets` to judge) | | | | |")
    lines += [
        "",
        "Desktop (one-file binary size, cold start to UI connected, PSS next to a bare pywebview "
        "window): see the desktop section (bench/desktop.py).",
    ]
    return "\n".join(lines)
