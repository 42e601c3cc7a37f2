"""tests/integration/test_profiles.py with the host's storage on PostgreSQL (conftest's ``settings``)."""

from __future__ import annotations

from tests.integration.test_profiles import *  # noqa: F403
