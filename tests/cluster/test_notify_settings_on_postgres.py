"""tests/integration/test_notify_settings.py with the host's storage on PostgreSQL (conftest's ``settings``)."""

from __future__ import annotations

from tests.integration.test_notify_settings import *  # noqa: F403
