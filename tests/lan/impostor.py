"""A man in the middle: a TLS server with a key of its own, on the address a client pinned.

Run as ``ip netns exec NS python -m tests.lan.impostor PORT DIR``. Its certificate is made the way
a Parley host makes its own (backend/tls.py, so it looks the part: same kind of key, same names)
but from a fresh key. It prints ``listening <fingerprint>``, then one JSON line per connection
once it ends: the peer, whether the handshake completed, and every byte the client wrote (what an
impostor would have learned: a join code, a device token). A client that writes a request gets an
HTTP answer, so a careless client goes on talking.
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
import threading
from pathlib import Path

from backend.tls import load_or_make

READ_FOR = 3.0  # how long a connection may stay silent before the impostor gives up on it
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
_print_lock = threading.Lock()


def _serve(conn: socket.socket, peer: tuple[str, int], context: ssl.SSLContext) -> None:
    record: dict[str, object] = {"peer": peer[0], "handshake": False, "received": ""}
    received = b""
    try:
        conn.settimeout(READ_FOR)
        with context.wrap_socket(conn, server_side=True) as tls:
            record["handshake"] = True
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                received += chunk
                if b"\r\n\r\n" in received:
                    tls.sendall(ANSWER)
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()
    record["received"] = received.decode("latin-1")
    with _print_lock:
        print(json.dumps(record), flush=True)


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    identity = load_or_make(folder, ["localhost"], [])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(identity.cert_path, identity.key_path)
    server = socket.create_server(("0.0.0.0", port), reuse_port=False)
    print(f"listening {identity.fingerprint}", flush=True)
    while True:
        conn, peer = server.accept()
        threading.Thread(target=_serve, args=(conn, peer, context), daemon=True).start()


if __name__ == "__main__":
    main()
