"""Run a blocking call (network probes, file walks) on gevent's thread pool, not on the hub.

Nothing is monkey-patched, so a blocking call made on the hub would stall every client. The calling
greenlet waits cooperatively while a pool thread does the work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import gevent

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def blocking(fn: Callable[..., T], *args: object) -> T:
    return gevent.get_hub().threadpool.apply(fn, args)  # type: ignore[no-any-return]


class Pending(Protocol[T_co]):
    def get(self) -> T_co: ...


def start(fn: Callable[..., T], *args: object) -> Pending[T]:
    """Like ``blocking``, but return at once; ``.get()`` waits for the result (or raises)."""
    return gevent.get_hub().threadpool.spawn(fn, *args)  # type: ignore[no-any-return]
