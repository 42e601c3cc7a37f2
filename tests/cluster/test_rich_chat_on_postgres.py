"""tests/integration/test_rich_chat.py with the host's storage on PostgreSQL (conftest's ``settings``)."""

from __future__ import annotations

from tests.integration.test_rich_chat import *  # noqa: F403
