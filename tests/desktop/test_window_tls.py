"""The real window under Xvfb joins another host over https with its key pinned, and refuses one
whose key is not the pinned one.

1. A second host process on another port, joined by its https invite link (``#code=…&fp=…``) typed
   into the start screen: join_host checks the link's fingerprint, WebKit refuses the self-signed
   certificate, the window's TLS handler (desktop/tls_window.py) finds the same key and accepts
   exactly that certificate; the remote UI loads and its socket connects over wss (the visitor
   comes online there).
2. A man in the middle that lets join_host's check through to the real host and then hands
   WebKit's connection to another host (another key): the window shows its warning page, and the
   other host never hears from the window."""

from __future__ import annotations

import json
import socket
import stat
import threading
import time

import pytest

from backend import start_server
from tests.desktop.conftest import ARTIFACTS, JOIN_CODE, wait_painted
from tests.hostproc import HostProcess
from tests.peers import Peer

pytestmark = pytest.mark.desktop

VISITOR = "Pinned visitor"


def _fingerprint(host: HostProcess) -> str:
    line = next(x for x in host.output if x.startswith("Fingerprint: "))
    return line.split(": ", 1)[1].strip().replace(" ", "")


def test_window_joins_a_host_by_its_invite_link_with_the_key_pinned(start_screen, tmp_path) -> None:
    remote = HostProcess(tmp_path / "remote", "--join-code", JOIN_CODE, "--name", "Remote host")
    try:
        port = int(remote.url.rstrip("/").rsplit(":", 1)[1])
        fp = _fingerprint(remote)
        watcher = Peer(remote.url, {"name": "Watcher", "code": JOIN_CODE})
        screen = start_screen("desktop-tls-start-screen.png")
        app, display = screen.app, screen.display
        screen.join(f"https://127.0.0.1:{port}/#code={JOIN_CODE}&fp={fp}", port)
        app.wait_for(rf"window: (127\.0\.0\.1:{port}) presented its pinned key", timeout=40)

        # The remote join screen has the code from the link; the name field has focus.
        def online() -> bool:
            return any(
                user["name"] == VISITOR and user["online"]
                for change in watcher.received("users_changed", within=0.3)
                for user in change["users"]
            )

        screen.sign_in_as(VISITOR, online)
        time.sleep(1.5)  # the chat paints a moment after its socket is up
        wait_painted(display, ARTIFACTS / "desktop-tls-joined-remote.png")

        pins = app.data_dir / "pins.json"
        assert stat.S_IMODE(pins.stat().st_mode) == 0o600
        assert json.loads(pins.read_text())["addresses"][f"127.0.0.1:{port}"] == fp
        watcher.close()
        app.close_window(display)
        assert app.wait() == 0, app.output
    finally:
        remote.stop()


class _SwitchingProxy:
    """Forwards its first connection to ``first`` and every later one to ``then``: a man in the
    middle who lets a quick check through and intercepts what follows."""

    def __init__(self, first: int, then: int) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.targets = [first, then]
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            target = self.targets[0] if self.accepted == 0 else self.targets[1]
            self.accepted += 1
            upstream = socket.create_connection(("127.0.0.1", target))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


def test_window_shows_a_warning_when_the_host_presents_another_key(
    start_screen, tmp_path, settings
) -> None:
    real = start_server(settings.replace(data_dir=tmp_path / "real", name="Real host"))
    fake = start_server(settings.replace(data_dir=tmp_path / "fake", name="Real host"))
    proxy = _SwitchingProxy(real.port, fake.port)
    try:
        assert real.fingerprint != fake.fingerprint
        screen = start_screen("desktop-tls-start-screen-2.png")
        app, display = screen.app, screen.display
        screen.join(f"127.0.0.1:{proxy.port}", proxy.port)  # first use: the real key
        app.wait_for(
            rf"window: 127\.0\.0\.1:{proxy.port} presented key ({fake.fingerprint}), "
            rf"pinned {real.fingerprint}: not loaded",
            timeout=40,
        )
        wait_painted(display, ARTIFACTS / "desktop-tls-mismatch-warning.png")
        assert "presented its pinned key" not in app.output
        time.sleep(1.0)
        assert fake.connected_here() == []  # the window's page never reached the impostor
        app.close_window(display)
        assert app.wait() == 0, app.output
    finally:
        proxy.close()
        real.stop()
        fake.stop()
