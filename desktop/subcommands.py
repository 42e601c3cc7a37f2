"""The ``parley`` program's subcommands: ``parley <command> …`` runs one command and exits.

``parley`` alone, or with flags only (``parley --headless``), is the app (main.py). A word first is
a command: each entry below names the module under ``desktop/cli/`` that holds it, imported only
when that command runs (the app's start pays nothing for them), and a one-line summary for
``parley help``. A command module has ``main(argv: list[str]) -> int``.

Exit codes, the same for every command so scripts can rely on them: 0 done; 1 the command failed
and said why on stderr; 2 the command line was wrong (argparse's own code); 3 the host presented
another TLS key than the one pinned for it (``fingerprint_mismatch``: someone may be in the middle).
"""

from __future__ import annotations

import importlib
import sys
from typing import TextIO

# name → (module under desktop/cli, summary). Order is the order ``parley help`` lists them in.
COMMANDS: dict[str, tuple[str, str]] = {}
# The chat client (desktop/cli/client.py): a host's saved login, then the protocol's commands.
COMMANDS |= {
    "join": ("join", "join a host (invite link or URL) and save the login"),
    "send": ("send", "send a message to a room"),
    "tail": ("tail", "print a room's last messages; --follow for new ones"),
    "upload": ("upload", "send a file to a room"),
    "download": ("download", "download a file by its id"),
    "search": ("search", "search the messages of your rooms"),
    "rooms": ("rooms", "list the rooms"),
    "whoami": ("whoami", "show who the saved login signs in as"),
}
# The host's data (backend/backup.py), from its data dir: the host may be running.
COMMANDS |= {
    "backup": ("backup", "back up a host's data (it may be running) into a dated folder"),
    "restore": ("restore", "restore a backup into a new data folder"),
}
# History as a zip for people and other tools (docs/export.md), and back.
COMMANDS |= {
    "export": ("export", "export history, users, rooms and files as a zip (docs/export.md)"),
    "import": ("import_", "import an export zip back into Parley (twice changes nothing)"),
}


def find(argv: list[str]) -> str | None:
    """The command ``argv`` asks for, or None when it is the app's own command line."""
    if argv and (argv[0] in COMMANDS or argv[0] == "help"):
        return argv[0]
    return None


def run(name: str, argv: list[str], out: TextIO | None = None) -> int:
    if name == "help":
        print(help_text(), file=out or sys.stdout)
        return 0
    module_name, _ = COMMANDS[name]
    module = importlib.import_module(f"desktop.cli.{module_name}")
    code: int = module.main(argv)
    return code


def help_text() -> str:
    lines = [
        "usage: parley [flags]            run the app (a window; headless with no display)",
        "       parley COMMAND [args]     run one command; parley COMMAND --help for its arguments",
        "",
        "commands:",
    ]
    width = max((len(name) for name in COMMANDS), default=4)
    lines += [f"  {name:<{width}}  {summary}" for name, (_, summary) in COMMANDS.items()]
    lines.append("")
    lines.append("exit codes: 0 done, 1 failed (the reason is on stderr), 2 wrong command line,")
    lines.append("            3 the host's key is not the one pinned for it (fingerprint_mismatch)")
    return "\n".join(lines)
