"""Run storage work on its own threads and wait for it cooperatively from greenlets.

Nothing is monkey-patched, so a database call on the gevent hub would stall every client (measured:
a 2 s SQLite query stalled all others 2 s, ../shared/STACK.md). Instead, for any ``Backend``
(``storage/interface.py``; SQLite today):

- one **writer** thread owns the read-write store. It takes every job queued so far, runs them in
  one transaction (each inside a SAVEPOINT, so one failing job does not undo the others), commits
  once, then answers all of them: under load many sends share one fsync.
- a few **reader** threads, each with its own store, serve reads in parallel (SQLite's WAL lets
  readers run beside the writer and see every committed write).

The calling greenlet parks on a ``Waiter`` that the worker thread wakes through an async watcher
(``loop.async_().send()``), the thread-safe way into a hub from another thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import gevent
from gevent.hub import Waiter

from ..errors import StorageFull
from .interface import Backend, Store

log = logging.getLogger(__name__)

T = TypeVar("T")

# Jobs per transaction: large enough to amortise an fsync across a burst, small enough that one
# transaction never holds the write lock for long.
MAX_BATCH = 256
# Readers: 2 cores here, and reads are short; more threads would only contend for the GIL.
READERS = 2
# Bound on waiting for the worker threads at close: they finish queued jobs first.
CLOSE_TIMEOUT = 10.0

_STOP = object()


class _Job:
    __slots__ = ("fn", "result", "error", "done")

    def __init__(self, fn: Callable[[Store], Any], done: Callable[[], None]) -> None:
        self.fn = fn
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = done


class Database:
    """Storage jobs run off the hub. ``write(fn)``/``read(fn)`` call ``fn(store)`` on a worker."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._writes: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._reads: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        # Why the last write batch failed, until one succeeds again (for /healthz).
        self.write_failure: BaseException | None = None
        ready = threading.Event()
        failure: list[BaseException] = []
        self._threads = [
            threading.Thread(
                target=self._writer, args=(ready, failure), name="db-writer", daemon=True
            )
        ]
        self._threads[0].start()
        ready.wait()
        if failure:
            self._threads[0].join()
            raise failure[0]
        for n in range(READERS):
            thread = threading.Thread(target=self._reader, name=f"db-reader-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    # -- the calling side (greenlets on the server thread) -----------------------------------------

    def write(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn(store)`` inside the writer's next transaction; return once it is committed."""
        return self._submit(self._writes, fn)

    def read(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn(store)`` on a reader connection; sees every write committed before the call."""
        return self._submit(self._reads, fn)

    def _submit(self, jobs: queue.SimpleQueue[Any], fn: Callable[[Store], T]) -> T:
        if self._closed:
            raise RuntimeError("the database is closed")
        # An async watcher is gevent's thread-safe doorbell; while started it also keeps the loop
        # alive, so waiting before any socket is open does not end in LoopExit. It is started
        # before the job is queued because a send to a stopped watcher is lost.
        watcher = gevent.get_hub().loop.async_()
        waiter: Waiter[None] = Waiter()
        watcher.start(waiter.switch, None)
        try:
            job = _Job(fn, watcher.send)
            jobs.put(job)
            waiter.get()
        finally:
            watcher.close()
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[no-any-return]

    def close(self) -> None:
        """Finish queued jobs, then stop the threads and close the connections. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._writes.put(_STOP)
        for _ in range(READERS):
            self._reads.put(_STOP)
        for thread in self._threads:
            thread.join(CLOSE_TIMEOUT)
            if thread.is_alive():
                log.warning("%s did not stop within %.0fs", thread.name, CLOSE_TIMEOUT)

    # -- the worker side ---------------------------------------------------------------------------

    def _writer(self, ready: threading.Event, failure: list[BaseException]) -> None:
        try:
            store = self._backend.open_writer()
        except BaseException as exc:  # surfaced to the constructor, not lost in this thread
            failure.append(exc)
            ready.set()
            return
        ready.set()
        try:
            while True:
                first = self._writes.get()
                if first is _STOP:
                    return
                batch = [first]
                stop = False
                while len(batch) < MAX_BATCH:
                    try:
                        job = self._writes.get_nowait()
                    except queue.Empty:
                        break
                    if job is _STOP:
                        stop = True
                        break
                    batch.append(job)
                self._run_batch(store, batch)
                if stop:
                    return
        finally:
            store.close()

    def _run_batch(self, store: Store, batch: list[_Job]) -> None:
        translate = self._backend.translate
        try:
            store.begin()
            for job in batch:
                store.savepoint()
                try:
                    job.result = job.fn(store)
                except BaseException as exc:
                    job.error = translate(exc)
                    store.rollback_to_savepoint()
                store.release_savepoint()
            store.commit()
            # A job that met a full disk had its savepoint undone; the batch still committed.
            self.write_failure = next(
                (job.error for job in batch if isinstance(job.error, StorageFull)), None
            )
        except BaseException as exc:  # the commit itself failed: nobody's write is durable
            failure = translate(exc)
            if failure is exc:
                log.exception("write batch of %d failed", len(batch))
            else:  # a known condition (a full disk): said once, not a traceback per batch
                if self.write_failure is None:
                    log.error("writes fail: %s", failure)
            self.write_failure = failure
            store.rollback()
            for job in batch:
                job.result, job.error = None, job.error or failure
        for job in batch:
            job.done()

    def _reader(self) -> None:
        store = self._backend.open_reader()
        try:
            while True:
                job = self._reads.get()
                if job is _STOP:
                    return
                try:
                    job.result = job.fn(store)
                except BaseException as exc:
                    job.error = exc
                job.done()
        finally:
            store.close()
