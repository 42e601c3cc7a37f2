"""tests/integration/test_unread.py with the host's storage on PostgreSQL (conftest's ``settings``)."""

from __future__ import annotations

from tests.integration.test_unread import *  # noqa: F403
