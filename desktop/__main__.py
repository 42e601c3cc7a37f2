"""``python -m desktop``: the same entry point as the frozen ``parley`` binary."""

from __future__ import annotations

import sys

from desktop.main import main

sys.exit(main())
