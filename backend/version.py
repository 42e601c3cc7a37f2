"""Parley's version, shown to peers in ``welcome`` and ``/api/info``."""

__version__ = "0.1.0"
