"""What TLS costs (issue 16): round trips and fan-out over https/wss next to plain http/ws, same run.

One port speaks both (backend/connections.py): over loopback a host serves a plain request as
plain and a TLS handshake as TLS, so the plain and the TLS rows run the same kind of host (TLS on,
as shipped) and differ only in the client's scheme. The TLS clients trust exactly the host's own
self-signed certificate (`ca`, as a pinned app does); the certificate is the host's ECDSA P-256 one.

- Round trips: one client, one acked event at a time (bench/echo.py's rows for Parley), plain and
  TLS in turn against the same host, ``ROUNDS`` times; each row is its median round.
- Fan-out: a crowd grown 50 → 200 → 500 in `general`, 10 senders at 2 msg/s each (chat load, as
  bench/fanout.py's rows), every client timing each ``message_created`` from its sender's emit. A
  fresh host per crowd; plain and TLS crowds alternate, ``FAN_ROUNDS`` times each.

Targets (the issue): TLS ≤ 1.2× plain on the round trip (`typing`, the lightest: the transport's
share is largest there) and ≤ 1.1× plain on fan-out p50 at N = 500.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import _vs
from bench.echo import COUNT, DURATION_S, TYPING_UNLIMITED, WARMUP, round_trips
from tests.hostproc import HostProcess

ECHO_EVENTS = [
    ("typing", "`typing` (no storage)"),
    ("list_rooms", "`list_rooms` (reader thread)"),
    ("send_message", "`send_message` (durable, own room)"),
]
ROUNDS = 3
FAN_N = 500
FAN_RATE = 2
FAN_ROUNDS = 2
FAN_PARAMS: dict[str, Any] = dict(
    mode="scenario",
    steps=[50, 200, FAN_N],
    senders=10,
    rates=[FAN_RATE],
    fanout_s=5.0,
    burst_at=[],
    burst_s=4.0,
    burst_inflight=4,
    drain_s=15.0,
    connect_concurrency=20,
    deadline_s=150.0,
)
ECHO_TARGET = 1.2
FAN_TARGET = 1.1


@contextmanager
def host() -> Iterator[tuple[str, str, int, str]]:
    """A Parley host (TLS on, as shipped): yields (plain url, https url, pid, its certificate)."""
    server, _ = _vs.pinned()
    with tempfile.TemporaryDirectory() as tmp:
        proc = HostProcess(
            Path(tmp), "--open", env={**_vs.NO_LIMITS, **TYPING_UNLIMITED}, prefix=server
        )
        try:
            plain = proc.url.rstrip("/")
            assert plain.startswith("http://127.0.0.1:"), plain
            secure = "https://" + plain.removeprefix("http://")
            yield plain, secure, proc.proc.pid, str(Path(tmp) / "tls-cert.pem")
        finally:
            proc.stop()


def _echo_round(n: int) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    with host() as (plain, secure, pid, cert):
        for event, _ in ECHO_EVENTS:
            # Which goes first alternates by round: neither always meets a warmer host.
            order = [("plain", plain, None), ("tls", secure, cert)]
            for kind, url, ca in order if n % 2 == 0 else order[::-1]:
                out[f"{kind}:{event}"] = round_trips(
                    url,
                    pid,
                    event,
                    tag=f"{kind[0]}{event[0]}{n}",
                    own_room=event == "send_message",
                    **({"ca": ca} if ca else {}),
                )
    return out


def _fan(run: dict[str, Any], n: int) -> dict[str, Any]:
    for step in run.get("steps", []):
        if step["n"] == n:
            for f in step["fanout"]:
                if f["rate"] == FAN_RATE:
                    return {**f, "connect": step.get("connect", {})}
    return {}


def _crowd(kind: str, n: int) -> dict[str, Any]:
    with host() as (plain, secure, pid, cert):
        params = {**FAN_PARAMS, "server_pid": pid, "kind": "parley", "tag": f"{kind[0]}{n}x"}
        if kind == "tls":
            params.update(url=secure, ca=cert)
        else:
            params["url"] = plain
        return _vs.loadgen(params)


def _median(runs: list[dict[str, Any]], key: str = "p50_ms") -> dict[str, Any]:
    ranked = sorted(runs, key=lambda r: r.get(key) or 0.0)
    return {**ranked[len(ranked) // 2], "rounds": [r.get(key) for r in runs]}


def measure() -> dict[str, Any]:
    _vs.check_node_modules()
    load = [os.getloadavg()[0]]
    rounds = [_echo_round(n) for n in range(ROUNDS)]
    load.append(os.getloadavg()[0])
    echo = {key: _median([r[key] for r in rounds]) for key in rounds[0]}
    crowds: dict[str, list[dict[str, Any]]] = {"plain": [], "tls": []}
    for n in range(FAN_ROUNDS):
        for kind in ("plain", "tls") if n % 2 == 0 else ("tls", "plain"):
            crowds[kind].append(_crowd(kind, n))
    fan: dict[str, dict[int, dict[str, Any]]] = {}
    for kind, runs in crowds.items():
        fan[kind] = {n: _median([_fan(r, n) for r in runs]) for n in FAN_PARAMS["steps"]}
    load.append(os.getloadavg()[0])
    return {"echo": echo, "fan": fan, "load": load}


def _ratio(tls: float | None, plain: float | None) -> float | None:
    return tls / plain if tls and plain else None


def report(out: dict[str, Any]) -> str:
    echo, fan = out["echo"], out["fan"]
    lines = [
        "## TLS next to plain (issue 16)",
        "",
        "The same kind of host (`python -m backend --open`, TLS on as shipped, the limits raised as "
        "in the fan-out section) reached over loopback as `http://`/`ws://` (served plain: it is "
        "this machine) and as `https://`/`wss://` (TLS 1.3, the host's ECDSA P-256 certificate; "
        "the generator trusts exactly that certificate). "
        f"{_vs.pinning_note()}. " + _vs.versions_note(),
        "",
        f"Round trips: one client, one acked event at a time, {COUNT:,} after {WARMUP} warm-up "
        f"ones (at most {DURATION_S:.0f} s per row), timed to 1 µs; {ROUNDS} rounds, each on a "
        "fresh host with the plain and TLS rows of an event back to back (which goes first "
        "alternates); a row shows its median round.",
        "",
        "| round trip | p50 ms plain | p50 ms TLS | TLS / plain | p99 ms plain | p99 ms TLS | "
        "p50 ms plain, by round | p50 ms TLS, by round | server CPU plain / TLS |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for event, label in ECHO_EVENTS:
        p, t = echo[f"plain:{event}"], echo[f"tls:{event}"]
        lines.append(
            f"| Parley {label} | {_vs.num(p['p50_ms'], '.3f')} | {_vs.num(t['p50_ms'], '.3f')} | "
            f"{_vs.ratio(t['p50_ms'], p['p50_ms'])} | {_vs.num(p['p99_ms'], '.3f')} | "
            f"{_vs.num(t['p99_ms'], '.3f')} | "
            f"{', '.join(_vs.num(v, '.3f') for v in p['rounds'])} | "
            f"{', '.join(_vs.num(v, '.3f') for v in t['rounds'])} | "
            f"{_vs.num(p.get('server_cpu_pct'), '.0f')} % / {_vs.num(t.get('server_cpu_pct'), '.0f')} % |"
        )
    lines += [
        "",
        f"Fan-out: one crowd per host grown 50 → 200 → {FAN_N}, {FAN_PARAMS['senders']} senders at "
        f"{FAN_RATE} msg/s each for {FAN_PARAMS['fanout_s']:.0f} s per step, 64-byte texts; "
        f"{FAN_ROUNDS} crowds of each kind, plain and TLS alternating; a row shows the median crowd. "
        "First = send → the first recipient has it (the host's own path); spread = first → "
        "last recipient of one message (the broadcast, bounded by how fast the one generator "
        "process reads N sockets: over TLS it also decrypts every recipient's copy, which real "
        "clients do each on their own machine). "
        "Set-up/s: new clients per second until `welcome` (20 in flight), the TLS handshake "
        "included for TLS.",
        "",
        "| N | p50 ms plain | p50 ms TLS | TLS / plain | p99 ms plain | p99 ms TLS | "
        "CPU µs/delivery plain | TLS | TLS / plain | first ms plain / TLS | spread ms plain / TLS | "
        "generator CPU plain / TLS | set-up/s plain / TLS | p50 ms by crowd, plain / TLS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in FAN_PARAMS["steps"]:
        p, t = fan["plain"][n], fan["tls"][n]
        lines.append(
            f"| {n:,} | {_vs.num(p.get('p50_ms'))} | {_vs.num(t.get('p50_ms'))} | "
            f"{_vs.ratio(t.get('p50_ms'), p.get('p50_ms'))} | {_vs.num(p.get('p99_ms'))} | "
            f"{_vs.num(t.get('p99_ms'))} | {_vs.num(p.get('server_us_per_delivery'), '.1f')} | "
            f"{_vs.num(t.get('server_us_per_delivery'), '.1f')} | "
            f"{_vs.ratio(t.get('server_us_per_delivery'), p.get('server_us_per_delivery'))} | "
            f"{_vs.num(p.get('first_p50_ms'))} / {_vs.num(t.get('first_p50_ms'))} | "
            f"{_vs.num(p.get('spread_p50_ms'))} / {_vs.num(t.get('spread_p50_ms'))} | "
            f"{_vs.gen_cpu(p.get('gen_cpu_pct'))} / {_vs.gen_cpu(t.get('gen_cpu_pct'))} | "
            f"{_vs.num(p['connect'].get('per_s'), ',.0f')} / "
            f"{_vs.num(t['connect'].get('per_s'), ',.0f')} | "
            f"{', '.join(_vs.num(v) for v in p['rounds'])} / "
            f"{', '.join(_vs.num(v) for v in t['rounds'])} |"
        )
    typing = _ratio(echo["tls:typing"]["p50_ms"], echo["plain:typing"]["p50_ms"])
    crowd = _ratio(fan["tls"][FAN_N].get("p50_ms"), fan["plain"][FAN_N].get("p50_ms"))
    lines += [
        "",
        "| target (issue 16) | TLS / plain | verdict |",
        "|---|---|---|",
        f"| round trip (`typing`) p50 ≤ {ECHO_TARGET}× | {_vs.num(typing)}× | {_verdict(typing, ECHO_TARGET)} |",
        f"| fan-out p50 at N = {FAN_N} ≤ {FAN_TARGET}× | {_vs.num(crowd)}× | {_verdict(crowd, FAN_TARGET)} |",
        "",
        "Load average (1 min) at the start, after the round trips and at the end: "
        + " / ".join(f"{v:.1f}" for v in out.get("load", []))
        + " (2 cores: above ~2, other work on the machine competed with the host and the "
        "generator, and latencies then say more about the machine than about TLS; CPU per "
        "delivery says what TLS itself costs).",
    ]
    return "\n".join(lines)


# Measured once, 2026-12-06, on this machine while other sessions' tests and builds ran (load
# average 12-18 on 2 cores): kept as text, with every run's table above it.
NOTES = """\
### Where TLS's cost goes (py-spy, 2026-12-06)

py-spy (200 Hz, active samples) on the host while a crowd of 500 connected and 10 senders sent at
2 msg/s, once over wss and once over ws, one after the other on this (busy) machine:

| host, crowd of 500 | plain | TLS |
|---|---|---|
| CPU µs per delivery | 8.3 | 14.8 |
| the per-recipient write's share of host samples | 14.7 % (`socket.send`: the syscall) | 19.7 % (`SSLSocket.send` → `_sslobj.write`: encrypt the record, then the syscall) |
| handshakes' share of host samples | – | 6.0 % (`do_handshake`, ECDHE + an ECDSA P-256 signature each) |
| set-up/s, 20 in flight (host CPU ~10 %: the machine was the limit) | 14 | 9.5 |

A broadcast is one frame built once, but over TLS it must be encrypted once per recipient (each
connection has its own keys): that write is where the extra CPU per delivery goes, in C (OpenSSL,
called from gevent's `SSLSocket.send`), not in Parley's Python. What is left to try, not done in
this session: fewer, larger writes per connection under load (several queued frames in one
record) and AES-128-GCM instead of the default AES-256-GCM suite; neither changes the per-record
cost for one chat message to one client. Round trips carry one record each way: their TLS cost is
a few µs of a ~200 µs round trip when the machine is quiet (a python client on this machine,
500 round trips: `typing` 0.110-0.125 ms plain, 0.128-0.138 ms TLS).
"""


def _verdict(value: float | None, target: float) -> str:
    if value is None:
        return "–"
    return "**met**" if value <= target else "**not met**"


def run() -> str:
    out = measure()
    _vs.RESULTS["tls"] = out
    return report(out) + "\n\n" + NOTES
