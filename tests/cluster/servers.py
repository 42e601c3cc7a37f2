"""Throwaway PostgreSQL and Redis servers for tests: temp dirs, free loopback ports, stopped by PID.

Never a shared system service: each server is started here, from its Debian binaries, on its own
data directory and port, and stopped by the PID it wrote. Missing binaries are installed from
Debian's packages when the tests run as root (``make test`` lists them too: DEB_CLUSTER); as
another user the test says which package to install.

PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` user (``runuser``); its
temp dir sits directly under the system temp dir (traversable) and belongs to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_debian_packages(packages: list[str], present: bool) -> None:
    """Install ``packages`` with apt-get unless ``present`` (root only)."""
    if present:
        return
    if os.geteuid() != 0:
        raise RuntimeError(f"these tests need: sudo apt-get install -y {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages], check=True, env=env, capture_output=True
    )


def _stop_pid(pid: int, sig: signal.Signals) -> None:
    """Signal ``pid`` and wait until it is gone (it is not our child: poll)."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


# -- PostgreSQL ------------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin dir (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """One PostgreSQL cluster in a temp dir; ``url(name)`` reaches a database of it."""

    def __init__(self) -> None:
        ensure_debian_packages(["postgresql"], postgres_bin() is not None)
        bin_dir = postgres_bin()
        assert bin_dir is not None
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="parley-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.pid: int | None = None
        self._as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        try:
            self._start()
        except BaseException:
            pid_file = self.data / "postmaster.pid"
            if pid_file.exists():  # started, then something after it failed
                self.pid = int(pid_file.read_text().split()[0])
            self.stop()
            raise

    def _start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip
        # Throwaway: no fsync (a crash loses the cluster, which the tests never need back).
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
            "-t", str(int(START_TIMEOUT)), "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            "start",
        )  # fmt: skip
        self.pid = int((self.data / "postmaster.pid").read_text().split()[0])

    def _run(self, tool: str, *args: str) -> str:
        done = subprocess.run(
            [*self._as, str(self.bin / tool), *args], capture_output=True, text=True, cwd=self.root
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def sql(self, statement: str, dbname: str = "postgres") -> str:
        """Run one statement with psql (as a superuser); its unaligned output."""
        return self._run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", dbname,
            "-v", "ON_ERROR_STOP=1", "-At", "-c", statement,
        )  # fmt: skip

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new, empty (or ``template``'s copy) database; its URL."""
        tail = f" TEMPLATE {template}" if template else ""
        self.sql(f"CREATE DATABASE {name}{tail}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        if self.pid is not None:
            _stop_pid(self.pid, signal.SIGQUIT)  # immediate shutdown: nothing here is kept
            self.pid = None
        shutil.rmtree(self.root, ignore_errors=True)


# -- Redis -----------------------------------------------------------------------------------------


class RedisServer:
    """One redis-server in a temp dir, no persistence; ``url`` reaches it."""

    def __init__(self) -> None:
        ensure_debian_packages(["redis-server"], shutil.which("redis-server") is not None)
        self.root = Path(tempfile.mkdtemp(prefix="parley-redis-"))
        self.port = free_port()
        self.pid: int | None = None
        self._start()

    def restart(self) -> None:
        """Stop it by PID and start it again on the same port (an outage; nothing is kept)."""
        self.down()
        self.up()

    def down(self) -> None:
        """Stop it by PID, keeping its port and folder for ``up`` (the start of an outage)."""
        if self.pid is not None:
            _stop_pid(self.pid, signal.SIGTERM)
            self.pid = None
        (self.root / "redis.pid").unlink(missing_ok=True)

    def up(self) -> None:
        """Start it again on the same port, empty (the end of an outage)."""
        self._start()

    def _start(self) -> None:
        pidfile = self.root / "redis.pid"
        subprocess.run(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.root),
                "--daemonize", "yes", "--pidfile", str(pidfile),
                "--logfile", str(self.root / "redis.log"),
            ],
            check=True,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if pidfile.exists() and pidfile.read_text().strip():
                self.pid = int(pidfile.read_text())
                if self.cli("PING").strip() == "PONG":
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start: {self.root / 'redis.log'}")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def cli(self, *command: str) -> str:
        done = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), *command],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return done.stdout

    def stop(self) -> None:
        if self.pid is not None:
            _stop_pid(self.pid, signal.SIGTERM)
            self.pid = None
        shutil.rmtree(self.root, ignore_errors=True)


# -- HAProxy ---------------------------------------------------------------------------------------

HAPROXY_CONFIG = """\
global
    # Two descriptors per connection, within the tests' open-file limit.
    maxconn 4000

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A websocket is a tunnel once upgraded: it lives as long as its client.
    timeout tunnel 1h
    option redispatch
    retries 2

frontend parley
    bind 127.0.0.1:{port}
    default_backend hosts

backend hosts
    balance roundrobin
    # Long-polling clients come back to the process that knows them; websockets need no cookie.
    cookie PARLEY_HOST insert indirect nocache
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
{servers}
"""


class HaproxyServer:
    """One HAProxy in a temp dir, in front of ``backends`` (host:port each); ``url`` reaches it."""

    def __init__(
        self, backends: list[str], port: int | None = None, check: str = "inter 500ms fall 1 rise 1"
    ) -> None:
        ensure_debian_packages(["haproxy"], shutil.which("haproxy") is not None)
        self.root = Path(tempfile.mkdtemp(prefix="parley-haproxy-"))
        self.port = port or free_port()
        self.pid: int | None = None
        servers = "\n".join(
            # By default checked twice a second; one failed check takes a process out (SIGKILL
            # tests). A loaded process may answer slower (bench/cluster.py asks for more slack).
            f"    server h{i} {address} cookie h{i} check {check}"
            for i, address in enumerate(backends)
        )
        config = self.root / "haproxy.cfg"
        config.write_text(HAPROXY_CONFIG.format(port=self.port, servers=servers))
        pidfile = self.root / "haproxy.pid"
        done = subprocess.run(
            ["haproxy", "-f", str(config), "-D", "-p", str(pidfile)],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
        if done.returncode != 0:
            text = config.read_text()
            shutil.rmtree(self.root, ignore_errors=True)
            raise RuntimeError(f"haproxy failed: {done.stdout}{done.stderr}\n{text}")
        self.pid = int(pidfile.read_text().split()[0])
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("haproxy did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        if self.pid is not None:
            _stop_pid(self.pid, signal.SIGTERM)
            self.pid = None
        shutil.rmtree(self.root, ignore_errors=True)
