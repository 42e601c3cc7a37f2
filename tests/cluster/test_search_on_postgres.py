"""tests/integration/test_search.py with the host's storage on PostgreSQL (conftest's ``settings``)."""

from __future__ import annotations

from tests.integration.test_search import *  # noqa: F403
