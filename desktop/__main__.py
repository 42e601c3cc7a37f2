"""``python -m desktop``: the same entry point as the frozen ``parley`` binary."""

from __future__ import annotations

from desktop.main import exit_process, main, skip_client_only_modules

skip_client_only_modules()
exit_process(main())
