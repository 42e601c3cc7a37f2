"""Plain Socket.IO events on ``/``, read and acked in the connection's own greenlet.

Part of the fast path (``install.py``): only installed on the python-socketio and python-engineio
versions it was written against. It reads their private state (``_binary_packet``, the manager's
sid maps), so another version may not keep it.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Protocol

import socketio as socketio_lib

from .. import json_text
from . import frames

log = logging.getLogger(__name__)

# An Engine.IO MESSAGE (4) carrying a Socket.IO EVENT (2) on the default namespace: optional ack id,
# then the JSON array. Anything else (other namespaces, binary events, acks, connects) does not match.
_EVENT = re.compile(r"42([0-9]{0,15})(\[.*)", re.DOTALL)


class Writer(Protocol):
    """Where an ack goes: the connection's websocket (websocket.FastWebSocket), in order."""

    def deliver(self, eio_socket: Any, frame: bytes) -> None: ...


def _bounded_int(digits: str) -> int:
    """As engineio.json: a JSON integer of over 100 digits is refused, not converted."""
    if len(digits) > 100:
        raise ValueError("Integer is too large")
    return int(digits)


class EventFastPath:
    """Socket.IO events on ``/`` read and acked without python-socketio's general path.

    For an event, python-socketio builds an Engine.IO packet object, decodes a Socket.IO packet
    object, walks three layers of dispatch (each logging through a disabled logger), then builds two
    packet objects for the ack and checks it for binary parts; about a third of the host's time on a
    ``typing`` round trip (py-spy, docs/benchmarks.md). Here the same text is matched once, decoded
    by the same rules (Engine.IO's JSON, integers of at most 100 digits), handed to the same
    namespace's ``trigger_event`` and its answer written as ``43<id>[answer]``, the text
    python-socketio would have written. Whatever does not match
    exactly (see ``dispatch``) goes the general way unchanged.
    """

    def __init__(self, server: socketio_lib.Server) -> None:
        self._server = server
        # What python-socketio's packets use by default (engineio.json), built once: its loads
        # passes parse_int, which builds a new decoder on every call.
        self._decode = json.JSONDecoder(parse_int=_bounded_int).decode
        self._encode = json_text.compact(ensure_ascii=True)

    def dispatch(self, conn: Any, ws: Writer, text: str) -> bool:
        """Handle ``text`` from Engine.IO socket ``conn`` if it is a plain event; else return False."""
        match = _EVENT.fullmatch(text)
        if match is None or not conn.upgraded or conn.upgrading or conn.closed:
            return False
        server = self._server
        if conn.sid in server._binary_packet:  # python-socketio expects this client's attachments
            return False
        try:
            data = self._decode(match.group(2))
        except ValueError:
            return False  # python-socketio logs it and drops it
        if type(data) is not list or not data:
            return False
        namespace = server.namespace_handlers.get("/")
        sid = server.manager.sid_from_eio_sid(conn.sid, "/")
        if namespace is None or sid is None or not server.manager.is_connected(sid, "/"):
            return False
        ack_id = match.group(1)
        try:
            answer = namespace.trigger_event(data[0], sid, *data[1:])
            ack = self.ack_text(ack_id, answer) if ack_id else None
        except Exception:  # as python-socketio: logged, no ack, the connection stays
            log.exception("event handler error")
            return True
        if ack is not None and conn.check_ping_timeout():  # as Engine.IO's send
            ws.deliver(conn, frames.frame(ack))
        return True

    def ack_text(self, ack_id: str, answer: Any) -> str:
        """The Engine.IO text of python-socketio's ACK for ``answer`` (a tuple is several args)."""
        if answer is None:
            args = []
        elif isinstance(answer, tuple):
            args = list(answer)
        else:
            args = [answer]
        # str(int()): python-socketio reads an id of "007" as 7 and answers 7.
        return "43" + str(int(ack_id)) + self._encode(args)
