"""Reading a packet capture as an eavesdropper on the Wi-Fi would: every TCP stream put back in
order, and websocket frames from clients unmasked (masking, RFC 6455 §5.3, hides nothing from
anyone who reads the frame's own key: it is there against broken proxies, not listeners).

``tcpdump -w`` files (classic pcap, Ethernet, IPv4); no library, so nothing in between decides
what counts as readable.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

ETHERNET = 1
_IPV4 = 0x0800
_TCP = 6


@dataclass
class Stream:
    """One direction of one TCP connection: its bytes in sequence order."""

    src: tuple[str, int]
    dst: tuple[str, int]
    segments: dict[int, bytes] = field(default_factory=dict)

    def data(self) -> bytes:
        out = bytearray()
        end: int | None = None
        for seq in sorted(self.segments):
            chunk = self.segments[seq]
            if end is not None and seq < end:  # a retransmission overlapping what is held
                chunk = chunk[end - seq :]
            out += chunk
            end = max(end or 0, seq + len(self.segments[seq]))
        return bytes(out)


def streams(path: Path) -> list[Stream]:
    """Every TCP stream with a payload in the capture at ``path``."""
    raw = path.read_bytes()
    magic = raw[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        order = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        order = ">"
    else:
        raise ValueError(f"{path} is not a pcap file")
    (linktype,) = struct.unpack(order + "I", raw[20:24])
    if linktype != ETHERNET:
        raise ValueError(f"{path}: link type {linktype}, not Ethernet")
    found: dict[tuple[tuple[str, int], tuple[str, int]], Stream] = {}
    at = 24
    while at + 16 <= len(raw):
        _, _, caplen, _ = struct.unpack(order + "IIII", raw[at : at + 16])
        frame = raw[at + 16 : at + 16 + caplen]
        at += 16 + caplen
        if len(frame) < 14 + 20 or struct.unpack("!H", frame[12:14])[0] != _IPV4:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        if ip[9] != _TCP:
            continue
        src_ip, dst_ip = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack("!HHI", tcp[:8])
        payload = tcp[(tcp[12] >> 4) * 4 :]
        if not payload:
            continue
        key = ((src_ip, sport), (dst_ip, dport))
        stream = found.setdefault(key, Stream(*key))
        stream.segments.setdefault(seq, payload)
    return list(found.values())


def unmasked_frames(data: bytes) -> bytes:
    """The payloads of the websocket frames in a client's stream (after its upgrade request),
    unmasked; b"" when the stream holds no websocket."""
    lower = data.lower()
    if b"upgrade: websocket" not in lower:
        return b""
    at = lower.index(b"\r\n\r\n", lower.index(b"upgrade: websocket")) + 4
    out = bytearray()
    while at + 2 <= len(data):
        second = data[at + 1]
        length, at = second & 0x7F, at + 2
        if length == 126:
            (length,) = struct.unpack("!H", data[at : at + 2])
            at += 2
        elif length == 127:
            (length,) = struct.unpack("!Q", data[at : at + 8])
            at += 8
        key = b""
        if second & 0x80:
            key, at = data[at : at + 4], at + 4
        payload = data[at : at + length]
        at += length
        if key:
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        out += payload + b"\n"
    return bytes(out)


def readable(stream: Stream) -> bytes:
    """What a listener reads in ``stream``: its bytes as they are, and any websocket frames in it
    unmasked."""
    data = stream.data()
    return data + b"\n" + unmasked_frames(data)
