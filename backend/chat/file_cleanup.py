"""The clean-up of files: what an earlier run left half done, files nobody sent, bytes nothing names.

At start (``sweep``, before serving) and every ``files_sweep_interval`` while the host runs
(``sweep_unattached``): a file nobody sent with a message within ``unattached_ttl`` goes, row and
bytes; an upload started STALE_AFTER ago and still unfinished goes; stored bytes that no file row
names any more (those files', and those of deleted messages) are removed, with the handshake in
storage/blobs.py so an upload finishing into the same content at that moment keeps them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ..errors import ChatError
from ..storage.blobs import BlobStore
from ..storage.interface import Store
from .context import Context, Offload

log = logging.getLogger(__name__)

# An upload started this long ago and still unfinished is dropped (its bytes too).
STALE_AFTER = timedelta(days=7)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class FileCleanup:
    def __init__(
        self,
        ctx: Context,
        blobs: BlobStore,
        offload: Offload,
        unattached_ttl: timedelta,
        clock: Clock | None = None,
    ) -> None:
        self._ctx = ctx
        self._blobs = blobs
        self._offload = offload
        self._unattached_ttl = unattached_ttl
        self._clock = clock or _utc_now  # injectable: tests move time instead of waiting

    # -- clean-up ------------------------------------------------------------------------------

    def sweep(self) -> None:
        """At start, before serving: drop what an earlier run left half done or never sent.

        What ``sweep_unattached`` drops, and also partial files without an upload row (a crash
        between the two: only now, when no upload can be just starting); then the bytes of every
        stored file are counted afresh for the host's quota.
        """
        files, stale = self._drop_expired()
        swept = self._offload(self._blobs.sweep, self._ctx.db.read(lambda s: s.uploads.ids()))
        removed, freed = self._remove_unnamed()
        stored = self._offload(self._blobs.recount_stored)
        if files or swept or removed:
            log.info(
                "at start: removed %d unsent files, %d abandoned uploads, %d unused stored files "
                "(%d bytes); %d bytes of files kept",
                files,
                swept,
                removed,
                freed,
                stored,
            )

    def sweep_unattached(self) -> None:
        """While serving (every ``files_sweep_interval``): files nobody sent within the TTL go,
        uploads started STALE_AFTER ago and unfinished go, and the bytes no file row names any
        more are removed (those files', and those of deleted messages)."""
        files, stale = self._drop_expired()
        for upload_id in stale:
            self._offload(self._blobs.discard, upload_id)
        removed, freed = self._remove_unnamed()
        if files or stale or removed:
            log.info(
                "removed %d unsent files, %d stale uploads, %d unused stored files (%d bytes)",
                files,
                len(stale),
                removed,
                freed,
            )

    def sweep_every(self, interval: float, sleep: Callable[[float], object]) -> None:
        """Run ``sweep_unattached`` every ``interval`` seconds, for as long as the host runs.

        :param sleep: waits without blocking others (the host passes ``socketio.sleep``).
        """
        while True:  # ends with the host (its event loop is torn down, its database closed)
            sleep(interval)
            try:
                self.sweep_unattached()
            except ChatError as exc:  # a full disk: said once a round, tried again next round
                log.warning("file clean-up postponed: %s", exc.message)
            except RuntimeError as exc:  # the database is closed: this host is gone
                log.info("file clean-up stopped: %s", exc)
                return
            except Exception:
                log.exception("file clean-up failed")

    def _drop_expired(self) -> tuple[int, list[str]]:
        """Delete the rows of unsent files past the TTL and of stale uploads: (how many files,
        the uploads' ids)."""
        now = self._clock()
        files_before = _iso(now - self._unattached_ttl)
        uploads_before = _iso(now - STALE_AFTER)

        def drop(store: Store) -> tuple[int, list[str]]:
            files = store.files.delete_unattached_before(files_before)
            return files, store.uploads.delete_created_before(uploads_before)

        return self._ctx.db.write(drop)

    def _remove_unnamed(self) -> tuple[int, int]:
        """Remove the stored files no file row names, a shard at a time: (files, bytes)."""
        removed = freed = 0
        for shard in self._offload(self._blobs.shards):
            files, size = self.remove_if_unnamed(self._offload(self._blobs.stored_in, shard))
            removed += files
            freed += size
        return removed, freed

    def remove_if_unnamed(self, hashes: list[str]) -> tuple[int, int]:
        """Remove those of these stored files no file row names (the handshake in blobs.py)."""
        if not hashes:
            return 0, 0
        blobs = self._blobs
        mark = self._offload(blobs.condemn, hashes)
        try:
            named = self._ctx.db.read(lambda s: s.files.named(hashes))
        except BaseException:
            self._offload(blobs.remove_condemned, mark, hashes, set(hashes))  # unmark, keep all
            raise
        return self._offload(blobs.remove_condemned, mark, hashes, named)


def _iso(moment: datetime) -> str:
    """A time as the rows store it (``models.utc_now``): sortable text."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
