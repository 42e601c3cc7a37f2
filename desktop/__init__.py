"""Parley's desktop app: a native window over the embedded host, or a headless host without a screen.

It talks to the host only through the public ``backend`` API (start, stop, URLs) and reaches the chat
by URL like any browser. Nothing here imports Flask, Socket.IO or gevent.
"""
