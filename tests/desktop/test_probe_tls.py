"""join_host over https against real hosts on 127.0.0.1 (where a TLS handshake is served as TLS):
the key is pinned on first use (pins.json, 0600) or checked against the invite link's ``fp=``, and
another key than the pinned one is its own step, ``mismatch``, with nothing loaded and the pin
kept."""

from __future__ import annotations

import stat
from pathlib import Path

from backend import ServerHandle, Settings, fingerprint_groups, start_server
from desktop.bridge import Bridge
from desktop.pins import Pins
from desktop.probe import probe


class _Window:
    def get_current_url(self) -> str:
        return "http://127.0.0.1:4000/#join"

    def set_title(self, title: str) -> None:
        pass


def _bridge(pins: Pins, window: _Window) -> Bridge:
    return Bridge("http://127.0.0.1:4000/", window, lambda t, b: True, probe_timeout=3.0, pins=pins)


def _https(handle: ServerHandle) -> str:
    return f"https://127.0.0.1:{handle.port}/"


def test_probe_reports_the_key_and_refuses_another(live_server: ServerHandle) -> None:
    assert live_server.fingerprint
    ok = probe(_https(live_server))
    assert ok.ok and ok.fingerprint == live_server.fingerprint, ok
    assert ok.host_id

    wrong = "A" * 52
    refused = probe(_https(live_server), expected=wrong)
    assert refused.step == "mismatch", refused
    assert fingerprint_groups(wrong) in refused.message
    assert fingerprint_groups(live_server.fingerprint) in refused.message


def test_first_use_pins_the_key_for_the_address_and_the_host(
    live_server: ServerHandle, tmp_path: Path
) -> None:
    pins, window = Pins(tmp_path / "app"), _Window()
    result = _bridge(pins, window).api().join_host(f"127.0.0.1:{live_server.port}")
    assert result["ok"] and result["open"] == _https(live_server), result
    address = f"127.0.0.1:{live_server.port}"
    assert pins.for_address(address) == live_server.fingerprint
    assert pins.for_host(result["attempts"][-1]["host_id"]) == live_server.fingerprint
    assert pins.path is not None and stat.S_IMODE(pins.path.stat().st_mode) == 0o600
    # Again: checked against the pin this time, same answer.
    assert _bridge(pins, window).api().join_host(address)["ok"]


def test_invite_link_fingerprint_is_checked_and_carried_to_the_page(
    live_server: ServerHandle, tmp_path: Path
) -> None:
    pins, window = Pins(tmp_path / "app"), _Window()
    fp = live_server.fingerprint
    link = f"{_https(live_server)}#code=13572468&fp={fp}"
    result = _bridge(pins, window).api().join_host(link)
    assert result["ok"], result
    assert result["open"] == f"{_https(live_server)}#code=13572468&fp={fp}"

    other, window = Pins(tmp_path / "other"), _Window()
    wrong = f"{_https(live_server)}#code=13572468&fp={'B' * 52}"
    result = _bridge(other, window).api().join_host(wrong)
    assert not result["ok"] and result["attempts"][-1]["step"] == "mismatch", result
    assert "open" not in result and other.for_address(f"127.0.0.1:{live_server.port}") is None

    damaged = f"{_https(live_server)}#fp=NOT-A-KEY"
    result = _bridge(other, window).api().join_host(damaged)
    assert (
        result["attempts"][-1]["step"] == "invalid"
        and "damaged" in result["attempts"][-1]["message"]
    )


def test_another_key_at_a_pinned_address_or_for_a_pinned_host_is_a_mismatch(
    settings: Settings, tmp_path: Path
) -> None:
    pins = Pins(tmp_path / "app")
    first = start_server(settings)
    port = first.port
    try:
        assert _bridge(pins, _Window()).api().join_host(f"127.0.0.1:{port}")["ok"]
    finally:
        first.stop()
    second = start_server(settings.replace(data_dir=tmp_path / "second", port=port))
    try:
        assert second.fingerprint != first.fingerprint
        window = _Window()
        result = _bridge(pins, window).api().join_host(f"127.0.0.1:{port}")
        (attempt,) = result["attempts"]
        assert attempt["step"] == "mismatch" and not result["ok"], result
        assert fingerprint_groups(str(first.fingerprint)) in attempt["message"]
        assert "open" not in result
        assert pins.for_address(f"127.0.0.1:{port}") == first.fingerprint  # the pin stays

        # The same host id met at a new address ("localhost") must bring its pinned key too.
        host_id = str(
            _bridge(Pins(None), _Window())
            .api()
            .join_host(f"127.0.0.1:{port}")["attempts"][-1]["host_id"]
        )
        pins.remember("elsewhere:1", host_id, "C" * 52)
        result = _bridge(pins, window).api().join_host(f"localhost:{port}")
        assert result["attempts"][-1]["step"] == "mismatch", result
        assert "open" not in result and pins.for_address(f"localhost:{port}") is None

        # Its invite link names the new key: that replaces the pin (the host was reinstalled).
        link = f"https://127.0.0.1:{port}/#fp={second.fingerprint}"
        assert _bridge(pins, window).api().join_host(link)["ok"]
        assert pins.for_address(f"127.0.0.1:{port}") == second.fingerprint
    finally:
        second.stop()


def test_plain_http_where_a_key_was_pinned_is_refused(
    live_server: ServerHandle, tmp_path: Path
) -> None:
    """A downgrade: the host spoke TLS when it was pinned; a plain answer at that address now is
    not trusted (this host serves plain http to loopback, as a --no-tls impostor would)."""
    pins, window = Pins(tmp_path / "app"), _Window()
    assert _bridge(pins, window).api().join_host(f"127.0.0.1:{live_server.port}")["ok"]
    result = _bridge(pins, window).api().join_host(live_server.url)  # http://127.0.0.1:PORT/
    assert result["attempts"][-1]["step"] == "mismatch", result
    assert "plain http" in result["attempts"][-1]["message"] and "open" not in result
