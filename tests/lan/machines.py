"""What the LAN tests run on their machines: the agent (tests/lan/agent.py) in a namespace, a
headless host, chromium, and what a person reads off a host to trust it (its fingerprint)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from backend.tls import from_files, normalize_fingerprint
from tests.hostproc import HostProcess
from tests.lan.netns import Lan, Machine

REPO = Path(__file__).resolve().parents[2]
CODE = "31415926"
PORT = 7275
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


class AgentProc:
    """tests/lan/agent.py running inside one machine's namespace."""

    def __init__(self, machine: Machine) -> None:
        self.proc = subprocess.Popen(
            machine.cmd(sys.executable, "-m", "tests.lan.agent"),
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._answers: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._answers.put(line)

    def do(self, op: str, timeout: float = 60.0, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        try:
            answer: dict[str, Any] = json.loads(self._answers.get(timeout=timeout))
        except queue.Empty:
            raise AssertionError(f"agent gave no answer to {op} within {timeout}s") from None
        assert answer["ok"], answer
        return answer

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.do("quit", timeout=5)
            except (AssertionError, OSError, ValueError):
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_host(
    lan: Lan, letter: str, data: Path, name: str, *args: str, code: str = CODE
) -> HostProcess:
    """A headless host on ``letter``'s machine, every address, discovery on (inside the LAN)."""
    return HostProcess(
        data,
        "--join-code",
        code,
        "--name",
        name,
        *args,
        host="0.0.0.0",
        port=PORT,
        prefix=["ip", "netns", "exec", lan.machines[letter].name],
        discovery=True,
    )


def fingerprint(host: HostProcess) -> str:
    """The key's fingerprint as the host's banner shows it to its owner (its invite link's ``fp=``),
    checked against the groups on the Fingerprint line: what a person compares and an app pins."""
    link = next(line for line in host.output if line.startswith("Invite link: "))
    fp = link.rsplit("fp=", 1)[1].strip()
    shown = next(line for line in host.output if line.startswith("Fingerprint: "))
    assert normalize_fingerprint(shown.split(": ", 1)[1]) == fp, (link, shown)
    return fp


def spki_list(*data_dirs: Path) -> str:
    """chromium's ``--ignore-certificate-errors-spki-list`` for these hosts' keys: what a person
    who accepted the browser's warning for exactly these hosts amounts to."""
    hashes = [from_files(d / "tls-cert.pem", d / "tls-key.pem").spki_sha256_b64 for d in data_dirs]
    return "--ignore-certificate-errors-spki-list=" + ",".join(hashes)


def chromium_in(machine: Machine, tmp_path: Path) -> str:
    """A wrapper that starts Debian's chromium inside ``machine``; Playwright talks to it by pipe."""
    binary = next(
        p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if os.access(p, os.X_OK)
    )
    wrapper = tmp_path / f"chromium-{machine.name}"
    wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {machine.name} {binary} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)
