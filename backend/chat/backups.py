"""Backups from the host settings panel, and the daily ones: one at a time, off the event loop.

The host user starts one (``start``: answered at once), sees ``backup_progress`` while it runs and
``backup_finished`` or ``backup_failed`` at the end, on all of their connections. Where backups go,
how many that folder keeps and whether one is made every ``interval`` (a day) are host settings
(``host_setting`` rows, so a restored host keeps them). The work itself is ``backend/backup.py``,
run on a worker thread through ``offload``; this module decides when, and says how it went.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .. import commands as c
from .. import protocol as p
from ..backup_folder import BackupError, BackupResult, check_folder, default_folder, prune
from ..errors import ChatError, Conflict, Forbidden, Invalid
from ..storage.interface import Store
from .context import Context, Offload

log = logging.getLogger(__name__)

FOLDER_KEY = "backup_folder"
KEEP_KEY = "backup_keep"
DAILY_KEY = "backup_daily"
LAST_KEY = "backup_last"  # the last backup's outcome (JSON), for the panel
LAST_SCHEDULED_KEY = "backup_last_scheduled"  # when the last daily backup started
DEFAULT_KEEP = 7
# How often, at most, progress is sent while a backup runs (seconds).
PROGRESS_EVERY = 0.2

# Makes one backup (blocking; a worker thread): (folder, progress(phase, done, total), now).
MakeBackup = Callable[[Path, Callable[[str, int, int], None], datetime], BackupResult]
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class BackupSettings:
    folder: Path
    keep: int
    daily: bool
    last: dict[str, Any] | None
    last_scheduled: datetime | None

    def to_wire(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "keep": self.keep,
            "daily": self.daily,
            "last": self.last,
        }


class Backups:
    def __init__(
        self,
        ctx: Context,
        *,
        data_dir: Path,
        make: MakeBackup,
        offload: Offload,
        spawn: Callable[..., object],
        sleep: Callable[[float], object],
        interval: timedelta,
        clock: Clock | None = None,
    ) -> None:
        self._ctx = ctx
        self._data_dir = data_dir
        self._make = make
        self._offload = offload
        self._spawn = spawn  # runs fn(*args) in a new greenlet (socketio.start_background_task)
        self._sleep = sleep  # waits without blocking others (socketio.sleep)
        self._interval = interval
        self._clock = clock or (lambda: datetime.now(UTC))  # injectable: tests move time
        self._running = False
        # (phase, done, total), written by the worker thread, read by the reporting greenlet.
        self._progress: tuple[str, int, int] | None = None

    # -- the admin's commands ------------------------------------------------------------------

    def settings(self, sid: str) -> dict[str, Any]:
        self._check_admin(sid)
        return {**self._read().to_wire(), "running": self._running}

    def set_settings(self, sid: str, cmd: c.SetBackupSettings) -> dict[str, Any]:
        """Check the folder on disk (made if missing, writable, outside the data dir), then store
        all three; nothing is stored when any is refused."""
        self._check_admin(sid)
        try:
            folder = self._offload(check_folder, Path(cmd.folder), self._data_dir)
        except BackupError as exc:
            raise Invalid(str(exc), field="folder") from None

        def store(s: Store) -> None:
            s.settings.set(FOLDER_KEY, str(folder))
            s.settings.set(KEEP_KEY, str(cmd.keep))
            s.settings.set(DAILY_KEY, "1" if cmd.daily else "0")

        self._ctx.db.write(store)
        return {**self._read().to_wire(), "running": self._running}

    def start(self, sid: str) -> dict[str, Any]:
        """Start a backup now; answered at once, its progress and outcome come as events.

        :raise Conflict: one is running already (started here or by the schedule).
        """
        self._check_admin(sid)
        folder = self._read().folder
        self._claim()
        self._spawn(self._run_claimed, False)
        return {"started": True, "folder": str(folder)}

    # -- the schedule --------------------------------------------------------------------------

    def run_daily(self, check_every: float) -> None:
        """Every ``check_every`` seconds, make the scheduled backup if one is due (``tick``), for
        as long as the host runs."""
        while True:  # ends with the host (its event loop is torn down, its database closed)
            self._sleep(check_every)
            try:
                self.tick()
            except RuntimeError as exc:  # the database is closed: this host is gone
                log.info("scheduled backups stopped: %s", exc)
                return
            except Exception:
                log.exception("scheduled backup check failed")

    def tick(self) -> bool:
        """Make a backup if daily backups are on and the last began ``interval`` ago or more
        (none yet: now); True if one was made or tried."""
        settings = self._read()
        now = self._clock()
        if not settings.daily or self._running:
            return False
        if settings.last_scheduled is not None and now - settings.last_scheduled < self._interval:
            return False
        self._claim()  # no wait between the check above and this: nothing else can claim
        stamp = now.isoformat()
        try:
            self._ctx.db.write(lambda s: s.settings.set(LAST_SCHEDULED_KEY, stamp))
        except BaseException:
            self._running = False
            raise
        self._run_claimed(True)
        return True

    # -- running one ---------------------------------------------------------------------------

    def _claim(self) -> None:
        if self._running:
            raise Conflict("A backup is already running; wait for it to finish.", busy=True)
        self._running = True
        self._progress = None

    def _run_claimed(self, scheduled: bool) -> None:
        """Make the backup (the caller claimed the one slot), then report and prune."""
        reporting = True

        def report() -> None:
            sent = None
            while reporting:  # ends when the backup does
                now = self._progress
                if now is not None and now != sent:
                    self._publish(p.BACKUP_PROGRESS, self._progress_wire(now, scheduled))
                    sent = now
                self._sleep(PROGRESS_EVERY)

        try:
            settings = self._read()
            self._spawn(report)
            try:
                result = self._offload(
                    self._make, settings.folder, self._set_progress, self._clock()
                )
                removed = self._offload(prune, settings.folder, settings.keep)
            finally:
                reporting = False
            if self._progress is not None:
                self._publish(p.BACKUP_PROGRESS, self._progress_wire(self._progress, scheduled))
            outcome = {"ok": True, **result.to_wire(), "at": result.created_at}
            self._store_last(outcome)
            self._publish(
                p.BACKUP_FINISHED,
                {**result.to_wire(), "scheduled": scheduled, "removed": [str(r) for r in removed]},
            )
            log.info("backup made: %s (%d bytes)", result.path, result.bytes)
        except Exception as exc:  # every failure is told to the admin, none ends the host
            if isinstance(exc, BackupError | ChatError | OSError):
                message = exc.message if isinstance(exc, ChatError) else str(exc)
                log.warning("backup failed: %s", message)
            else:
                message = "Something went wrong on the host; its log says what."
                log.exception("backup failed")
            at = self._clock().astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            try:
                self._store_last({"ok": False, "at": at, "error": message})
            except Exception:  # the database may be what failed; the event still goes out
                log.exception("could not record the failed backup")
            self._publish(
                p.BACKUP_FAILED,
                {"error": {"code": "backup_failed", "message": message}, "scheduled": scheduled},
            )
        finally:
            self._running = False

    def _set_progress(self, phase: str, done: int, total: int) -> None:
        # Called on the worker thread: one assignment, read by the reporting greenlet.
        self._progress = (phase, done, total)

    @staticmethod
    def _progress_wire(progress: tuple[str, int, int], scheduled: bool) -> dict[str, Any]:
        phase, done, total = progress
        return {"phase": phase, "done": done, "total": total, "scheduled": scheduled}

    def _publish(self, event: str, payload: dict[str, Any]) -> None:
        """To the admins' connections (every device of each), nobody else's."""
        self._ctx.out.publish(event, payload, p.ADMINS_CHANNEL)

    def _store_last(self, outcome: dict[str, Any]) -> None:
        text = json.dumps(outcome)
        self._ctx.db.write(lambda s: s.settings.set(LAST_KEY, text))

    def _read(self) -> BackupSettings:
        def read(s: Store) -> dict[str, str | None]:
            keys = (FOLDER_KEY, KEEP_KEY, DAILY_KEY, LAST_KEY, LAST_SCHEDULED_KEY)
            return {key: s.settings.get(key)[1] for key in keys}

        rows = self._ctx.db.read(read)
        last: dict[str, Any] | None = None
        if rows[LAST_KEY]:
            try:
                last = json.loads(rows[LAST_KEY] or "")
            except ValueError:
                last = None
        scheduled = None
        if rows[LAST_SCHEDULED_KEY]:
            try:
                scheduled = datetime.fromisoformat(rows[LAST_SCHEDULED_KEY] or "")
            except ValueError:
                scheduled = None
        keep_text = rows[KEEP_KEY] or ""
        keep = int(keep_text) if keep_text.isdigit() else DEFAULT_KEEP
        return BackupSettings(
            folder=Path(rows[FOLDER_KEY] or default_folder(self._data_dir)),
            keep=max(1, min(keep, p.BACKUP_KEEP_MAX)),
            daily=rows[DAILY_KEY] == "1",
            last=last,
            last_scheduled=scheduled,
        )

    def _check_admin(self, sid: str) -> None:
        if not self._ctx.caller(sid).admin:
            raise Forbidden("Only an admin can do that.")
