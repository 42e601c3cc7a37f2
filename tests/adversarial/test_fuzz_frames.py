"""A frame fuzzer (the hostile-peer issue): raw WebSocket frames a hostile peer can send, from
outside, to a real host process, and what RFC 6455 lets the host answer.

Hypothesis draws batches of cases. A case is a few frames: any opcode (the reserved 3-7 and
0xB-0xF too), RSV bits, masked or not, FIN or not, control frames of wrong sizes, lengths in 7, 16
or 64 bits (minimal or not, and ones that lie: more claimed than sent, then the sending side
closed), text that is not UTF-8, continuation frames in any order with control frames between
them, close frames with any code and reason. Each case goes down a connection in one write,
followed (unless it lied about a length) by a ping of its own; the host then either

- continues: its pong for that ping arrives, and the connection takes the next case; or
- closes: a close frame with a code RFC 6455 gives it (1000, 1002, 1003, 1007, 1008, 1009, or the
  peer's own code echoed when the peer closed first), nothing after it, then the TCP connection
  ends; a case that lied about a length may also just see the connection end.

Every frame the host sends is checked on the way (unmasked, no RSV bits, a known opcode, control
frames short and whole), and every read has a timeout: a host that hangs fails, never hangs the
test. After every ``CHECK_EVERY`` cases and at the end, with all its sockets closed: the host's
RSS and open files are back near where they started, and ``Target.assert_unharmed()``.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st

from tests.adversarial.conftest import Target
from tests.conftest import FASTPATH
from tests.rawws import FrameStream, ServerFrame, masked

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not FASTPATH, reason="the host's own websocket reader (backend/wire)"),
]

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
# Cases per Hypothesis example, and examples: 25 * 420 = 10,500 cases, over the 10,000.
BATCH = 25
BATCHES = 420
CHECK_EVERY = 1000
RUN_BUDGET_S = 120.0
# One case's answer (a pong, a close, the end of the connection) must come by then.
READ_TIMEOUT_S = 15.0
# What the host may say when it closes (RFC 6455 §7.4.1): normal, protocol error, unacceptable
# data, not UTF-8, policy, too big.
CLOSE_CODES = {1000, 1002, 1003, 1007, 1008, 1009}
# Codes a peer may send, which the host echoes (RFC 6455 §5.5.1, IANA's registry).
PEER_CODES = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014}
# Growth allowed once every socket of a batch is closed (the bounds).
RSS_GROWTH_KIB = 30 * 1024
FD_GROWTH = 20
SHRINK = os.environ.get("PARLEY_FUZZ_SHRINK", "") == "1"


# -- frames ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """One frame as the fuzzer writes it; ``claim``: the length said in its header, when that
    differs from the payload's (a lie, or a non-minimal encoding of the truth)."""

    opcode: int
    payload: bytes = b""
    fin: bool = True
    rsv: int = 0
    mask: bool = True
    form: str = "min"  # length encoding: "min", "16" or "64" (non-minimal when the length is small)
    claim: int | None = None

    def encode(self) -> bytes:
        n = len(self.payload) if self.claim is None else self.claim
        first = (0x80 if self.fin else 0) | (self.rsv << 4) | self.opcode
        bit = 0x80 if self.mask else 0
        if self.form == "64" or n >= 0x10000:
            header = struct.pack("!BBQ", first, bit | 127, n)
        elif self.form == "16" or n >= 126:
            header = struct.pack("!BBH", first, bit | 126, n)
        else:
            header = struct.pack("!BB", first, bit | n)
        if not self.mask:
            return header + self.payload
        key = b"\x1f\x2e\x3d\x4c"
        body = bytes(b ^ key[i % 4] for i, b in enumerate(self.payload))
        return header + key + body

    def __repr__(self) -> str:
        claim = "" if self.claim is None else f" claims {self.claim}"
        return (
            f"<op {self.opcode:#x} fin={int(self.fin)} rsv={self.rsv} mask={int(self.mask)} "
            f"{self.form}{claim} {self.payload[:40]!r}{'...' if len(self.payload) > 40 else ''}>"
        )


@dataclass
class Case:
    frames: list[Frame]
    lie: bool = False  # the last frame claims more than is sent; the write side is then shut
    signed_in: bool = False  # on a connection past Socket.IO's connect (else only Engine.IO's)

    def __repr__(self) -> str:
        shown = ", ".join(map(repr, self.frames[:6]))
        more = f", ... {len(self.frames) - 6} more" if len(self.frames) > 6 else ""
        how = (" lie" if self.lie else "") + (" signed-in" if self.signed_in else "")
        return f"<case{how}: {shown}{more}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """What Hypothesis prints for a failing batch: short (a case can be a thousand frames)."""
        p.text(repr(self))


# Texts: Engine.IO/Socket.IO packets the host acts on (harmlessly), and some it does not.
TEXTS = [
    b"6",
    b"3",
    b"2probe",
    b"5",
    b'42["list_rooms",{}]',
    b'421["list_rooms",{}]',
    b'4299["typing",{"room_id":1}]',
    b"47",
    b"x",
    b"",
    "é✓\U0001f389".encode(),
]
# Not UTF-8: a stray continuation byte, an invalid lead, a surrogate, an overlong form, a
# sequence cut short, a code point past U+10FFFF.
NOT_UTF8 = [
    b"\x80",
    b"\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xe2\x82",
    b"\xf4\x90\x80\x80",
    b"42\xfe",
]
CODES = [0, 1, 999, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011]
CODES += [1012, 1013, 1014, 1015, 1016, 2999, 3000, 3999, 4000, 4999, 5000, 65535]

payload_bytes = st.binary(max_size=64) | st.sampled_from(TEXTS + NOT_UTF8)
sizes = st.sampled_from([0, 1, 125, 126, 127, 200, 65535, 65536, 70_000])


@st.composite
def close_payload(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["code", "code", "reason", "empty", "one", "bad_reason", "long"]))
    code = draw(st.sampled_from(CODES) | st.integers(0, 65535))
    if kind == "empty":
        return b""
    if kind == "one":
        return bytes([draw(st.integers(0, 255))])
    head = struct.pack("!H", code)
    if kind == "reason":
        return head + draw(st.text(max_size=20)).encode("utf-8")[:123]
    if kind == "bad_reason":
        return head + draw(st.sampled_from(NOT_UTF8))
    if kind == "long":  # a control frame over 125 bytes
        return head + b"r" * draw(st.integers(124, 200))
    return head


@st.composite
def any_frame(draw: st.DrawFn) -> Frame:
    """One frame, each header field drawn on its own (mostly sane, sometimes not)."""
    opcode = draw(
        st.sampled_from([TEXT, TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG]) | st.integers(0, 15)
    )
    if opcode == CLOSE:
        payload = draw(close_payload())
    elif opcode in (PING, PONG):
        payload = draw(st.binary(max_size=125) | st.builds(bytes, st.integers(126, 140)))
    elif draw(st.integers(0, 9)) == 0:  # big: over 125, 16-bit and 64-bit lengths
        payload = b"a" * draw(sizes)
    else:
        payload = draw(payload_bytes)
    fin = draw(st.integers(0, 4)) != 0
    rsv = draw(st.sampled_from([0] * 8 + [1, 2, 4, 7]))
    mask = draw(st.integers(0, 9)) != 0
    form = draw(st.sampled_from(["min"] * 6 + ["16", "64"]))
    return Frame(opcode, payload, fin, rsv, mask, form)


@st.composite
def fragmented(draw: st.DrawFn) -> list[Frame]:
    """A message in fragments, control frames between them, sometimes with one thing wrong: a
    continuation first, a new message inside, no FIN at the end, text split inside a character."""
    opcode = draw(st.sampled_from([TEXT, TEXT, BINARY]))
    message = draw(st.sampled_from(TEXTS + NOT_UTF8 + ["é✓é✓é✓".encode()]))
    cuts = sorted(draw(st.lists(st.integers(0, len(message)), max_size=4)))
    parts = [message[a:b] for a, b in zip([0, *cuts], [*cuts, len(message)], strict=True)]
    frames = [Frame(opcode if i == 0 else CONTINUATION, p, fin=False) for i, p in enumerate(parts)]
    frames[-1] = Frame(frames[-1].opcode, frames[-1].payload, fin=True)
    for _ in range(draw(st.integers(0, 2))):  # control frames may come between fragments
        at = draw(st.integers(0, len(frames)))
        frames.insert(at, Frame(draw(st.sampled_from([PING, PONG])), draw(st.binary(max_size=8))))
    defect = draw(st.sampled_from(["none"] * 5 + ["cont_first", "new_inside", "no_fin", "many"]))
    if defect == "cont_first":
        frames.insert(0, Frame(CONTINUATION, b"x", fin=draw(st.booleans())))
    elif defect == "new_inside" and len(frames) > 1:
        frames.insert(1, Frame(draw(st.sampled_from([TEXT, BINARY])), b"y"))
    elif defect == "no_fin":
        frames[-1] = Frame(frames[-1].opcode, frames[-1].payload, fin=False)
    elif defect == "many":  # endless empty fragments (over the 1,024 a message may have)
        count = draw(st.sampled_from([10, 1023, 1500]))
        frames = [Frame(opcode, b"", fin=False)] + [Frame(CONTINUATION, b"", fin=False)] * count
        frames.append(Frame(CONTINUATION, b"", fin=True))
    return frames


@st.composite
def lying(draw: st.DrawFn) -> Case:
    """Frames, then one whose header claims more than is sent; then the sending side closes."""
    before = draw(st.lists(any_frame(), max_size=2))
    sent = draw(st.binary(max_size=20))
    extra = draw(st.sampled_from([1, 10, 1000, 65_536, 2**20, 17 * 2**20, 2**63, 2**64 - 1 - 20]))
    opcode = draw(st.sampled_from([TEXT, BINARY, CONTINUATION, PING, CLOSE]))
    form = draw(st.sampled_from(["min", "16", "64"]))
    # (Frame.encode takes the 64-bit form for a claim that needs it, whatever ``form`` says.)
    return Case([*before, Frame(opcode, sent, fin=True, form=form, claim=len(sent) + extra)], True)


cases = st.one_of(
    st.builds(Case, st.lists(any_frame(), min_size=1, max_size=5)),
    st.builds(Case, fragmented()),
    st.builds(Case, fragmented(), signed_in=st.just(True)),
    lying(),
)


# -- running -------------------------------------------------------------------------------------


@dataclass
class Conn:
    sock: socket.socket
    frames: FrameStream
    signed_in: bool


@dataclass
class Outcomes:
    continued: int = 0
    closed: dict[int | None, int] = field(default_factory=dict)  # close code (None: no code)
    ended: int = 0  # the connection ended without a close frame, after a lie
    reset: int = 0  # reset by the host while a case was still being written

    def close(self, code: int | None) -> None:
        self.closed[code] = self.closed.get(code, 0) + 1


def _open(target: Target, signed_in: bool) -> Conn:
    s, rest = target.signed_in_raw() if signed_in else target.raw()
    s.settimeout(READ_TIMEOUT_S)
    return Conn(s, FrameStream(s, rest), signed_in)


def _check_frame(frame: ServerFrame, where: str) -> None:
    """What RFC 6455 §5 says of any frame a server sends."""
    assert not frame.masked, f"{where}: the host masked a frame"
    assert frame.rsv == 0, f"{where}: the host set RSV bits"
    assert frame.opcode in (CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG), where
    if frame.opcode >= CLOSE:
        assert frame.fin and len(frame.payload) <= 125, f"{where}: a control frame {frame}"


def _expected_close(case: Case, payload: bytes, where: str) -> int | None:
    """Check the host's close frame; its code (None: it had none)."""
    if not payload:
        # Only an answer to an empty close of the peer's (RFC 6455 §5.5.1: "may" have a body).
        assert any(f.opcode == CLOSE and not f.payload for f in case.frames), where
        return None
    assert len(payload) >= 2, f"{where}: a one-byte close payload"
    code = int(struct.unpack("!H", payload[:2])[0])
    payload[2:].decode("utf-8")  # the reason must be UTF-8 (RFC 6455 §5.5.1)
    sent = {
        int(struct.unpack("!H", f.payload[:2])[0])
        for f in case.frames
        if f.opcode == CLOSE and len(f.payload) >= 2
    }
    echo = {c for c in sent if c in PEER_CODES or 3000 <= c <= 4999}
    assert code in CLOSE_CODES | echo, f"{where}: close code {code}"
    return code


def _await_end(conn: Conn, where: str) -> None:
    """After the host's close frame: nothing more, then the end of the TCP connection."""
    try:
        frame = conn.frames.next()
    except (EOFError, ConnectionResetError):
        return
    raise AssertionError(f"{where}: the host sent {frame} after its close frame")


@dataclass
class Run:
    target: Target
    conn: Conn | None = None
    cases: int = 0
    checked_at: int = 0
    probes: int = 0
    rss: int = 0
    fds: int = 0
    log_seen: int = 0
    outcomes: Outcomes = field(default_factory=Outcomes)
    started: float = field(default_factory=time.monotonic)
    failure: Exception | None = None

    def batch(self, batch: list[Case]) -> None:
        if self.failure is not None:  # Hypothesis replays a failing example: report the first
            raise self.failure
        try:
            for case in batch:
                self.one(case)
            self.cases += len(batch)
            self._check_log(batch)
            if self.cases - self.checked_at >= CHECK_EVERY:
                self.checked_at = self.cases
                self.check_host()
        except Exception as exc:
            self.drop()  # the next example starts on a fresh connection
            if not SHRINK:
                self.failure = exc
            raise

    def one(self, case: Case) -> None:
        if self.conn is not None and (case.signed_in and not self.conn.signed_in):
            self.drop()
        if self.conn is None:
            self.conn = _open(self.target, case.signed_in)
        conn = self.conn
        self.probes += 1
        probe = f"probe-{self.probes}".encode()
        where = f"case {self.cases}: {case!r}"
        wire = b"".join(f.encode() for f in case.frames)
        try:
            if case.lie:
                conn.sock.sendall(wire)
                conn.sock.shutdown(socket.SHUT_WR)
            else:
                conn.sock.sendall(wire + masked(PING, probe))
        except OSError as exc:
            # The host closed while the case was still being written (EPIPE, ECONNRESET), or had
            # already reset the connection when a lie's shutdown came (ENOTCONN): read what it said.
            if exc.errno not in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN):
                raise
        while True:
            try:
                frame = conn.frames.next()
            except (EOFError, ConnectionResetError) as exc:
                # No close frame: only after a lie (the host saw the end of the stream mid-frame)
                # or when the host reset a connection it had closed while we were still writing.
                assert case.lie or isinstance(exc, ConnectionResetError), (
                    f"{where}: the connection ended without a close frame"
                )
                if case.lie:
                    self.outcomes.ended += 1
                else:
                    self.outcomes.reset += 1
                self.drop()
                return
            except TimeoutError:
                raise AssertionError(f"{where}: no answer in {READ_TIMEOUT_S} s") from None
            _check_frame(frame, where)
            if frame.opcode == PONG and frame.payload == probe:
                self.outcomes.continued += 1
                return
            if frame.opcode == CLOSE:
                self.outcomes.close(_expected_close(case, frame.payload, where))
                _await_end(conn, where)
                self.drop()
                return
            if frame.opcode == TEXT and frame.payload == b"2":  # Engine.IO's ping
                conn.sock.sendall(masked(TEXT, b"3"))

    def drop(self) -> None:
        if self.conn is not None:
            self.conn.sock.close()
            self.conn = None

    def baseline(self) -> None:
        self.rss, self.fds = self.target.rss_kib(), self.target.open_files()

    def check_host(self) -> None:
        """With every socket of the fuzzer closed: the host's memory and files back near where
        they started (the host closes its side when it notices: allow it a moment), then the
        issue's invariants."""
        self.drop()
        deadline = time.monotonic() + 10
        while self.target.open_files() > self.fds + FD_GROWTH and time.monotonic() < deadline:
            time.sleep(0.05)
        fds = self.target.open_files()
        assert fds <= self.fds + FD_GROWTH, f"open files {self.fds} -> {fds}"
        rss = self.target.rss_kib()
        assert rss <= self.rss + RSS_GROWTH_KIB, f"RSS {self.rss} -> {rss} KiB"
        self.target.assert_unharmed()

    def _check_log(self, batch: list[Case]) -> None:
        log = self.target.log()
        fresh, self.log_seen = log[self.log_seen :], len(log)
        assert "Traceback" not in fresh and " ERROR " not in fresh, (
            f"the host logged an error during this batch (or the one before):\n{fresh[-3000:]}\n"
            + "\n".join(f"  {c!r}" for c in batch)
        )


def test_any_frames_are_answered_as_rfc_6455_says_and_harm_nothing(target: Target) -> None:
    run = Run(target)
    run.target.assert_unharmed()  # warm: the first welcome, the first database reads
    run.baseline()

    @settings(
        max_examples=BATCHES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate, *((Phase.shrink,) if SHRINK else ())),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @given(batch=st.lists(cases, min_size=BATCH, max_size=BATCH))
    def fuzz(batch: list[Case]) -> None:
        run.batch(batch)

    try:
        fuzz()
    finally:
        run.drop()
    took = time.monotonic() - run.started
    run.check_host()
    o = run.outcomes
    print(
        f"\nframe fuzzer: {run.cases} cases in {took:.1f} s: continued {o.continued}, "
        f"closed {dict(sorted(o.closed.items(), key=str))}, ended after a lie {o.ended}, "
        f"reset {o.reset}; "
        f"RSS {run.rss} -> {target.rss_kib()} KiB, open files {run.fds} -> {target.open_files()}"
    )
    assert run.cases >= 10_000
    assert took <= RUN_BUDGET_S
