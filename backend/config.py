"""Settings: the one typed configuration object.

Built from defaults, then ``PARLEY_*`` environment variables (``Settings.from_env``), then command-line
flags (``backend.cli``). Domain objects receive plain values from it, never a Flask config.
"""

from __future__ import annotations

import dataclasses
import getpass
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import paths
from .errors import Invalid
from .host_settings import MAX_HOST_NAME_CHARS, check_host_name, check_join_code

# 7275 spells PARL on a phone keypad; fixed so that invite links stay valid across restarts.
DEFAULT_PORT = 7275

ENV_PREFIX = "PARLEY_"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def default_host_name() -> str:
    """The machine's hostname (cut to what a host name may be), as peers first see this host."""
    return (socket.gethostname() or "Parley host")[:MAX_HOST_NAME_CHARS]


def default_person_name() -> str:
    """What the host person is called until they choose (their window asks, with this filled in):
    the OS account's full name (the passwd GECOS field's first part), else the login name."""
    try:
        import pwd  # not on Windows

        entry = pwd.getpwuid(os.getuid())
        full = " ".join(entry.pw_gecos.split(",")[0].split())
        return full or entry.pw_name
    except (ImportError, KeyError, AttributeError):
        try:
            return getpass.getuser()
        except Exception:  # no login name anywhere (getpass raises OSError or KeyError)
            return "Host"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the host can be told. Tests build it directly with ``tmp_path``."""

    # "0.0.0.0": Parley exists to be reached from the LAN; tests use 127.0.0.1.
    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=paths.default_data_dir)
    # The host's name as peers see it.
    name: str = field(default_factory=default_host_name)
    # The host person's name until they choose their own (default_person_name; not the host's).
    person_name: str = field(default_factory=default_person_name)
    # None: the code stored in data_dir (generated on first run). Ignored when ``open``.
    join_code: str | None = None
    open: bool = False
    discovery: bool = True
    # Above this an event is refused with too_large (the connection stays up).
    max_payload_bytes: int = 64 * 1024
    max_text_chars: int = 4000
    # Largest file an upload may announce; a bigger one is refused before any byte is sent.
    max_upload_bytes: int = 100 * 1024 * 1024
    # Per user, the files in flight: announced sizes of unfinished uploads plus finished files not
    # yet sent. Ten full-size files at once; one person cannot fill the disk (docs/protocol.md).
    user_upload_quota_bytes: int = 1024**3
    # Host-wide: every stored file (sent or not, each content once) plus unfinished uploads.
    files_quota_bytes: int = 10 * 1024**3
    # An upload is refused while accepting it would leave less than this free on the data dir's
    # file system: the smaller of these two, so the database always has room to grow.
    disk_reserve_bytes: int = 256 * 1024**2
    disk_reserve_fraction: float = 0.05
    # Largest export archive POST /api/import takes, and the most its entries may unpack to
    # (docs/export.md): a whole host's files fit (files_quota_bytes), a zip bomb does not.
    max_import_bytes: int = 10 * 1024**3
    # Seconds a finished upload may wait to be sent with a message before it is removed.
    unattached_ttl: float = 24 * 3600.0
    # Seconds between the host's clean-ups of unsent files, stale uploads and unused bytes.
    files_sweep_interval: float = 3600.0
    # Seconds between scheduled backups (when the admin turned them on: chat/backups.py), and
    # how often the host looks whether one is due. Tests shorten both.
    backup_interval: float = 24 * 3600.0
    backup_check_interval: float = 60.0
    # Seconds between the host's sweeps of messages past their room's retention.
    retention_sweep_interval: float = 3600.0
    # Seconds a sign-in link works (chat/devices.py): one made to add a device, and an admin's
    # recovery link for someone who lost every device. Tests shorten them.
    device_link_seconds: float = 600.0
    recovery_link_seconds: float = 24 * 3600.0
    # Per user: a burst of send_burst messages, refilled at send_rate per second.
    send_rate: float = 5.0
    send_burst: int = 20
    # Per user: typing signals (chat/context.py), a burst of typing_burst refilled at typing_rate
    # per second. The echo benchmark raises them, as it does the send limit.
    typing_rate: float = 1.0
    typing_burst: int = 5
    # Seconds over which joins, arrivals and departures are gathered into one users_changed
    # event per client (chat/crowd.py): a crowd arriving costs each client one frame per window.
    presence_batch_seconds: float = 0.2
    # "full": a commit is fsync'd before the ack, so acked messages survive power loss (batched
    # commits keep that cheap). "normal": survives a process kill, may lose the last commits on
    # power loss. See docs/storage.md.
    synchronous: str = "full"
    ui_dist: Path = field(default_factory=paths.ui_dist)
    # TLS on the LAN port (tls.py): a key and certificate made in data_dir on first run, or an
    # organisation's own (tls_cert + tls_key, PEM). Off: plain HTTP for everyone, and every UI shows
    # "not encrypted". Plain HTTP from this machine (the window, the parley command) is served
    # either way (connections.py).
    tls: bool = True
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # Seconds between the running host's looks at its certificate: re-made (same key) when it nears
    # its end or this machine's addresses changed, and served to new connections from then on.
    tls_recheck_interval: float = 12 * 3600.0
    # Extra names the Host header may carry (e.g. a DNS name pointing at this machine).
    allowed_hosts: tuple[str, ...] = ()
    # Open connections one address (an IPv6 /64) may hold; the next is closed (connections.py).
    max_connections_per_address: int = 128
    log_level: str = "INFO"
    # The websocket fast path (backend/wire/); off: stock python-engineio (PARLEY_FASTPATH=0). It
    # also falls back by itself on library versions it was not written for (wire/install.py).
    fastpath: bool = True
    # What may wait for one client reading slower than the host writes (the fast path's Outbox):
    # past it the connection is closed and the client resyncs when it reconnects, so one slow or
    # stalled reader cannot grow the host's memory without end. Far above any one answer (a page
    # of history at the largest texts is a few MB).
    max_backlog_bytes: int = 16 * 2**20
    # Storage (issue 17): None keeps history in SQLite inside data_dir (the embedded default: no
    # server to run); a postgresql:// URL keeps it in that PostgreSQL database, which several host
    # processes may share (docs/deploy.md).
    database_url: str | None = None
    # Where uploaded files are kept (uploads/ and files/ under it); None: inside data_dir. Hosts
    # sharing one database share one files directory (a shared mount).
    files_dir: Path | None = None
    # Fan-out between host processes (issue 17, wire/cluster.py): a redis:// URL; None (the
    # default) is one process alone. Needs a shared database (database_url).
    message_queue: str | None = None
    # Origins clients reach the host through when a proxy sits in front (HAProxy: scheme, name and
    # port, e.g. https://chat.example.org); its own origins are always accepted.
    public_origins: tuple[str, ...] = ()
    testing: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be 0-65535, not {self.port}")
        try:  # the same rules as the admin's (host_settings.py), said as a ValueError here
            if self.join_code is not None:
                object.__setattr__(self, "join_code", check_join_code(self.join_code))
            object.__setattr__(self, "name", check_host_name(self.name))
        except Invalid as exc:
            raise ValueError(exc.message) from None
        if self.synchronous not in ("full", "normal"):
            raise ValueError("synchronous must be 'full' or 'normal'")
        if self.max_payload_bytes < 1024 or self.max_text_chars < 1:
            raise ValueError("limits are too small to chat")
        if self.max_upload_bytes < 1:
            raise ValueError("max_upload_bytes must be positive")
        if self.max_import_bytes < 1:
            raise ValueError("max_import_bytes must be positive")
        if self.user_upload_quota_bytes < 1 or self.files_quota_bytes < 1:
            raise ValueError("user_upload_quota_bytes and files_quota_bytes must be positive")
        if self.disk_reserve_bytes < 0 or not 0 <= self.disk_reserve_fraction < 1:
            raise ValueError("disk_reserve_bytes must be >= 0 and disk_reserve_fraction in [0, 1)")
        # Written so NaN and infinity fail too (a timedelta of either would raise later).
        if not (0 < self.unattached_ttl < 1e9 and 0 < self.files_sweep_interval < 1e9):
            raise ValueError("unattached_ttl and files_sweep_interval must be positive seconds")
        if not (0 < self.backup_interval < 1e9 and 0 < self.backup_check_interval < 1e9):
            raise ValueError("backup_interval and backup_check_interval must be positive seconds")
        if not (0 < self.device_link_seconds < 1e9 and 0 < self.recovery_link_seconds < 1e9):
            raise ValueError("device_link_seconds and recovery_link_seconds must be positive")
        if not 0 < self.tls_recheck_interval < 1e9:
            raise ValueError("tls_recheck_interval must be positive seconds")
        if not 0 < self.retention_sweep_interval < 1e9:
            raise ValueError("retention_sweep_interval must be positive seconds")
        if self.max_connections_per_address < 1:
            raise ValueError("max_connections_per_address must be positive")
        if self.send_rate <= 0 or self.send_burst < 1:
            raise ValueError("send_rate and send_burst must be positive")
        if self.typing_rate <= 0 or self.typing_burst < 1:
            raise ValueError("typing_rate and typing_burst must be positive")
        if not 0 <= self.presence_batch_seconds <= 10:
            raise ValueError("presence_batch_seconds must be 0-10")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        if self.tls_cert is not None and not self.tls:
            raise ValueError("a TLS certificate was given with TLS turned off")
        if self.database_url is not None and not self.database_url.startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("the database must be a postgresql:// URL (or none: SQLite)")
        if self.message_queue is not None:
            if not self.message_queue.startswith(("redis://", "rediss://", "unix://")):
                raise ValueError("the message queue must be a redis:// URL (or none)")
            if self.database_url is None:
                raise ValueError("a message queue is for processes sharing a PostgreSQL database")
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        if self.files_dir is not None:
            object.__setattr__(self, "files_dir", Path(self.files_dir))
        object.__setattr__(self, "ui_dist", Path(self.ui_dist))

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, prefix: str = ENV_PREFIX, **overrides: Any
    ) -> Settings:
        """Defaults, then ``PARLEY_<FIELD>`` variables, then ``overrides``."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(prefix + f.name.upper())
            if raw is not None:
                values[f.name] = _parse(f.name, str(f.type), raw)
        values.update(overrides)
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _parse(name: str, type_name: str, raw: str) -> Any:
    """Turn one environment string into the field's type, or say which variable is wrong."""
    try:
        if type_name == "bool":
            low = raw.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(raw)
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
        if type_name == "Path":
            return Path(raw).expanduser()
        if type_name == "Path | None":
            return Path(raw).expanduser() if raw else None
        if type_name.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if type_name == "str | None":
            return raw or None
        return raw
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {type_name}") from None
