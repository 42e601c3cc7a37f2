"""The display probe, the single-instance lock and the start/stop order, without a window."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from desktop import display, main, single_instance


def test_probe_without_any_display() -> None:
    verdict = display.probe({})
    assert not verdict.usable and "neither DISPLAY nor WAYLAND_DISPLAY" in verdict.reason


def test_probe_with_stale_x_display(stale_display: str) -> None:
    verdict = display.probe({"DISPLAY": stale_display})
    assert not verdict.usable and stale_display in verdict.reason


@pytest.mark.desktop
def test_probe_with_live_x_display(xvfb: str) -> None:
    assert display.probe({"DISPLAY": xvfb}).usable


def test_probe_wayland_socket(tmp_path: Path, stale_display: str) -> None:
    env = {"WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": str(tmp_path)}
    assert "not answering" in display.probe(env).reason  # no socket at all
    with socket.socket(socket.AF_UNIX) as compositor:
        compositor.bind(str(tmp_path / "wayland-9"))
        compositor.listen()
        assert display.probe(env).usable
    # A leftover socket file of a dead compositor, and a stale X display to fall back to: no.
    assert not display.probe({**env, "DISPLAY": stale_display}).usable


def test_single_instance_hands_over_to_the_first(tmp_path: Path) -> None:
    first = single_instance.acquire(tmp_path)
    first.on_activate(lambda: {"ok": True, "mode": "headless", "url": "http://127.0.0.1:1/"})
    with pytest.raises(single_instance.AlreadyRunning) as running:
        single_instance.acquire(tmp_path)
    assert running.value.reply["mode"] == "headless"
    first.close()
    first.close()  # idempotent
    again = single_instance.acquire(tmp_path)  # the lock is free again
    again.close()


def test_single_instance_ignores_a_wrong_token(tmp_path: Path) -> None:
    import json

    first = single_instance.acquire(tmp_path)
    called: list[bool] = []
    first.on_activate(lambda: called.append(True) or {"ok": True})
    port = json.loads((tmp_path / "instance.json").read_text())["port"]
    with socket.create_connection(("127.0.0.1", port), 3) as conn:
        conn.sendall(b'{"cmd": "activate", "token": "guess"}\n')
        assert json.loads(conn.makefile("rb").readline()) == {"ok": False}
    assert called == []
    first.close()


def test_smoke_starts_checks_and_stops(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["--smoke", "--data-dir", str(tmp_path), "--host", "127.0.0.1"]) == 0
    assert "smoke ok" in capsys.readouterr().out
