"""tests/integration/test_chat.py with the host's storage on PostgreSQL (conftest's ``settings``)."""

from __future__ import annotations

from tests.integration.test_chat import *  # noqa: F403
