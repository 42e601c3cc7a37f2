"""The host's identity as people see it: its name and its join code.

One owner for both: they are kept in one place (``host_setting`` rows in the database), checked by
one validator each (the command line, ``Settings`` and the admin's commands all use these), made
fresh by one generator, and announced through one change event (``watch``) that the LAN
announcement and anything else interested subscribe to. Plain Python: no Flask, no Socket.IO.

Which name and code a start uses (``HostSettings.start``):

- given on the command line (a name other than the machine's hostname, ``--join-code``, ``--open``):
  it wins and is saved as the host's choice for later runs;
- else what the admin (or an earlier command line) chose before;
- else, on a data dir's first run, the machine's hostname and a fresh random code (a ``join_code``
  file left by Parley before the code moved into the database is taken over once, then removed).
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Invalid

if TYPE_CHECKING:
    from .storage.interface import Database, Store

log = logging.getLogger(__name__)

# DNS labels and DNS-SD instance names stop at 63 bytes; a longer name would be cut on the LAN.
MAX_HOST_NAME_CHARS = 63
# Letters and digits only, so a code can be read out loud and typed on a phone; at least 6, so that
# guessing within the join rate limits is hopeless.
JOIN_CODE = re.compile(r"^[A-Za-z0-9]{6,32}$")
# A fresh code: 10^10 possibilities, read out and typed like a phone number; with the per-address
# guess limits (chat/sessions.py) guessing it is hopeless.
JOIN_CODE_DIGITS = 10
# host_setting keys.
NAME_KEY = "host_name"
CODE_KEY = "join_code"
# Where the join code lived before it moved into the database.
LEGACY_CODE_FILE = "join_code"


def check_host_name(value: Any) -> str:
    """A host name as it will be shown: whitespace folded, 1-63 characters, nothing invisible."""
    if not isinstance(value, str):
        raise Invalid("'name' must be a string.", field="name")
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if not 1 <= len(name) <= MAX_HOST_NAME_CHARS:
        raise Invalid(f"Host names are 1-{MAX_HOST_NAME_CHARS} characters.", field="name")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise Invalid("Host names cannot contain control or invisible characters.", field="name")
    return name


def check_join_code(value: Any) -> str:
    """A join code someone chose: 6-32 letters or digits (surrounding spaces dropped)."""
    if not isinstance(value, str) or not JOIN_CODE.match(value.strip()):
        raise Invalid("Join codes are 6-32 letters or digits.", field="code")
    return value.strip()


def new_join_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(JOIN_CODE_DIGITS))


class HostSettings:
    """The host's name and join code (None: open, anyone may join), kept in the database."""

    def __init__(self, db: Database, *, host_id: str, version: str, name: str) -> None:
        self._db = db
        self.host_id = host_id
        self.version = version
        self._name = name
        self._code: str | None = None
        self._watchers: list[Callable[[], None]] = []

    @property
    def name(self) -> str:
        return self._name

    @property
    def join_code(self) -> str | None:
        return self._code

    def server_info(self) -> dict[str, Any]:
        """The host as clients see it (``server`` in docs/protocol.md)."""
        return {"name": self._name, "version": self.version, "host_id": self.host_id}

    def watch(self, fn: Callable[[], None]) -> None:
        """Call ``fn()`` after every change of the name or the join code."""
        self._watchers.append(fn)

    def start(
        self, *, name_given: bool, code: str | None, code_given: bool, data_dir: Path
    ) -> None:
        """Settle this run's name and code (see the module docstring for which wins).

        :param name_given: the name this object was made with came from the command line.
        :param code: the code the command line gave (None with ``--open``), if ``code_given``.
        """
        legacy = data_dir / LEGACY_CODE_FILE
        try:
            legacy_code: str | None = legacy.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            legacy_code = None
        given_name = self._name

        def settle(store: Store) -> tuple[str | None, str | None]:
            if name_given:
                store.settings.set(NAME_KEY, given_name)
            if code_given:
                store.settings.set(CODE_KEY, code)
            has_code, saved_code = store.settings.get(CODE_KEY)
            if not has_code:  # this data dir's first run (of this version)
                saved_code = legacy_code or new_join_code()
                store.settings.set(CODE_KEY, saved_code)
            return store.settings.get(NAME_KEY)[1], saved_code

        saved_name, self._code = self._db.write(settle)
        if saved_name:
            self._name = saved_name
        if legacy_code is not None:  # taken over (or overridden): one store from now on
            legacy.unlink(missing_ok=True)
            log.info("join code moved from %s into the database", legacy)

    def rename(self, name: str) -> str:
        """Check, store and announce a new host name; returns it as stored."""
        checked = check_host_name(name)
        self._db.write(lambda s: s.settings.set(NAME_KEY, checked))
        self._name = checked
        self._changed()
        return checked

    def set_join_code(self, code: str | None) -> str | None:
        """Store and announce a new code: ``code`` itself, a fresh one for "", None to open."""
        wanted = new_join_code() if code == "" else code
        if wanted is not None:
            wanted = check_join_code(wanted)
        self._db.write(lambda s: s.settings.set(CODE_KEY, wanted))
        self._code = wanted
        self._changed()
        return wanted

    def _changed(self) -> None:
        for fn in self._watchers:
            try:
                fn()
            except Exception:  # one watcher's bug must not undo a committed change
                log.exception("host settings watcher failed")
