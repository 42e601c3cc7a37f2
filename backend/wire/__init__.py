"""The host's websocket fast path: frames in and out, plain events, one frame per broadcast.

Only the composition root (``app.py``) imports this package, through ``install.install``, which
falls back to stock python-engineio when the fast path does not fit the installed libraries.
"""
