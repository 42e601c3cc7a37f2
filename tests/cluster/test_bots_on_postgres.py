"""tests/integration/test_bots.py with the host's storage on PostgreSQL (conftest's ``settings``)."""

from __future__ import annotations

from tests.integration.test_bots import *  # noqa: F403
from tests.integration.test_bots import _trust_the_host  # noqa: F401  (autouse, not in *)
