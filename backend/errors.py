"""Errors a person can read and a program can branch on.

Every refusal the host sends travels as ``{"code", "message", "data"?}`` (see docs/protocol.md).
Domain code raises these; the transport turns them into acks, connect refusals or HTTP errors.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID = "invalid"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    # Connect refusals.
    BAD_CODE = "bad_code"
    NAME_TAKEN = "name_taken"
    BAD_TOKEN = "bad_token"
    # A sign-in link that is unknown, used, expired, or (the console's) opened from elsewhere.
    BAD_LINK = "bad_link"
    # The host cannot store anything right now (its disk is full); nothing stored was harmed.
    STORAGE_FULL = "storage_full"


class ChatError(Exception):
    """A refusal with a machine code, a human sentence and optional data."""

    code: ErrorCode = ErrorCode.INVALID

    def __init__(self, message: str, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.data = data

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"code": str(self.code), "message": self.message}
        if self.data:
            wire["data"] = self.data
        return wire


class Invalid(ChatError):
    code = ErrorCode.INVALID


class TooLarge(ChatError):
    code = ErrorCode.TOO_LARGE


class RateLimited(ChatError):
    code = ErrorCode.RATE_LIMITED


class NotFound(ChatError):
    code = ErrorCode.NOT_FOUND


class Forbidden(ChatError):
    code = ErrorCode.FORBIDDEN


class Conflict(ChatError):
    code = ErrorCode.CONFLICT


class BadCode(ChatError):
    code = ErrorCode.BAD_CODE


class NameTaken(ChatError):
    code = ErrorCode.NAME_TAKEN


class BadToken(ChatError):
    code = ErrorCode.BAD_TOKEN


class BadLink(ChatError):
    code = ErrorCode.BAD_LINK


class ContentMismatch(Invalid):
    """What arrived is not what was announced (a file whose SHA-256 differs): send it again."""


class StorageFull(ChatError):
    """The host's disk is full: what was asked was not stored (what was stored before is safe)."""

    code = ErrorCode.STORAGE_FULL

    def __init__(self, message: str = "", **data: Any) -> None:
        super().__init__(
            message
            or "The host's disk is full, so this was not saved. Nothing saved before was lost; "
            "try again once the host has space.",
            **data,
        )


class StorageUnreachable(Exception):
    """The configured database server cannot be reached (or refused the login): said in one
    sentence by the commands, without the password (storage/postgres/store.py)."""
