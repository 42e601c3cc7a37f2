"""The chat UI with a big room: load time, JS heap, and scrolling through 5,000 messages.

A host (`start_server`, in this process, send limits raised so seeding is not throttled) gets
5,000 messages through a real Socket.IO client; then Debian's chromium (headless, Playwright)
opens the page as a user who joined before (token in localStorage) and we measure:
- time from navigation to the room rendered with its newest message visible;
- the JS heap (CDP Performance.getMetrics) then, and after all history is paged in;
- paging all history in by scrolling up (fetch_messages before_id, 50 a page);
- scrolling from top to bottom through every message, 600 px a frame: frame times and long tasks.
Every loop is bounded in count and time.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import socketio

from backend import Settings, start_server

MESSAGES = 5_000
CODE = "24682468"
REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SEED_TIMEOUT = 120.0  # seconds for all acks
PAGE_TIMEOUT_MS = 120_000

TEXTS = [
    "Morning! Did anyone get the **build** working on the new laptops?",
    "Yes, run `make test` after pulling; see https://example.com/docs for details.",
    "> quoted line\nand an answer below it",
    "short one",
    "A longer message that wraps over more than one line in a normal window, to give the list "
    "rows of different heights, which is what a virtualized list has to measure as it scrolls.",
]


def _seed(url: str) -> None:
    """Send MESSAGES to general, pipelined (acks counted), from one real client."""
    client = socketio.Client(reconnection=False)
    welcome: dict[str, Any] = {}
    got = threading.Event()
    client.on("welcome", lambda data: (welcome.update(data), got.set()))
    client.connect(
        url, transports=["websocket"], auth={"name": "seeder", "code": CODE}, wait_timeout=10
    )
    if not got.wait(10):
        raise RuntimeError("no welcome")
    room = next(r["id"] for r in welcome["rooms"] if r["name"] == "general")
    done = threading.Event()
    acked = [0]
    lock = threading.Lock()

    def ack(reply: dict[str, Any]) -> None:
        if not reply.get("ok"):
            raise RuntimeError(f"send refused: {reply}")
        with lock:
            acked[0] += 1
            if acked[0] == MESSAGES:
                done.set()

    window = threading.Semaphore(200)  # at most 200 unacked sends in flight

    def ack_and_release(reply: dict[str, Any]) -> None:
        window.release()
        ack(reply)

    for i in range(MESSAGES):
        if not window.acquire(timeout=SEED_TIMEOUT):
            raise RuntimeError("seeding stalled")
        text = f"bench {i + 1:04d} {TEXTS[i % len(TEXTS)]}"
        client.emit(
            "send_message",
            {"room_id": room, "text": text, "client_id": f"b-{i}"},
            callback=ack_and_release,
        )
    if not done.wait(SEED_TIMEOUT):
        raise RuntimeError(f"only {acked[0]} of {MESSAGES} acked")
    client.disconnect()


def _heap_mb(cdp: Any) -> float:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return float(metrics["JSHeapUsedSize"]) / 1024 / 1024


SCROLL_DOWN_JS = """async () => {
  const log = document.querySelector('[role=log]');
  log.scrollTop = 0;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const longTasks = [];
  const obs = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)));
  obs.observe({ type: 'longtask' });
  const frames = [];
  const started = performance.now();
  let last = started;
  await new Promise((resolve) => {
    const step = (now) => {
      frames.push(now - last);
      last = now;
      log.scrollTop += 600;
      const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 2;
      if (atEnd || now - started > 60000) resolve();
      else requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  obs.disconnect();
  return { frames: frames.slice(1), longTasks, ms: performance.now() - started,
           rendered: document.querySelectorAll('[role=listitem]').length };
}"""

PAGE_IN_JS = """async () => {
  const log = document.querySelector('[role=log]');
  const has = () => [...document.querySelectorAll('[role=listitem]')].some((e) => e.textContent.includes('bench 0001 '));
  const started = performance.now();
  const longTasks = [];
  const obs = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)));
  obs.observe({ type: 'longtask' });
  while (!has() && performance.now() - started < 110000) {
    log.scrollTop = 0;
    await new Promise((r) => setTimeout(r, 50));
  }
  obs.disconnect();
  return { ms: performance.now() - started, done: has(), longTasks };
}"""


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run() -> str:
    from playwright.sync_api import expect, sync_playwright

    if not (REPO / "ui" / "dist" / "index.html").is_file():
        raise RuntimeError("ui/dist is not built (make ui)")
    with tempfile.TemporaryDirectory() as tmp:
        handle = start_server(
            Settings(
                host="127.0.0.1",
                port=0,
                data_dir=Path(tmp),
                discovery=False,
                join_code=CODE,
                send_rate=1_000_000.0,
                send_burst=1_000_000,
                ui_dist=REPO / "ui" / "dist",
            )
        )
        try:
            t0 = time.perf_counter()
            _seed(handle.url)
            seed_s = time.perf_counter() - t0
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                ctx = browser.new_context(viewport={"width": 1280, "height": 800})
                page = ctx.new_page()
                page.set_default_timeout(PAGE_TIMEOUT_MS)
                # Join once so the measured load is a returning user's (token in localStorage).
                page.goto(handle.url)
                page.get_by_label("Your name").fill("reader")
                page.get_by_label("Join code").fill(CODE)
                page.get_by_role("button", name="Join").click()
                newest = page.get_by_role("listitem").filter(has_text=f"bench {MESSAGES:04d} ")
                expect(newest).to_be_visible()

                loads = []
                for _ in range(3):
                    started = time.perf_counter()
                    page.reload()
                    expect(newest).to_be_visible()
                    wall = (time.perf_counter() - started) * 1000
                    in_page = page.evaluate("() => performance.now()")
                    loads.append((wall, in_page))
                cdp = ctx.new_cdp_session(page)
                cdp.send("Performance.enable")
                heap_loaded = _heap_mb(cdp)
                page_in = page.evaluate(PAGE_IN_JS)
                held = page.evaluate("() => document.querySelectorAll('[role=listitem]').length")
                heap_all = _heap_mb(cdp)
                scroll = page.evaluate(SCROLL_DOWN_JS)
                cdp.send("HeapProfiler.collectGarbage")
                heap_after_gc = _heap_mb(cdp)
                browser.close()
        finally:
            handle.stop()

    frames = scroll["frames"]
    wall_ms = statistics.median(w for w, _ in loads)
    page_ms = statistics.median(p for _, p in loads)
    long_page_in = page_in["longTasks"]
    long_scroll = scroll["longTasks"]
    return "\n".join(
        [
            "## UI: a room with 5,000 messages (bench/ui_render.py)",
            "",
            f"Host in-process (`start_server`, send limits raised), {MESSAGES:,} messages seeded through one "
            f"Socket.IO client in {seed_s:.1f} s; Debian's chromium headless (Playwright), 1280×800, a "
            "returning user (token stored), so no join screen.",
            "",
            "| what | figure |",
            "|------|--------|",
            f"| page load → room rendered, newest message visible (median of 3 reloads) | {wall_ms:.0f} ms wall "
            f"({page_ms:.0f} ms after navigation start) |",
            f"| JS heap used after load (newest 50 held) | {heap_loaded:.1f} MB |",
            f"| paging in all history by scrolling up (before_id, 50/page) | {page_in['ms'] / 1000:.1f} s, "
            f"{'all' if page_in['done'] else 'NOT all'} {MESSAGES:,} held; {len(long_page_in)} long tasks "
            f"(max {max(long_page_in, default=0):.0f} ms) |",
            f"| DOM rows rendered while holding {MESSAGES:,} (virtualized) | {held} |",
            f"| JS heap used with all {MESSAGES:,} held | {heap_all:.1f} MB ({heap_after_gc:.1f} MB after GC) |",
            f"| scroll top → bottom at 600 px/frame | {len(frames)} frames in {scroll['ms'] / 1000:.1f} s; "
            f"frame p50 {_pct(frames, 50):.1f} ms, p95 {_pct(frames, 95):.1f} ms, max {max(frames, default=0):.0f} ms |",
            f"| long tasks (>50 ms) while scrolling | {len(long_scroll)} (max {max(long_scroll, default=0):.0f} ms) |",
            "",
            "Headless chromium with `--disable-gpu` paints in software, so frame times are an upper bound "
            "for a desktop window.",
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
