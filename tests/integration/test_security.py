"""Origin and Host checks on the real handshake; join-code guessing."""

from __future__ import annotations

import pytest
import requests

from backend import ServerHandle
from tests.peers import refusal
from tests.rawws import raw_websocket

pytestmark = pytest.mark.integration


def _polling_handshake(handle: ServerHandle, **headers: str) -> requests.Response:
    return requests.get(
        f"{handle.url}socket.io/?EIO=4&transport=polling", headers=headers, timeout=5
    )


def test_handshake_from_a_foreign_origin_is_refused(live_server: ServerHandle) -> None:
    refused = _polling_handshake(live_server, Origin="http://evil.example")
    assert refused.status_code == 400 and "Not an accepted origin" in refused.text
    # The same port on another name, and our name on another port, are foreign origins too.
    assert (
        _polling_handshake(
            live_server, Origin=f"http://evil.example:{live_server.port}"
        ).status_code
        == 400
    )
    assert _polling_handshake(live_server, Origin="http://127.0.0.1:1").status_code == 400
    own = f"http://127.0.0.1:{live_server.port}"
    s, _, headers = raw_websocket(live_server.port, f"Origin: {own}\r\n")  # 101, or it raises
    s.close()
    assert not [h for h in headers if h.lower().startswith("access-control-allow-origin: *")]
    assert "evil" not in str(refused.headers)


def test_long_polling_is_not_a_way_in(live_server: ServerHandle) -> None:
    # Parley's clients all use the websocket; long-polling would reach python-socketio without
    # the websocket reader's screening (the hostile-peer issue).
    own = f"http://127.0.0.1:{live_server.port}"
    polling = _polling_handshake(live_server, Origin=own)
    assert polling.status_code == 400 and "Invalid transport" in polling.text


def test_websocket_from_a_foreign_origin_is_refused(live_server: ServerHandle) -> None:
    refused = refusal(
        live_server.url,
        {"name": "Eve", "code": "24681357"},
        headers={"Origin": "http://evil.example"},
    )
    assert refused is not None


def test_foreign_host_header_is_refused(live_server: ServerHandle) -> None:
    page = requests.get(live_server.url, headers={"Host": "evil.example"}, timeout=5)
    assert page.status_code == 421
    handshake = _polling_handshake(live_server, Host=f"rebind.evil.example:{live_server.port}")
    assert handshake.status_code == 421
    assert requests.get(f"{live_server.url}healthz", timeout=5).json() == {"ok": True}


def test_join_code_guessing_is_rate_limited(live_server: ServerHandle) -> None:
    codes = [refusal(live_server.url, {"name": "Eve", "code": f"{n:08d}"}).code for n in range(6)]
    assert codes == ["bad_code"] * 5 + ["rate_limited"]
    # Locked out for now, even with the right code.
    assert refusal(live_server.url, {"name": "Eve", "code": "24681357"}).code == "rate_limited"


def test_secret_key_file_is_private(live_server: ServerHandle) -> None:
    key = live_server.settings.data_dir / "secret_key"
    assert key.stat().st_mode & 0o777 == 0o600
