"""The host serves on the transport this run asked for: its own fast path, or stock python-engineio
(PARLEY_FASTPATH=0, the second integration run of `make test`), told apart from outside."""

from __future__ import annotations

import pytest

from backend import ServerHandle
from tests.conftest import FASTPATH
from tests.rawws import raw_websocket

pytestmark = pytest.mark.integration


def test_the_websocket_is_the_one_this_run_asked_for(live_server: ServerHandle) -> None:
    # The fast path never agrees to compression (wire/websocket.py); simple-websocket, under stock
    # python-engineio, takes a client's permessage-deflate offer.
    offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    s, _, headers = raw_websocket(live_server.port, offer)
    s.close()
    agreed = [h for h in headers if h.lower().startswith("sec-websocket-extensions")]
    if FASTPATH:
        assert agreed == []
    else:
        assert agreed and "permessage-deflate" in agreed[0]
