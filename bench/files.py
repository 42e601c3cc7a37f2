"""Upload and download throughput of a 500 MiB file through a real host, next to plain curl.

Parley: a host process (`python -m backend`, SQLite and files on disk, a real device token from a
real Socket.IO join). Upload: `POST /api/uploads`, then `PUT`s of the production chunk size
(8 MiB), each fsync'd and hashed on the host before it is answered, SHA-256 checked at the end;
the client is `requests` in this process, reading the file from disk. Download: `curl` of
`GET /api/files/<id>` with the bearer token, to /dev/null.

Baseline (bench/plain_file_server.py, same machine): `curl -T` (one PUT of the whole file) to a
stdlib server that writes it to disk and fsyncs once; `curl` of the same file from Python's
`http.server` (a static file server). Every transfer is on 127.0.0.1; each is run RUNS times,
interleaved, and the median is reported. Bounded: every subprocess has a timeout.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.hostproc import HostProcess
from tests.peers import Peer

SIZE = 500 * 1024 * 1024
RUNS = 5
TIMEOUT = 300  # seconds for any one transfer; 500 MiB at under 2 MB/s is a failure anyway
MiB = 1024 * 1024
TARGET = 2.0  # issue 6: within 2x of curl to a static server


def _make_source(path: Path) -> tuple[str, float]:
    """SIZE random bytes on disk; their SHA-256 and how long the client took to hash them."""
    with path.open("wb") as out:
        for start in range(0, SIZE, 8 * MiB):
            out.write(os.urandom(min(8 * MiB, SIZE - start)))
    t0 = time.perf_counter()
    hasher = hashlib.sha256()
    with path.open("rb") as src:
        while block := src.read(8 * MiB):
            hasher.update(block)
    return hasher.hexdigest(), time.perf_counter() - t0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(pid: int | None, fn: Callable[[], object]) -> tuple[float, float]:
    """Seconds ``fn`` took, and the CPU the server process ``pid`` used meanwhile (in cores)."""
    cpu0 = _cpu_seconds(pid) if pid else 0.0
    t0 = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - t0
    cpu = (_cpu_seconds(pid) - cpu0) / elapsed if pid else 0.0
    return elapsed, cpu


def _curl(*args: str) -> None:
    subprocess.run(
        ["curl", "-sS", "--fail", "-o", "/dev/null", *args],
        check=True,
        timeout=TIMEOUT,
    )


def _parley_upload(url: str, token: str, room_id: int, source: Path, sha256: str) -> int:
    """The whole upload; like a good client, it reads the next chunk while a PUT is in flight."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    body = {"room_id": room_id, "name": source.name, "size": SIZE, "sha256": sha256}
    created = http.post(f"{url}api/uploads", json=body, timeout=TIMEOUT).json()
    upload_id, chunk, offset = created["upload_id"], created["chunk_size"], created["offset"]
    answer: dict[str, object] = {}
    with source.open("rb") as src, ThreadPoolExecutor(max_workers=1) as reader:
        src.seek(offset)
        ahead = reader.submit(src.read, chunk)
        for _ in range(SIZE // chunk + 2):  # bounded: one pass per chunk
            if offset >= SIZE:
                break
            data = ahead.result()
            ahead = reader.submit(src.read, chunk)
            sent = http.put(
                f"{url}api/uploads/{upload_id}",
                data=data,
                headers={"Upload-Offset": str(offset)},
                timeout=TIMEOUT,
            )
            assert sent.status_code == 200, sent.text
            answer = sent.json()
            assert answer["offset"] == offset + len(data), answer  # else the read-ahead is wrong
            offset += len(data)
    file = answer["file"]
    assert isinstance(file, dict) and file["sha256"] == sha256, answer
    return int(file["id"])


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="parley-bench-files-") as tmp:
        root = Path(tmp)
        (root / "static").mkdir()
        source = root / "static" / "source.bin"
        sha256, client_hash = _make_source(source)
        load_before = _load()
        host = HostProcess(root / "data", "--open", env={"PARLEY_MAX_UPLOAD_BYTES": str(SIZE)})
        plain = subprocess.Popen(
            [sys.executable, "-m", "bench.plain_file_server", str(root / "static")],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        try:
            assert plain.stdout is not None
            plain_url = f"http://127.0.0.1:{plain.stdout.readline().strip()}/"
            peer = Peer(host.url, {"name": "bench"})
            token, room_id = peer.token, peer.room_id()
            pid = host.proc.pid
            times: dict[str, list[tuple[float, float]]] = {
                k: [] for k in ("up", "down", "curl_up", "curl_down")
            }
            ids: list[int] = []

            def upload() -> None:
                ids.append(_parley_upload(host.url, token, room_id, source, sha256))

            def download() -> None:
                auth = f"Authorization: Bearer {token}"
                _curl("-H", auth, f"{host.url}api/files/{ids[-1]}")

            def curl_upload() -> None:
                _curl("-H", "Expect:", "-T", str(source), plain_url + "upload")

            def curl_download() -> None:
                _curl(plain_url + "source.bin")

            for _ in range(RUNS):  # interleaved, so that load from elsewhere hits both alike
                times["curl_up"].append(_timed(plain.pid, curl_upload))
                times["up"].append(_timed(pid, upload))
            for _ in range(RUNS):
                times["curl_down"].append(_timed(plain.pid, curl_download))
                times["down"].append(_timed(pid, download))
            peer.close()
        finally:
            plain.terminate()
            plain.wait(10)
            host.stop()
        load_after = _load()

    def rate(key: str) -> float:
        return SIZE / MiB / statistics.median(t for t, _ in times[key])

    def cpu(key: str) -> float:
        return statistics.median(c for _, c in times[key]) * 100

    up, down = rate("up"), rate("down")
    curl_up, curl_down = rate("curl_up"), rate("curl_down")
    lines = [
        "## Files: upload and download of a 500 MiB file (bench/files.py)",
        "",
        "Loopback, one transfer at a time, median of "
        f"{RUNS}. Parley: a host process with a real device token; upload = `POST /api/uploads` "
        "+ 8 MiB `PUT`s (each fsync'd and hashed before its answer, SHA-256 verified at the end) "
        "from `requests`; download = `curl` of `GET /api/files/<id>`. Baseline: `curl -T` to a "
        "stdlib server that writes the body to disk and fsyncs once "
        "(bench/plain_file_server.py), and `curl` from Python's `http.server`. Server CPU is "
        "the serving process's, in cores (2 available).",
        "",
        "| | Parley MiB/s | server CPU | curl baseline MiB/s | server CPU | Parley time / curl time "
        "| target |",
        "|---|---|---|---|---|---|---|",
        f"| upload | {up:,.0f} | {cpu('up'):.0f} % | {curl_up:,.0f} | {cpu('curl_up'):.0f} % "
        f"| {curl_up / up:.2f}× | ≤ {TARGET:.0f}× {'✅' if curl_up / up <= TARGET else '❌'} |",
        f"| download | {down:,.0f} | {cpu('down'):.0f} % | {curl_down:,.0f} | "
        f"{cpu('curl_down'):.0f} % | {curl_down / down:.2f}× | ≤ {TARGET:.0f}× "
        f"{'✅' if curl_down / down <= TARGET else '❌'} |",
        "",
        f"Client-side SHA-256 of the file before uploading (not in the upload time): "
        f"{client_hash:.2f} s. Load average (1/5/15 min) before: {load_before}, after: "
        f"{load_after} — other work shares the 2 cores.",
        "",
        "Where an upload's time goes, and what was tried (same machine, in-process profile of "
        "the host, 8 MiB chunks): writing a chunk into the page cache ~10 ms, its fdatasync "
        "~8-15 ms, SHA-256 ~6 ms, receiving it ~3 ms, HTTP and the thread hops ~5 ms. The "
        "baseline pays the same page-cache writes but a single fsync at the end, with nothing "
        "answered in between; Parley answers each chunk only once it is on disk, so the client "
        "waits on every fdatasync. Kept: the body is written in 1 MiB pieces while the next "
        "piece is received, SHA-256 runs on its own thread beside the writes, fdatasync instead "
        "of fsync, and 8 MiB chunks (4, 16 and 32 MiB were no faster: 16 and 32 slower per byte "
        "in the profile, the same within noise in this benchmark). Tried and dropped: "
        "sync_file_range to start writeback per piece (slower as often as faster on this "
        "virtual disk). The benchmark's client reads the next chunk from disk while a PUT is "
        "in flight, as a browser client can. Being bound by fdatasync latency, the upload "
        "ratio moves with the machine's other work: over about 20 runs of the final design "
        "during tuning, with a load average of 5-10 from other jobs, it ranged from 1.6× to "
        "2.6× (median about 2.0×); the piece size (1-8 MiB) made no difference beyond that "
        "noise.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
