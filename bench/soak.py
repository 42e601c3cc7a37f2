"""A soak: 200 clients on one host process for 10 minutes, with churn; is its memory flat?

Not a test: `python -m bench soak` (PARLEY_SOAK_S shortens it for a quick check). One host process
as users run it (`python -m backend --open`, SQLite synchronous=FULL, default send limits) and, in
this process, 200 real python-socketio clients (websocket transport, a thread pair each). Every
client joins with a name once, then comes back with its device token. While they are connected:

- churn: every 30 s, 10 % of the clients (drawn at random) disconnect and reconnect, and catch up
  as a client does after a reconnect (``fetch_messages`` after the last id it saw);
- 20 clients send messages at chat rates (one every 4-6 s each, acked), 20 others say they are
  typing every 3 s, and every client sees every message (all are in ``general``);
- every 10 s the host's RSS, open files and threads are read from /proc, with its CPU share, the
  sends and deliveries of the last 10 s, the send acks' p50/p99 and the load average.

The host starts on a data dir with a history (HISTORY messages in ``general``, written by the
real store, search index included), and before the load starts clients read and write across it
(pages of history, searches, reactions to old messages): the host's bounded caches (SQLite's page
cache, 2 MiB for each of its three connections) then fill during warm-up, instead of growing
through the run with the pages of the messages it adds, which looks like a slow leak. (A first run
without the history grew +140 KB a minute after warm-up; the host's Python objects stayed flat
under tracemalloc, and sqlite3_memory_used() grew by as much as RSS did, towards its cap.) The
verdict comes from the samples: over the last two thirds of the run (the first third is warm-up),
the least-squares slope of RSS in KB a minute, and its max - min. Every loop is bounded in count
and in time; the run stops by itself.
"""

from __future__ import annotations

import itertools
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import socketio

from backend.chat.names import name_key
from backend.storage.sqlite.store import SqliteBackend
from tests.hostproc import HostProcess

CLIENTS = 200
DURATION_S = float(os.environ.get("PARLEY_SOAK_S", "600"))
SAMPLE_EVERY_S = 10.0
CHURN_EVERY_S = 30.0
CHURN_SHARE = 0.10
SENDERS = 20
SEND_EVERY_S = (4.0, 6.0)  # chat rate: a message every 4-6 s per sender
TYPERS = 20
TYPE_EVERY_S = 3.0  # as the UI says it: at most every 3 s while typing
# A run ends by itself: the load stops after DURATION_S; clean-up has this much more at most.
GRACE_S = 120.0
# Memory is flat after warm-up when, over the last two thirds of the samples, RSS grows by less
# than this a minute (~0.4 MB over a 10-minute run's measured part: under what a leak of a few KB
# per reconnect or of a few hundred bytes per message would show, at 40 reconnects and ~240
# messages a minute) and varies by less than FLAT_RANGE_KB.
FLAT_SLOPE_KB_MIN = 64.0
FLAT_RANGE_KB = 4096
SEED = 13
TIMEOUT = 10.0
# The history the host starts with: more than its page caches hold.
HISTORY = 40_000
VOCABULARY = 5_000
# Warm-up reads across it before the load starts: pages of history and searches.
WARM_PAGES = 40
WARM_SEARCHES = 60
WARM_REACTIONS = 40  # per sender: 800 old messages touched


@dataclass
class Sample:
    t: float
    clients: int
    rss_kb: int
    fds: int
    threads: int
    cpu_pct: float
    sends: int
    deliveries: int
    ack_p50_ms: float | None
    ack_p99_ms: float | None
    load: float


@dataclass
class Counters:
    lock: threading.Lock = field(default_factory=threading.Lock)
    sends: int = 0
    deliveries: int = 0
    acks_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reconnects: int = 0
    refused_sends: int = 0
    cut: int = 0  # calls whose client churn disconnected before the answer came

    def take(self) -> tuple[int, int, list[float]]:
        with self.lock:
            out = (self.sends, self.deliveries, self.acks_ms)
            self.sends, self.deliveries, self.acks_ms = 0, 0, []
            return out

    def error(self, what: str) -> None:
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(what)


class Client:
    """One person: a python-socketio client that joins once, then reconnects with its token."""

    def __init__(self, url: str, name: str, counters: Counters) -> None:
        self.url, self.name, self.counters = url, name, counters
        self.token: str | None = None
        self.general = 0
        self.last_id = 0
        self.sio: socketio.Client | None = None

    def connect(self) -> None:
        sio = socketio.Client(reconnection=False)
        welcomed = threading.Event()

        def welcome(data: dict[str, Any]) -> None:
            self.token = data["token"]
            self.general = next(r["id"] for r in data["rooms"] if r["name"] == "general")
            welcomed.set()

        def created(message: dict[str, Any]) -> None:
            self.last_id = max(self.last_id, message["id"])
            with self.counters.lock:
                self.counters.deliveries += 1

        sio.on("welcome", welcome)
        sio.on("message_created", created)
        auth = {"token": self.token} if self.token else {"name": self.name}
        sio.connect(self.url, transports=["websocket"], auth=auth, wait_timeout=TIMEOUT)
        if not welcomed.wait(TIMEOUT):
            raise RuntimeError(f"{self.name}: no welcome")
        self.sio = sio
        if self.last_id:  # back after a disconnect: catch up, as a client does
            ack = sio.call(
                "fetch_messages",
                {"room_id": self.general, "after_id": self.last_id, "limit": 200},
                timeout=TIMEOUT,
            )
            if ack.get("ok") and ack["messages"]:
                self.last_id = max(self.last_id, ack["messages"][-1]["id"])

    def disconnect(self) -> None:
        sio, self.sio = self.sio, None
        if sio is not None and sio.connected:
            sio.disconnect()

    def call(self, event: str, data: dict[str, Any]) -> dict[str, Any] | None:
        sio = self.sio
        if sio is None or not sio.connected:
            return None  # churned out just now
        try:
            ack: dict[str, Any] = sio.call(event, data, timeout=TIMEOUT)
            return ack
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError) as exc:
            if self.sio is not sio:  # churn disconnected this client while its call was out
                with self.counters.lock:
                    self.counters.cut += 1
            else:
                self.counters.error(f"{event}: {exc!r}")
            return None


def _word(i: int) -> str:
    syllables = "ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu".split()
    out = "w"
    while True:
        out += syllables[i % 20]
        i //= 20
        if i == 0:
            return out


def _seed_history(data_dir: Path, rng: random.Random) -> None:
    """``general`` with HISTORY messages of 4-20 words (Zipf-like) by one earlier user."""
    words = [_word(i) for i in range(VOCABULARY)]
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(VOCABULARY)))
    store = SqliteBackend(data_dir / "parley.sqlite3", synchronous="normal").open_writer()
    try:
        store.begin()
        general = store.rooms.insert("general", "general", kind="channel", created_by=None)
        author = store.users.insert("Earlier", name_key("Earlier"))
        store.members.insert(general.id, author.id)
        for n in range(HISTORY):
            text = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(4, 20)))
            store.messages.insert(general.id, author, f"h-{n}", text)
        store.commit()
    finally:
        store.close()


def _warm(client: Client, writers: list[Client], rng: random.Random) -> None:
    """Read across the history (pages back from the newest, searches for common words), and
    write across it: ``writers`` react to messages all over it, which the writer connection's
    cache holds afterwards as it would after a long life (a new message only touches the newest
    pages)."""

    def react(writer: Client) -> None:
        for message_id in rng.sample(range(1, HISTORY + 1), WARM_REACTIONS):
            for _ in range(3):  # the send limit (shared by reactions) may say wait
                ack = writer.call("react", {"message_id": message_id, "emoji": "👍", "on": True})
                if ack is None or ack.get("ok") or ack["error"]["code"] != "rate_limited":
                    break
                time.sleep(float(ack["error"]["data"]["retry_after"]))

    with ThreadPoolExecutor(len(writers)) as pool:
        list(pool.map(react, writers))
    before: int | None = None
    for _ in range(WARM_PAGES):
        ask: dict[str, Any] = {"room_id": client.general, "limit": 200}
        if before is not None:
            ask["before_id"] = before
        ack = client.call("fetch_messages", ask)
        if not ack or not ack.get("ok") or not ack["messages"]:
            break
        before = ack["messages"][0]["id"]
    for i in range(WARM_SEARCHES):
        client.call("search", {"query": _word(i * 7), "limit": 50})


def _proc(pid: int) -> tuple[int, int, int, float]:
    """(RSS KB, open files, threads, CPU seconds) of process ``pid``."""
    rss = threads = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("Threads:"):
            threads = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return rss, fds, threads, cpu


def _every(stop: threading.Event, period: Callable[[], float], fn: Callable[[], None]) -> None:
    """Call ``fn`` about every ``period()`` seconds until ``stop`` (bounded by the run's end)."""
    while not stop.wait(period()):
        fn()


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _slope_per_min(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, KB) points, in KB a minute."""
    if len(points) < 2:
        return 0.0
    mean_t = statistics.fmean(t for t, _ in points)
    mean_v = statistics.fmean(v for _, v in points)
    num = sum((t - mean_t) * (v - mean_v) for t, v in points)
    den = sum((t - mean_t) ** 2 for t, _ in points)
    return 60.0 * num / den if den else 0.0


def measure() -> dict[str, Any]:
    rng = random.Random(SEED)
    counters = Counters()
    env = {"PARLEY_MAX_CONNECTIONS_PER_ADDRESS": str(CLIENTS * 4)}
    own_cpus = os.sched_getaffinity(0)
    server_prefix: list[str] = []
    if len(own_cpus) >= 2:  # the host on one core, these clients on the others (as bench/_vs.py)
        first = min(own_cpus)
        server_prefix = ["taskset", "-c", str(first)]
        os.sched_setaffinity(0, own_cpus - {first})
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data_dir = Path(tmp) / "data"
            data_dir.mkdir(mode=0o700)
            _seed_history(data_dir, rng)
            deadline = time.monotonic() + DURATION_S + GRACE_S
            host = HostProcess(data_dir, "--open", env=env, prefix=server_prefix)
            try:
                return _soak(host, rng, counters, deadline)
            finally:
                host.stop()
    finally:
        os.sched_setaffinity(0, own_cpus)


def _soak(
    host: HostProcess, rng: random.Random, counters: Counters, deadline: float
) -> dict[str, Any]:
    url, pid = host.url.rstrip("/"), host.proc.pid
    clients = [Client(url, f"soak-{n:03d}", counters) for n in range(CLIENTS)]
    started_connect = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda c: c.connect(), clients))
    connect_s = time.monotonic() - started_connect
    _warm(clients[-1], clients[:SENDERS], rng)
    senders = clients[:SENDERS]
    typers = clients[SENDERS : SENDERS + TYPERS]
    stop = threading.Event()

    def send(client: Client) -> None:
        t0 = time.perf_counter()
        ack = client.call(
            "send_message",
            {"room_id": client.general, "text": "soak " + "x" * 40, "client_id": str(uuid.uuid4())},
        )
        if ack is None:
            return
        with counters.lock:
            if ack.get("ok"):
                counters.sends += 1
                counters.acks_ms.append((time.perf_counter() - t0) * 1000)
            else:
                counters.refused_sends += 1

    def churn() -> None:
        chosen = rng.sample(clients, int(CLIENTS * CHURN_SHARE))
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda c: c.disconnect(), chosen))
        time.sleep(1.0)
        for client in chosen:
            try:
                client.connect()
                with counters.lock:
                    counters.reconnects += 1
            except Exception as exc:  # noqa: BLE001 (reported, and the run goes on)
                counters.error(f"reconnect {client.name}: {exc!r}")

    threads = [
        threading.Thread(
            target=_every,
            args=(stop, lambda: rng.uniform(*SEND_EVERY_S), lambda c=c: send(c)),
            daemon=True,
        )
        for c in senders
    ]
    threads += [
        threading.Thread(
            target=_every,
            args=(stop, lambda: TYPE_EVERY_S, lambda c=c: c.call("typing", {"room_id": c.general})),
            daemon=True,
        )
        for c in typers
    ]
    threads.append(
        threading.Thread(target=_every, args=(stop, lambda: CHURN_EVERY_S, churn), daemon=True)
    )
    samples: list[Sample] = []
    t0 = time.monotonic()
    counters.take()
    _rss, _fds, _threads, cpu_before = _proc(pid)
    for thread in threads:
        thread.start()
    try:
        n = 0
        while True:
            n += 1
            wake = t0 + n * SAMPLE_EVERY_S
            if wake > t0 + DURATION_S or wake > deadline:
                break
            time.sleep(max(0.0, wake - time.monotonic()))
            rss, fds, nthreads, cpu = _proc(pid)
            sends, deliveries, acks = counters.take()
            samples.append(
                Sample(
                    t=time.monotonic() - t0,
                    clients=sum(1 for c in clients if c.sio is not None and c.sio.connected),
                    rss_kb=rss,
                    fds=fds,
                    threads=nthreads,
                    cpu_pct=100.0 * (cpu - cpu_before) / SAMPLE_EVERY_S,
                    sends=sends,
                    deliveries=deliveries,
                    ack_p50_ms=_percentile(acks, 0.50),
                    ack_p99_ms=_percentile(acks, 0.99),
                    load=os.getloadavg()[0],
                )
            )
            cpu_before = cpu
            print(f"   {samples[-1]}", flush=True)
    finally:
        stop.set()
        for thread in threads:
            thread.join(max(0.0, min(TIMEOUT * 3, deadline - time.monotonic())))
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda c: c.disconnect(), clients))
    return {
        "samples": samples,
        "connect_s": connect_s,
        "reconnects": counters.reconnects,
        "refused_sends": counters.refused_sends,
        "cut": counters.cut,
        "errors": counters.errors,
        "log_tracebacks": "".join(host.output).count("Traceback"),
    }


def verdict(samples: list[Sample]) -> tuple[bool, float, int, int]:
    """(flat, slope KB/min, max - min KB, samples used) over the last two thirds of the run."""
    measured = samples[len(samples) // 3 :]
    if len(measured) < 3:
        return False, 0.0, 0, len(measured)
    slope = _slope_per_min([(s.t, float(s.rss_kb)) for s in measured])
    spread = max(s.rss_kb for s in measured) - min(s.rss_kb for s in measured)
    flat = slope < FLAT_SLOPE_KB_MIN and spread < FLAT_RANGE_KB
    return flat, slope, spread, len(measured)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def report(out: dict[str, Any]) -> str:
    samples: list[Sample] = out["samples"]
    flat, slope, spread, used = verdict(samples)
    minutes = DURATION_S / 60
    lines = [
        f"## Soak: {CLIENTS} clients on one host for {minutes:g} minutes, with churn",
        "",
        "`bench/soak.py` (`python -m bench soak`; `PARLEY_SOAK_S` shortens it). One host process "
        f"as users run it, on a data dir with a history of {HISTORY:,} messages in `general` "
        "(`python -m backend --open`, SQLite synchronous=FULL, default send limits; "
        f"`PARLEY_MAX_CONNECTIONS_PER_ADDRESS={CLIENTS * 4}`, because all clients come from "
        "127.0.0.1 and the default lets one address hold 128) and, in the bench process, "
        f"{CLIENTS} python-socketio clients (websocket transport, all in `general`; the host on "
        "one core, the clients on the other). Before the load, clients read and write across "
        f"the history ({WARM_PAGES} pages of 200, {WARM_SEARCHES} searches, "
        f"{SENDERS * WARM_REACTIONS} reactions to old messages), so that the host's bounded "
        "caches (SQLite's page cache: 2 MiB for each of its 3 connections) fill during warm-up "
        "rather than through the run, where they would look like a slow leak. Then every "
        f"{CHURN_EVERY_S:.0f} s, {CHURN_SHARE:.0%} of the clients disconnect, come back with "
        f"their device token and catch up with `fetch_messages`; {SENDERS} send a message "
        f"every {SEND_EVERY_S[0]:g}-{SEND_EVERY_S[1]:g} s (acked; every client receives it), "
        f"{TYPERS} say `typing` every {TYPE_EVERY_S:g} s. Every {SAMPLE_EVERY_S:.0f} s the host's "
        "RSS, open files and threads (/proc), its CPU over the last interval, the sends and "
        "deliveries in it, the send acks' p50/p99 and the 1-minute load average (2 cores: above "
        "~2, other work shared the machine).",
        "",
        f"All {CLIENTS} connected in {out['connect_s']:.1f} s (first joins: a durable write each); "
        f"{out['reconnects']} reconnects during the run; sends refused: {out['refused_sends']}; "
        f"calls left unanswered because churn disconnected their client first: {out['cut']}; "
        f"tracebacks in the host's log: {out['log_tracebacks']}.",
        "",
        "| t s | clients | RSS MB | open files | threads | host CPU | sends | deliveries | "
        "ack p50 ms | ack p99 ms | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in samples:
        lines.append(
            f"| {s.t:.0f} | {s.clients} | {s.rss_kb / 1024:.1f} | {s.fds} | {s.threads} | "
            f"{s.cpu_pct:.0f} % | {s.sends} | {s.deliveries:,} | {_ms(s.ack_p50_ms)} | "
            f"{_ms(s.ack_p99_ms)} | {s.load:.2f} |"
        )
    if samples:
        fds = [s.fds for s in samples]
        threads = [s.threads for s in samples]
        lines += [
            "",
            f"Open files {min(fds)}-{max(fds)}, threads {min(threads)}-{max(threads)} over the run.",
        ]
    lines += [
        "",
        f"**Verdict: memory {'flat' if flat else 'NOT flat'} after warm-up.** Over the last "
        f"{used} samples (the first third is warm-up), RSS grows {slope:+.0f} KB a minute "
        f"(least squares; flat: under {FLAT_SLOPE_KB_MIN:.0f}) and spans {spread / 1024:.1f} MB "
        f"(max - min; flat: under {FLAT_RANGE_KB / 1024:.0f} MB).",
    ]
    if out["errors"]:
        lines += ["", "Other client errors (first 20): " + "; ".join(out["errors"])]
    return "\n".join(lines)


def run() -> str:
    return report(measure())
