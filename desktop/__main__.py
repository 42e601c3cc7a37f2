"""``python -m desktop``: the same entry point as the frozen ``parley`` binary."""

from __future__ import annotations

import sys

from desktop import subcommands
from desktop.main import exit_process, main, skip_client_only_modules

if subcommands.find(sys.argv[1:]) is None:  # commands may be clients themselves
    skip_client_only_modules()
exit_process(main())
