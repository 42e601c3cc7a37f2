"""Run a blocking call (disk I/O, network probes, file walks) on gevent's thread pool, not on the
hub.

Nothing is monkey-patched, so a blocking call made on the hub would stall every client. The calling
greenlet waits cooperatively while a pool thread does the work. What the call raises is carried
back and raised in the calling greenlet: gevent's pool would print a traceback for it first, and
many such errors are answers, not bugs (a wrong upload offset, a full disk), which any peer could
otherwise repeat to fill the log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import gevent

T = TypeVar("T")


class _Raised:
    """An exception on its way back from a pool thread."""

    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _call(fn: Callable[..., Any], args: tuple[object, ...]) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 (every error is the caller's to handle)
        return _Raised(exc)


def _unwrap(result: Any) -> Any:
    if isinstance(result, _Raised):
        raise result.exc
    return result


def blocking(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` on the pool; its result, or what it raised."""
    return _unwrap(gevent.get_hub().threadpool.apply(_call, (fn, args)))  # type: ignore[no-any-return]


class Pending(Generic[T]):
    """A call running on the pool; ``get()`` waits for its result (or raises its error)."""

    def __init__(self, result: Any) -> None:
        self._result = result

    def get(self) -> T:
        return _unwrap(self._result.get())  # type: ignore[no-any-return]


def start(fn: Callable[..., T], *args: object) -> Pending[T]:
    """Like ``blocking``, but return at once; ``.get()`` waits for the result (or raises)."""
    return Pending(gevent.get_hub().threadpool.spawn(_call, fn, args))
