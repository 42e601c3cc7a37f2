"""Fixtures for the desktop app: an Xvfb display, the app as a real child process, the frozen
binary (built once per session unless PARLEY_BINARY names one), and the .deb made from it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop.packaging import build_binary
from tests.desktop import xclose

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
STANDIN_UI = Path(__file__).resolve().parent / "standin_ui"
JOIN_CODE = "13572468"
# A cold WebKit start under Xvfb on 2 cores takes 1-3 s; a loaded CI machine gets generous room.
START_TIMEOUT = 40.0
EXIT_TIMEOUT = 20.0
# A blank Xvfb screen is one colour; a rendered page with text has hundreds (anti-aliasing).
MIN_COLOURS = 20
_TITLE = re.compile(r"^(\(\d+\) )?Parley$")


def _free_display() -> int:
    for n in range(90, 200):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            return n
    raise RuntimeError("no free X display number")


@pytest.fixture(scope="session")
def xvfb() -> Iterator[str]:
    """A private X server (no TCP); yields its DISPLAY, e.g. ':91'."""
    if not shutil.which("Xvfb"):
        pytest.fail("Xvfb is missing: apt-get install xvfb (make test installs it)")
    n = _free_display()
    proc = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not os.path.exists(f"/tmp/.X11-unix/X{n}"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"Xvfb :{n} did not start")
        time.sleep(0.05)
    yield f":{n}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def stale_display() -> str:
    """A DISPLAY naming an X server that does not exist."""
    return f":{_free_display() + 50}"


@pytest.fixture(scope="session")
def ui_dist() -> Path:
    """The real UI when it is built (make ui), else the stand-in page (see standin_ui/index.html)."""
    real = REPO / "ui" / "dist"
    return real if (real / "index.html").is_file() else STANDIN_UI


class App:
    """``python -m desktop`` or the frozen binary, as a child process with its own data dir."""

    def __init__(
        self,
        cmd: list[str],
        data_dir: Path,
        env: dict[str, str],
        *args: str,
        host: str = "127.0.0.1",
        port: int = 0,
        discovery: bool = False,
    ) -> None:
        self.data_dir = data_dir
        self.out_path = data_dir.parent / f"{data_dir.name}.out"
        data_dir.mkdir(parents=True, exist_ok=True)
        self._out = open(self.out_path, "w")  # noqa: SIM115 (closed in stop())
        # discovery=True only inside a network namespace the test made (tests/lan): never on the
        # machine's real interfaces.
        full = [
            *cmd,
            "--data-dir",
            str(data_dir),
            "--host",
            host,
            "--port",
            str(port),
            *([] if discovery else ["--no-discovery"]),
            "--join-code",
            JOIN_CODE,
            *args,
        ]
        self.proc = subprocess.Popen(
            full,
            cwd=REPO,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = self.wait_for(r"host up on (http://127\.0\.0\.1:\d+/)")

    @property
    def output(self) -> str:
        return self.out_path.read_text(errors="replace")

    def says(self, text: str, timeout: float = START_TIMEOUT) -> bool:
        """Whether the app said ``text`` within ``timeout`` (what it logs after "host up" may
        come a little later than the test reads)."""
        self.wait_for(f"({re.escape(text)})", timeout)
        return True

    def wait_for(self, pattern: str, timeout: float = START_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.output)
            if match:
                return match.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"no {pattern!r} (exit {self.proc.poll()}):\n{self.output}")

    def window_id(self, display: str, timeout: float = START_TIMEOUT) -> int:
        """The app's visible top-level window (GTK also maps an unnamed leader window)."""
        deadline = time.monotonic() + timeout
        env = {**os.environ, "DISPLAY": display}
        while time.monotonic() < deadline:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", "Parley"],
                capture_output=True,
                text=True,
                env=env,
                timeout=10,
            ).stdout
            for wid in found.split():
                name = subprocess.run(
                    ["xdotool", "getwindowname", wid],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=10,
                ).stdout.strip()
                if _TITLE.match(name):
                    return int(wid)
            assert self.proc.poll() is None, f"app exited {self.proc.returncode}:\n{self.output}"
            time.sleep(0.2)
        raise AssertionError(f"no Parley window on {display}:\n{self.output}")

    def window_title(self, display: str, wid: int) -> str:
        return subprocess.run(
            ["xdotool", "getwindowname", str(wid)],
            capture_output=True,
            text=True,
            env={**os.environ, "DISPLAY": display},
            timeout=10,
        ).stdout.strip()

    def close_window(self, display: str) -> None:
        xclose.close_window(display, self.window_id(display))

    def wait(self, timeout: float = EXIT_TIMEOUT) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._out.close()


def app_env(display: str | None, ui: Path | None = None) -> dict[str, str]:
    """The child's environment: no session bus or browser of the developer's, a chosen DISPLAY."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PARLEY_", "WAYLAND_", "DBUS_")) and k not in ("DISPLAY",)
    }
    env["BROWSER"] = "true"  # open_external must never start a real browser in a test
    env["XDG_RUNTIME_DIR"] = "/nonexistent"  # no session bus from the machine's runtime dir
    if display is not None:
        env["DISPLAY"] = display
    if ui is not None:
        env["PARLEY_UI_DIST"] = str(ui)
    return env


SOURCE_CMD = [sys.executable, "-m", "desktop"]


@pytest.fixture
def launch(tmp_path: Path) -> Iterator:
    """``launch(cmd, display, ui, *args)`` → a running App; every one is stopped afterwards."""
    apps: list[App] = []

    def _launch(
        cmd: list[str],
        display: str | None,
        ui: Path | None = None,
        *args: str,
        data_dir: Path | None = None,
    ) -> App:
        app = App(cmd, data_dir or tmp_path / f"data{len(apps)}", app_env(display, ui), *args)
        apps.append(app)
        return app

    yield _launch
    for app in apps:
        app.stop()


@pytest.fixture(scope="session")
def frozen_binary(tmp_path_factory: pytest.TempPathFactory, ui_dist: Path) -> Path:
    """PARLEY_BINARY (e.g. dist/parley from make package), else a fresh build of build.spec."""
    given = os.environ.get("PARLEY_BINARY")
    if given:
        return Path(given).resolve()
    out = tmp_path_factory.mktemp("pyinstaller")
    return build_binary.build(out / "dist", out / "build", ui_dist)


@pytest.fixture(scope="session")
def deb(tmp_path_factory: pytest.TempPathFactory, frozen_binary: Path) -> Path:
    out = tmp_path_factory.mktemp("deb")
    subprocess.run(
        [sys.executable, "-m", "desktop.packaging.build_deb", str(frozen_binary), str(out)],
        cwd=REPO,
        check=True,
        timeout=120,
        stdout=subprocess.DEVNULL,
    )
    (found,) = out.glob("parley_*.deb")
    return found


def screenshot_colors(display: str, dest: Path) -> int:
    """Screenshot the whole screen to ``dest``; return how many distinct colours the page area has
    (a region inside the window's web view, below its menu bar: the window is centred on Xvfb's
    1280x800 screen, so the title bar's text does not count)."""
    env = {**os.environ, "DISPLAY": display}
    subprocess.run(["import", "-window", "root", str(dest)], check=True, env=env, timeout=30)
    out = subprocess.run(
        ["convert", str(dest), "-crop", "1000x600+140+110", "-format", "%k", "info:"],
        check=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return int(out.strip())


def wait_painted(display: str, shot: Path, timeout: float = 30.0) -> None:
    """Screenshots to ``shot`` until the window shows a page, not a blank screen: it paints a moment
    after it maps or its socket connects, so poll rather than guess a delay."""
    shot.parent.mkdir(exist_ok=True)
    deadline = time.monotonic() + timeout
    while screenshot_colors(display, shot) < MIN_COLOURS:
        assert time.monotonic() < deadline, f"the window stayed blank, see {shot}"
        time.sleep(0.5)


def xdotool(display: str, *args: str) -> None:
    subprocess.run(
        ["xdotool", *args], check=True, timeout=60, env={**os.environ, "DISPLAY": display}
    )


def type_into_window(display: str, wid: int, text: str) -> None:
    """Keystrokes (XTEST) into the window's focused field, then Enter; Xvfb has no WM, so focus it
    ourselves."""
    xdotool(display, "windowfocus", "--sync", str(wid))
    xdotool(display, "type", "--delay", "30", text)
    xdotool(display, "key", "Return")


class StartScreen:
    """The window opened over its start screen (``--start-screen``), painted, the address field
    focused: a person types another host's address there, then their name on that host's page."""

    def __init__(self, app: App, display: str, shot: Path) -> None:
        self.app, self.display = app, display
        self.wid = app.window_id(display)
        wait_painted(display, shot)
        time.sleep(1.0)  # the address field takes focus once React mounted the screen

    def join(self, address: str, port: int) -> None:
        """Type ``address``; join_host checks the host on 127.0.0.1:``port`` and says ok."""
        type_into_window(self.display, self.wid, address)
        self.app.wait_for(rf"join (https://127\.0\.0\.1:{port}/): ok", timeout=40)

    def sign_in_as(self, name: str, joined: Callable[[], bool], timeout: float = 60.0) -> None:
        """Type ``name`` into the other host's join screen (its name field has focus) until
        ``joined()``: the page may still have been loading, so type it again every 10 s."""
        deadline = time.monotonic() + timeout
        typed_at = 0.0
        while not joined():
            assert time.monotonic() < deadline, f"the window never joined:\n{self.app.output}"
            if time.monotonic() - typed_at > 10:
                time.sleep(1.0)
                xdotool(self.display, "key", "ctrl+a", "BackSpace")
                type_into_window(self.display, self.wid, name)
                typed_at = time.monotonic()
            time.sleep(0.3)


@pytest.fixture
def start_screen(
    launch: Callable[..., App], xvfb: str, ui_dist: Path
) -> Callable[[str], StartScreen]:
    """``start_screen(shot_name)``: the app from source with its window on the start screen (the
    screenshot saved as test-artifacts/``shot_name``). The start screen is in the real UI only."""
    if ui_dist == STANDIN_UI:
        pytest.skip("the start screen is in the real UI: run `make ui` first")

    def _open(shot_name: str) -> StartScreen:
        return StartScreen(
            launch(SOURCE_CMD, xvfb, ui_dist, "--start-screen"), xvfb, ARTIFACTS / shot_name
        )

    return _open
