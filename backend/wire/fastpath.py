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
from engineio import packet as eio_packet
from socketio import packet as socketio_packet

from .. import fields, json_text
from . import frames

log = logging.getLogger(__name__)

# An Engine.IO MESSAGE (4) carrying a Socket.IO EVENT (2) on the default namespace (unnamed, or
# named "/"): optional ack id, then what should be the JSON array. Anything else (other namespaces,
# binary events, acks, connects, ids of over 100 digits, which no Socket.IO decoder reads) does not
# match. An ack id longer than JavaScript's safe integers is no client's, but is still answered.
_EVENT = re.compile(r"42(?:/,)?(?!/)(?P<nsp>)(?P<id>[0-9]{0,100})(?![0-9])(.*)", re.DOTALL)
# The start of an event, to find the ack id of one too big to read whole.
_EVENT_HEAD = re.compile(r"42(?:(?P<nsp>/[^,]*),)?(?P<id>[0-9]{0,100})\[")
# A Socket.IO binary packet: attachments count, "-", optional namespace, optional ack id (all of
# it: the first 100 digits of a longer one are not its id, and were answered as if they were).
_BINARY = re.compile(r"4[56][0-9]*-(?:(?P<nsp>/[^,]*),)?(?P<id>[0-9]{0,100})(?![0-9])")
# Engine.IO packet types (open, close, ping, pong, message, upgrade, noop).
_EIO_TYPES = frozenset("0123456")


class Writer(Protocol):
    """Where an ack goes: the connection's websocket (websocket.FastWebSocket), in order."""

    def deliver(self, eio_socket: Any, frame: bytes) -> None: ...


def _bounded_int(digits: str) -> int:
    """As engineio.json: a JSON integer of over 100 digits is refused, not converted."""
    if len(digits) > 100:
        raise ValueError("Integer is too large")
    return int(digits)


class EventFastPath:
    """Socket.IO events on ``/`` read and acked without python-socketio's general path, and every
    other message screened before python-socketio sees it.

    For an event, python-socketio builds an Engine.IO packet object, decodes a Socket.IO packet
    object, walks three layers of dispatch (each logging through a disabled logger), then builds two
    packet objects for the ack and checks it for binary parts; about a third of the host's time on a
    ``typing`` round trip (py-spy, docs/benchmarks.md). Here the same text is matched once, decoded
    by the same rules (Engine.IO's JSON, integers of at most 100 digits), handed to the same
    namespace's ``trigger_event`` and its answer written as ``43<id>[answer]``, the text
    python-socketio would have written.

    What a peer sends that is not a well-formed message of Parley's protocol never reaches
    python-engineio or python-socketio, which would log a traceback for it, disconnect the client,
    or keep waiting for attachments (the hostile-peer issue): an event that cannot be read is
    answered ``invalid`` when it carries an ack id, binary packets are refused, and the rest is
    dropped (``receive``).
    """

    def __init__(self, server: socketio_lib.Server, max_event_bytes: int) -> None:
        self._server = server
        self._max_event_bytes = max_event_bytes
        # What python-socketio's packets use by default (engineio.json), built once: its loads
        # passes parse_int, which builds a new decoder on every call.
        self._decode = json.JSONDecoder(parse_int=_bounded_int).decode
        self._encode = json_text.compact(ensure_ascii=True)

    def receive(self, conn: Any, ws: Writer, text: str) -> bool:
        """Deal with one text message from Engine.IO socket ``conn``: True when it was dealt
        with here (handled, answered or dropped); False when Engine.IO should have it."""
        if not text or text[0] not in _EIO_TYPES:
            return True  # no Engine.IO packet at all
        if text[0] != "4":
            # Open, close, ping, pong, upgrade, noop: Engine.IO's own, if it can read them. It
            # decodes their data as JSON outside any try, so "2" + "[" * 5000 raised
            # RecursionError out of its reader loop: a traceback and a dropped connection.
            return not _engineio_reads(text)
        kind = text[1:2]
        if kind == "2":
            return self.dispatch(conn, ws, text) or self._general(text)
        if kind in ("5", "6"):  # BINARY_EVENT/BINARY_ACK: Parley's protocol is text only
            self._refuse(conn, ws, _BINARY.match(text), "Binary data is not accepted here.")
            return True
        if kind == "0":  # CONNECT: once per namespace; again would make a second session
            return self._server.manager.sid_from_eio_sid(conn.sid, "/") is not None or (
                self._general(text)
            )
        if kind == "1":
            return self._general(text)
        return True  # 3 (an ack: the host never asks clients for one), 4, or no type at all

    def oversized(self, conn: Any, ws: Writer, head: bytes) -> None:
        """A message too big to keep was read through; answer its event ``too_large``."""
        text = head.decode("utf-8", "replace")
        error = fields.too_large(self._max_event_bytes).to_wire()
        self._answer(conn, ws, _EVENT_HEAD.match(text), {"ok": False, "error": error})

    def dispatch(self, conn: Any, ws: Writer, text: str) -> bool:
        """Handle ``text`` if it is an event on ``/`` from a connected client; else return False."""
        match = _EVENT.fullmatch(text)
        if match is None or not conn.upgraded or conn.upgrading or conn.closed:
            return False
        server = self._server
        if conn.sid in server._binary_packet:  # python-socketio expects this client's attachments
            return False
        namespace = server.namespace_handlers.get("/")
        sid = server.manager.sid_from_eio_sid(conn.sid, "/")
        if namespace is None or sid is None or not server.manager.is_connected(sid, "/"):
            return False
        ack_id = match.group("id")
        try:
            data = self._decode(match.group(3))
        except (ValueError, RecursionError):  # broken JSON, a 101-digit number, deep nesting
            data = None
        if type(data) is not list or not data:
            self._refuse(conn, ws, match, "That is not an event this host can read.")
            return True
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

    def _refuse(self, conn: Any, ws: Writer, match: re.Match[str] | None, message: str) -> None:
        error = {"code": "invalid", "message": message}
        self._answer(conn, ws, match, {"ok": False, "error": error})

    def _answer(
        self, conn: Any, ws: Writer, match: re.Match[str] | None, answer: dict[str, Any]
    ) -> None:
        """Ack the event ``match`` read the id of (group "id"), if it asked for one on ``/``."""
        if match is None or not match.group("id") or (match.group("nsp") or "/") != "/":
            return
        if conn.closed or not conn.check_ping_timeout():
            return
        ws.deliver(conn, frames.frame(self.ack_text(match.group("id"), answer)))

    def _general(self, text: str) -> bool:
        """False (python-socketio's to handle) if python-socketio can read ``text``, else True
        (dropped here: python-socketio would log a traceback and drop it, or worse)."""
        try:
            pkt = socketio_packet.Packet(encoded_packet=text[1:])
        except Exception:  # noqa: BLE001 (whatever its decoder raises, the packet is not one)
            return True
        # python-socketio reads data[0] of every event before anything else, even one for a
        # namespace the client is not connected to: no data or an object (421, 42/x,{}) raised
        # IndexError/KeyError/TypeError in its handler, a traceback per packet.
        return pkt.packet_type == socketio_packet.EVENT and (
            type(pkt.data) is not list or not pkt.data
        )


def _engineio_reads(text: str) -> bool:
    """Whether python-engineio can decode ``text`` as a packet without raising."""
    try:
        eio_packet.Packet(encoded_packet=text)
    except Exception:  # noqa: BLE001 (RecursionError for deep JSON; whatever else it raises)
        return False
    return True
