"""Logging for the desktop app: a rotating file under ``data_dir/logs``, plus stderr when there is one.

A windowed app started from a launcher has no console, so the file is where problems are found.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from backend import LogBudget

LOG_FILE_NAME = "parley.log"
# Small: a chat host logs a line per connect, not per message; three files keep a few days of it.
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(data_dir: Path, level: str) -> Path:
    """Send every log record to the rotating file (and stderr if present); return the file's path."""
    log_dir = Path(data_dir) / "logs"
    log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):  # a second call (tests) must not double every line
        if getattr(handler, "_parley", False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(
            path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    ]
    # Windows' windowed (console=False) builds set sys.stderr to None.
    if sys.stderr is not None:
        handlers.append(logging.StreamHandler(sys.stderr))
    budget = LogBudget()  # one budget for both: peers must not grow (or rotate away) the log
    for handler in handlers:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.addFilter(budget)
        handler._parley = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    return path
