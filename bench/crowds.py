"""Crowds (issue 17): set-up rate and RSS per client at N = 2,000, a restart storm, 10,000 clients.

Side by side with the Node socket.io reference in one run (bench/_vs.py runs and pins both):

- **Set-up**: 2,000 clients arrive, 20 handshakes in flight, each until its `welcome`; the
  server's RSS before the first and after the last gives RSS per connected client.
- **Restart storm**: with those 2,000 connected, the server is killed (SIGKILL) and started again on
  the same port (Parley: and the same data dir). Every client reconnects as the UI does
  (socket.io-client: 500 ms doubling to 3 s, ±50 % jitter), Parley's with its device token, then
  resyncs as the UI does for a room it holds (`fetch_messages` after its newest id and
  `fetch_changes` after its rev) and, as the welcome says the host's list is incomplete, names the
  people it shows and the room whose online count it shows (`watch_users`, as the UI does: its
  latest authors and those its first welcome listed; `general`): it counts as back once all three
  are answered. The reference has no tokens and no
  resync: its clients count as back at their `welcome`.
- **10,000 clients** on one Parley host at chat load: two generator processes, 2 senders at 1 msg/s
  each into `general` (every message to all 10,000: 20,000 deliveries a second), latency of every
  delivery from its stamp. The senders are socket.io-client; the 9,998 listeners are the
  generator's light client (bench/loadgen/lite.js: raw websocket, a message's stamp read from its
  bytes), so that reading 20,000 deliveries a second on the generators' core costs less than the
  host's writing them and the row's latency is the host's. The set-up and storm rows keep
  socket.io-client on both sides: they are compared with the reference, like for like.

Every run is bounded in count and time. The generators' soft open-files limit is raised to the
hard one (``resource.setrlimit`` before they start; children inherit it), and the host raises its
own (backend/connections.py).
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import _vs
from tests.hostproc import HostProcess

N = 2000
CONCURRENCY = 20
STORM_S = 60.0  # at most this long for every client to be back
BIG_N = 10_000
# Two generator processes for the big row (crowds_notes in docs/benchmarks.md): with the light
# client, one process reads a delivery for the least CPU (~8 µs against ~10 µs for two and 11-13
# µs for four sharing the one core: fewer processes woken per message) but its p99 was the
# worst and the least steady (150-540 ms against 130-200 ms for two); the handshakes in flight
# stay 40 in all, as with the four processes of 10 it had before.
BIG_PROCS = 2
BIG_IN_FLIGHT = 40
# The big row's listeners are loadgen's raw-websocket client (bench/loadgen/lite.js), its two
# senders socket.io-client (the module's docstring says why).
LITE = True
BIG_CONNECT_S = 200  # all BIG_N connected within this, or the row says how many were
CHAT = {"senders": 2, "rate": 1, "seconds": 10, "drain_s": 5}


def _raise_files() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _gen(params: dict[str, Any]) -> subprocess.Popen[str]:
    _, gen = _vs.pinned()
    return subprocess.Popen(
        [*gen, "node", str(_vs.LOADGEN / "loadgen.js"), json.dumps(params)],
        cwd=_vs.LOADGEN,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _until(proc: subprocess.Popen[str], word: str, timeout: float) -> None:
    """Read the generator's stdout until a line ``word`` (bounded); RuntimeError with what it
    said instead (its last line: its results, partial)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            if line.strip() == word:
                return
            seen.append(line[:2000])
    proc.kill()
    raise RuntimeError(f"the generator never said {word}: {''.join(seen)}")


def _result(proc: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    out, err = proc.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"loadgen failed ({proc.returncode}):\n{out}\n{err}")
    result: dict[str, Any] = json.loads(lines[-1])
    if result.get("failed"):
        raise RuntimeError(f"loadgen failed: {result.get('errors')}")
    return result


def _params(url: str, pid: int, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "mode": "crowd",
        "url": url,
        "server_pid": pid,
        "n": N,
        "concurrency": CONCURRENCY,
        "tag": kind[0],
        "storm": True,
        "storm_s": STORM_S,
        "deadline_s": 240,
        **extra,
    }


def _parley_storm() -> dict[str, Any]:
    server, _ = _vs.pinned()
    with tempfile.TemporaryDirectory() as tmp:
        host = HostProcess(Path(tmp), "--open", env=_vs.NO_LIMITS, prefix=server)
        port = int(host.url.rstrip("/").rsplit(":", 1)[1])
        gen = _gen(_params(host.url.rstrip("/"), host.proc.pid, "parley", resync=True, watch=True))
        again: HostProcess | None = None
        try:
            _until(gen, "READY", 200)
            killed = time.time() * 1000
            host.kill()
            again = HostProcess(Path(tmp), "--open", port=port, env=_vs.NO_LIMITS, prefix=server)
            listening = time.time() * 1000
            out = _result(gen, STORM_S + 60)
        finally:
            gen.kill()
            (again or host).stop()
    out["killed_ms"], out["listening_ms"] = killed, listening
    return out


def _reference_storm() -> dict[str, Any]:
    server, _ = _vs.pinned()

    def start(port: int) -> tuple[subprocess.Popen[str], int]:
        proc = subprocess.Popen(
            [*server, "node", str(_vs.REFERENCE / "server.js"), str(port)],
            cwd=_vs.REFERENCE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return proc, _vs._await_listening(proc)

    ref, port = start(0)
    gen = _gen(_params(f"http://127.0.0.1:{port}", ref.pid, "reference"))
    again: subprocess.Popen[str] | None = None
    try:
        _until(gen, "READY", 200)
        killed = time.time() * 1000
        ref.kill()
        ref.wait(10)
        again, _ = start(port)
        listening = time.time() * 1000
        out = _result(gen, STORM_S + 60)
    finally:
        gen.kill()
        for proc in (ref, again):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(10)
    out["killed_ms"], out["listening_ms"] = killed, listening
    return out


def _big() -> dict[str, Any]:
    """BIG_N clients on one Parley host over BIG_PROCS generators, then chat load."""
    share = BIG_N // BIG_PROCS
    with _vs.parley() as (url, pid):
        base_rss = _rss_kb(pid)
        started = time.monotonic()
        gens = [
            _gen(
                {
                    "mode": "crowd",
                    "url": url,
                    "server_pid": pid,
                    "n": share,
                    "concurrency": BIG_IN_FLIGHT // BIG_PROCS,
                    "tag": f"b{k}-",
                    "watch": True,
                    "lite": LITE,
                    "chat": {**CHAT, "senders": CHAT["senders"] if k == 0 else 0},
                    "connect_timeout_ms": 300_000,
                    "deadline_s": BIG_CONNECT_S + 120,
                    "connect_deadline_s": BIG_CONNECT_S,
                }
            )
            for k in range(BIG_PROCS)
        ]
        try:
            partial = []
            for gen in gens:
                try:
                    _until(gen, "CONNECTED", BIG_CONNECT_S + 20)
                except RuntimeError as exc:  # out of time: how far it got
                    said = [line for line in str(exc).splitlines() if '"connected"' in line]
                    partial.append(json.loads(said[-1][said[-1].index("{") :]) if said else {})
            if partial:
                got = sum(p.get("connected", 0) for p in partial) + share * (
                    BIG_PROCS - len(partial)
                )
                samples = [e for p in partial for e in p.get("connect_error_samples", [])][:3]
                return {
                    "incomplete": True,
                    "connected": got,
                    "seconds": BIG_CONNECT_S,
                    "connect_errors": sum(p.get("connect_errors", 0) for p in partial),
                    "connect_error_samples": samples,
                }
            connected_s = time.monotonic() - started
            rss = _rss_kb(pid)
            cpu0, t0 = _cpu_s(pid), time.monotonic()
            gen_cpu0 = sum(_cpu_s(gen.pid) for gen in gens)
            for gen in gens:
                assert gen.stdin is not None
                gen.stdin.write("GO\n")
                gen.stdin.flush()
            # Each generator reads its stamps (one JSON line each) after its chat ends: a
            # finished generator's CPU is read before the results are collected.
            for gen in gens:
                _until(gen, "CHATTED", 120)
            took = time.monotonic() - t0
            cpu = (_cpu_s(pid) - cpu0) / took
            gen_cpu = (sum(_cpu_s(gen.pid) for gen in gens) - gen_cpu0) / took
            results = [_result(gen, 120) for gen in gens]
        finally:
            for gen in gens:
                gen.kill()
    latencies = sorted(v for r in results for v in r["chat"]["latencies"])
    connect_errors = sum(r["connect"]["errors"] for r in results)
    samples = [e for r in results for e in r["connect"]["error_samples"]][:3]
    sent = sum(r["chat"]["sent"] for r in results)

    def pct(q: float) -> float | None:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else None

    return {
        "connected_s": connected_s,
        "rss_kb": rss,
        "base_rss_kb": base_rss,
        "sent": sent,
        "expected": sent * BIG_N,
        "delivered": len(latencies),
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
        "max_ms": latencies[-1] if latencies else None,
        "server_cpu_pct": 100 * cpu,
        "generator_cpu_pct": 100 * gen_cpu,
        # CPU per delivery, each side: one message's BIG_N deliveries take BIG_N times this, so
        # the slower side bounds how long the last recipient of a message waits.
        "server_us_per_delivery": 1e6 * cpu * took / max(1, len(latencies)),
        "generator_us_per_delivery": 1e6 * gen_cpu * took / max(1, len(latencies)),
        "ack_errors": sum(r["chat"]["ack_errors"] for r in results),
        "connect_errors": connect_errors,
        "connect_error_samples": samples,
    }


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_s(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure() -> dict[str, Any]:
    _vs.check_node_modules()
    files = _raise_files()
    load_before = os.getloadavg()[0]
    return {
        "files": files,
        "load_before": load_before,
        "reference": _reference_storm(),
        "parley": _parley_storm(),
        "big": _big(),
        "load_after": os.getloadavg()[0],
    }


def _per_client(run: dict[str, Any]) -> float | None:
    if not run.get("rss_kb") or not run.get("rss_base_kb"):
        return None
    return float(run["rss_kb"] - run["rss_base_kb"]) / N


def _storm(run: dict[str, Any]) -> dict[str, Any]:
    s = run.get("storm") or {}
    last = s.get("last_back_ms") or 0
    return {
        **s,
        "from_kill_s": (last - run["killed_ms"]) / 1000 if last else None,
        "from_listening_s": (last - run["listening_ms"]) / 1000 if last else None,
        "restart_s": (run["listening_ms"] - run["killed_ms"]) / 1000,
    }


def report(out: dict[str, Any]) -> str:
    ref, par = out["reference"], out["parley"]
    rc, pc = ref["connect"], par["connect"]
    r_kb, p_kb = _per_client(ref), _per_client(par)
    rs, ps = _storm(ref), _storm(par)
    big = out["big"]
    lines = [
        "## Crowds: set-up at N = 2,000, a restart storm, 10,000 clients (issue 17)",
        "",
        f"Servers as in the fan-out section ({_vs.pinning_note()}; Parley `--open`, SQLite "
        "synchronous=FULL, its send limiter raised, `PARLEY_MAX_CONNECTIONS_PER_ADDRESS` raised: "
        "every generated client comes from 127.0.0.1). Generator processes run with the soft "
        f"open-files limit raised to {out['files']:,}. Load average (1 min) before and after this "
        f"section: {out.get('load_before', float('nan')):.1f} / {out['load_after']:.1f} on 2 cores "
        "(the section's own processes count: a load much above 2 means other work shared the "
        "machine). " + _vs.versions_note(),
        "",
        f"Set-up: {N:,} clients arrive, {CONCURRENCY} handshakes in flight, each until `welcome`. "
        "A Parley arrival is a durable write (user, device, `general` membership); those online "
        "who show the newcomer (every client whose welcome listed everyone, on a host of up to "
        "100 users) hear of arrivals in one `users_changed` per 0.2 s window; past 100 users a "
        "welcome is incomplete and its client names whom it shows (`watch_users`).",
        "",
        "| | reference | Parley | ratio |",
        "|---|---|---|---|",
        f"| set-up/s, 0 → {N:,} clients | {_vs.num(rc['per_s'], ',.0f')} | "
        f"{_vs.num(pc['per_s'], ',.0f')} | {_vs.ratio(pc['per_s'], rc['per_s'])} |",
        f"| server CPU while they arrive | {_vs.num(rc.get('server_cpu_pct'), '.0f')} % | "
        f"{_vs.num(pc.get('server_cpu_pct'), '.0f')} % | |",
        f"| RSS per connected client, KB | {_vs.num(r_kb, '.0f')} | {_vs.num(p_kb, '.0f')} | "
        f"{_vs.ratio(p_kb, r_kb)} |",
        f"| user/presence events per client while {N:,} arrived | "
        f"{_vs.num(ref.get('user_frames_per_client'), '.1f')} | "
        f"{_vs.num(par.get('user_frames_per_client'), '.1f')} | |",
        f"| users in the largest `welcome` | {ref.get('welcome_users_max') or 0} | "
        f"{par.get('welcome_users_max')} | |",
        "",
        f"Restart storm: the server SIGKILLed with {N:,} clients connected, started again on the "
        "same port (Parley: and data dir); times are until the last client was back (Parley: "
        "reconnected with its token and resynced; the reference: reconnected, it has no resync).",
        "",
        "| | reference | Parley |",
        "|---|---|---|",
        f"| server start (kill → listening), s | {_vs.num(rs['restart_s'])} | "
        f"{_vs.num(ps['restart_s'])} |",
        f"| clients back | {rs.get('back', 0):,} / {N:,} | {ps.get('back', 0):,} / {N:,} |",
        f"| last client back, s after listening | {_vs.num(rs['from_listening_s'])} | "
        f"{_vs.num(ps['from_listening_s'])} |",
        f"| last client back, s after the kill | {_vs.num(rs['from_kill_s'])} | "
        f"{_vs.num(ps['from_kill_s'])} |",
        f"| refused or failed connect attempts meanwhile | {rs.get('connect_errors', 0):,} | "
        f"{ps.get('connect_errors', 0):,} |",
        f"| resync errors | – | {ps.get('resync_error_count', 0)} |",
    ]
    lines += _big_rows(big)
    for kind in ("reference", "parley"):
        errors = out[kind].get("errors") or []
        if errors:
            lines.append(f"\n{kind}: " + "; ".join(errors))
    return "\n".join(lines)


def _procs() -> str:
    if BIG_PROCS == 1:
        return f"one generator process of {BIG_N:,} clients"
    return f"{BIG_PROCS} generator processes of {BIG_N // BIG_PROCS:,}"


def _big_rows(big: dict[str, Any]) -> list[str]:
    listeners = (
        f"the {BIG_N - CHAT['senders']:,} listeners on the generator's light client "
        "(bench/loadgen/lite.js: a raw websocket that joins, watches and answers pings as "
        "socket.io-client does, but reads only each chat message's stamp from its bytes, "
        "instead of decoding every message: socket.io-client's reading cost more CPU per "
        "delivery than the host's writing, and is inside the timed latency), the senders on "
        "socket.io-client"
        if LITE
        else "every client on socket.io-client"
    )
    intro = (
        f"{BIG_N:,} clients on one Parley host ({_procs()}, "
        f"{BIG_IN_FLIGHT // BIG_PROCS} handshakes in flight each; {listeners}), "
        "then chat load: "
        f"{CHAT['senders']} senders at {CHAT['rate']} msg/s each for {CHAT['seconds']} s into "
        f"`general` (each message to all {BIG_N:,}), every delivery timed from its stamp. CPU "
        f"is over the chat phase ({CHAT['seconds']} s of sending, then up to {CHAT['drain_s']} s "
        "of drain). A message's last recipient waits at least its "
        f"{BIG_N:,} deliveries times the CPU per delivery of the slower side (host or generators, "
        "on one core each)."
    )
    if big.get("incomplete"):
        return [
            "",
            intro,
            "",
            f"**Not reached**: {big['connected']:,} of {BIG_N:,} clients connected within "
            f"{big['seconds']} s (the bound of this row), so no chat load was measured. Failed "
            f"connect attempts of the generators that did not finish: {big['connect_errors']:,}"
            + (
                f", e.g. {'; '.join(big['connect_error_samples'])}"
                if big["connect_error_samples"]
                else ""
            )
            + ".",
        ]
    return [
        "",
        intro,
        "",
        "| connected in, s | RSS MB | RSS per client KB | messages | deliveries | p50 ms | p99 ms | "
        "max ms | host CPU | generators' CPU (one core) | CPU µs per delivery, host / generators | "
        "ack errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {big['connected_s']:.0f} | {big['rss_kb'] / 1024:.0f} | "
        f"{(big['rss_kb'] - big['base_rss_kb']) / BIG_N:.0f} | {big['sent']} | "
        f"{big['delivered']:,} / {big['expected']:,} | {_vs.num(big['p50_ms'])} | "
        f"{_vs.num(big['p99_ms'])} | {_vs.num(big['max_ms'])} | "
        f"{big['server_cpu_pct']:.0f} % | {big['generator_cpu_pct']:.0f} % | "
        f"{big['server_us_per_delivery']:.1f} / {big['generator_us_per_delivery']:.1f} | "
        f"{big['ack_errors']} |",
        "",
        f"Connect attempts that failed on the way to {BIG_N:,} (each retried by the client's "
        f"backoff): {big['connect_errors']:,}"
        + (
            f", e.g. {'; '.join(big['connect_error_samples'])}"
            if big["connect_error_samples"]
            else ""
        )
        + ".",
    ]


def run() -> str:
    out = measure()
    _vs.RESULTS["crowds"] = out
    return report(out)
