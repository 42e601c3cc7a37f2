"""One shape for every HTTP error the host sends: ``{"ok": false, "error": {code, message, data?}}``.

The same error object as a Socket.IO ack (docs/protocol.md, "Error codes"), with the HTTP status
that says the same thing to a program that reads only the status. The chat rules raise ``ChatError``s
and know nothing of HTTP; this is where a code becomes a status.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..errors import ChatError, ContentMismatch, ErrorCode, Invalid

STATUS = {
    ErrorCode.INVALID: 400,
    ErrorCode.BAD_TOKEN: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.STORAGE_FULL: 507,
}


class LengthRequired(Invalid):
    """A request body of unknown length where the host must know it before reading."""


class WrongHost(ChatError):
    """The Host header names something other than this host (DNS rebinding guard)."""

    code = ErrorCode.FORBIDDEN


# Refusals whose meaning HTTP has a more exact status for than their code's.
_STATUS_OF_KIND: dict[type[ChatError], int] = {
    ContentMismatch: 422,
    LengthRequired: 411,
    WrongHost: 421,
}


def status_of(exc: ChatError) -> int:
    for kind, status in _STATUS_OF_KIND.items():
        if isinstance(exc, kind):
            return status
    return STATUS.get(exc.code, 400)


def body(code: str, message: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data:
        error["data"] = data
    return {"ok": False, "error": error}


def chat_error(exc: ChatError) -> tuple[dict[str, Any], int, dict[str, str]]:
    """(body, status, headers) for a refusal."""
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    retry_after = exc.data.get("retry_after")
    if status == 429 and isinstance(retry_after, int | float):
        headers["Retry-After"] = str(max(1, math.ceil(retry_after)))  # whole seconds (RFC 9110)
    return {"ok": False, "error": exc.to_wire()}, status, headers


def encoded(exc: ChatError) -> tuple[bytes, int]:
    """The body as bytes and the status, for WSGI middleware that answers before Flask does."""
    payload, status, _ = chat_error(exc)
    return json.dumps(payload).encode(), status
