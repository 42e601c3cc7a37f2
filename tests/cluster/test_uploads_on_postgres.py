"""tests/integration/test_uploads.py with the host's storage on PostgreSQL (conftest's ``settings``)."""

from __future__ import annotations

from tests.integration.test_uploads import *  # noqa: F403
