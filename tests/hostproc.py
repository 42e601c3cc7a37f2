"""Run ``python -m backend`` as a real child process (for crash and restart tests)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import FASTPATH

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0


class HostProcess:
    """A headless host (127.0.0.1, discovery off by default); ``url`` once it prints its banner."""

    def __init__(
        self,
        data_dir: Path,
        *args: str,
        port: int = 0,
        env: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        prefix: list[str] | None = None,
        discovery: bool = False,
    ) -> None:
        # discovery=True only inside a network namespace the test made (tests/lan): never on the
        # machine's real interfaces.
        cmd = [
            *(prefix or []),
            sys.executable,
            "-m",
            "backend",
            "--host",
            host,
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            *args,
            *([] if discovery else ["--no-discovery"]),
        ]
        self.output: list[str] = []
        mode = {"PARLEY_FASTPATH": "1" if FASTPATH else "0"}  # this run's transport (conftest)
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **mode, **(env or {})},
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(lines,), daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        self.url = ""
        while not self.url:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.kill()
                raise RuntimeError("host did not start:\n" + "".join(self.output)) from None
            if line.startswith("On this machine: "):
                self.url = line.split(": ", 1)[1].strip()

    def _pump(self, lines: queue.Queue[str]) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            lines.put(line)

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as in a crash or a pulled plug of the process."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        """SIGTERM and wait: returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(15)
