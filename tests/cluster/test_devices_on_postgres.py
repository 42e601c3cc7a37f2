"""tests/integration/test_devices.py with the host's storage on PostgreSQL (conftest's ``settings``)."""

from __future__ import annotations

from tests.integration.test_devices import *  # noqa: F403
