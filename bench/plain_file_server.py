"""The baseline for bench/files.py: the plainest HTTP file server the standard library gives.

``python -m bench.plain_file_server DIR`` serves DIR on 127.0.0.1 (a free port, printed on the
first line of stdout):

- ``GET /<name>``: Python's ``http.server.SimpleHTTPRequestHandler`` as is (a static file server).
- ``PUT /<anything>``: reads Content-Length bytes in 1 MiB blocks, writes them to ``DIR/upload``,
  fsyncs once at the end (so the upload is on disk when answered, as Parley's are), answers 201.
  No hashing, no chunking, no auth.
"""

from __future__ import annotations

import functools
import os
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

BLOCK = 1024 * 1024


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self) -> None:  # noqa: N802 (http.server's naming)
        left = int(self.headers["Content-Length"])
        with open(os.path.join(self.directory, "upload"), "wb") as out:
            while left > 0:  # bounded by Content-Length
                block = self.rfile.read(min(BLOCK, left))
                if not block:
                    break
                out.write(block)
                left -= len(block)
            out.flush()
            os.fsync(out.fileno())
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main() -> None:
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1])
    )
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
