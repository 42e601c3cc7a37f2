"""E2E fixtures: Debian's chromium driven by Playwright for Python, against a real host.

`playwright install` cannot download browsers here, so the browser is the system chromium
(see shared/STACK.md, "Browser tests"). The host serves the built UI (ui/dist; `make ui`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backend import ServerHandle, Settings, start_server, tls

REPO = Path(__file__).resolve().parents[2]
UI_DIST = REPO / "ui" / "dist"
ARTIFACTS = REPO / "test-artifacts"
E2E_CODE = "13572468"
# Debian's chromium: the wrapper script or the binary it runs.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI; chromium refuses to start sandboxed as root
    "--disable-gpu",
    "--disable-background-networking",  # tests only talk to 127.0.0.1
    "--disable-component-update",
]


def chromium_path() -> str:
    for path in CHROMIUM_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    found = shutil.which("chromium")
    if found:
        return found
    pytest.fail("Debian's chromium is missing: `make deb-test` (or apt-get install chromium).")


@pytest.fixture(scope="session")
def e2e_tls_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One TLS key for every host of this layer (its file, and its SPKI hash for chromium).

    Hosts make their certificate from the key they find in their data dir (backend/tls.py), so a
    copy of this one there gives each test's new host the same key: the one browser of the
    session, told to accept exactly that key (what a person accepting the one-time warning
    does), then reaches any of them over https, as a second device opening a link does.
    """
    where = tmp_path_factory.mktemp("e2e-tls")
    identity = tls.load_or_make(where, ["localhost"], ["127.0.0.1"])
    return where / tls.KEY_FILE, identity.spki_sha256_b64


def give_key(data_dir: Path, key: Path) -> None:
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copy(key, data_dir / tls.KEY_FILE)
    os.chmod(data_dir / tls.KEY_FILE, 0o600)


@pytest.fixture(scope="session")
def browser(playwright: Any, e2e_tls_key: tuple[Path, str]) -> Iterator[Any]:
    """One headless chromium for the session; each test opens its own contexts."""
    if not (UI_DIST / "index.html").is_file():
        pytest.fail("ui/dist is not built: run `make ui` first.")
    spki = e2e_tls_key[1]
    b = playwright.chromium.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={spki}"],
    )
    yield b
    b.close()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def host_settings(settings: Settings, e2e_tls_key: tuple[Path, str]) -> Settings:
    """The suite's host settings (tests/conftest.py), serving the built UI with the layer's key."""
    give_key(settings.data_dir, e2e_tls_key[0])
    return settings.replace(name="E2E host", join_code=E2E_CODE, ui_dist=UI_DIST)


@pytest.fixture
def host(host_settings: Settings) -> Iterator[ServerHandle]:
    """A real host in a thread of this process, serving the built UI."""
    handle = start_server(host_settings)
    yield handle
    handle.stop()


@pytest.fixture
def contexts(browser: Any) -> Iterator[Callable[..., Any]]:
    """Factory for isolated browser contexts (one per peer); all closed at the end."""
    made: list[Any] = []

    def _new(**options: Any) -> Any:
        ctx = browser.new_context(
            viewport=options.pop("viewport", {"width": 1280, "height": 800}), **options
        )
        made.append(ctx)
        return ctx

    yield _new
    for ctx in made:
        ctx.close()


def join(page: Any, url: str, name: str, code: str | None = E2E_CODE) -> None:
    """Open the host's page and join as `name` through the join screen."""
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_label("Your name").fill(name)
    if code is not None:
        page.get_by_label("Join code").fill(code)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible(timeout=15_000)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HostProcess:
    """`python -m backend` as a subprocess on a fixed port and data dir, so it can be restarted."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "backend",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                "--join-code",
                E2E_CODE,
                "--no-discovery",
                "--log-level",
                "WARNING",
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"host exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)  # readiness poll, not a timing assertion
        raise RuntimeError("host did not start listening within 20 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture
def host_process(tmp_path: Path, e2e_tls_key: tuple[Path, str]) -> Iterator[HostProcess]:
    """A restartable subprocess host (same data dir and port across restarts)."""
    give_key(tmp_path / "data", e2e_tls_key[0])
    hp = HostProcess(tmp_path / "data", free_port())
    hp.start()
    yield hp
    hp.stop()
