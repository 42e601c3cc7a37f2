"""``parley COMMAND``: a word first runs one command and exits; flags alone are the app."""

from __future__ import annotations

from tests.desktop.parley_cli import parley


def test_help_lists_the_commands_and_starts_nothing() -> None:
    done = parley("help")
    assert done.returncode == 0, done.stderr
    assert "usage: parley [flags]" in done.stdout
    assert "commands:" in done.stdout
    assert "exit codes: 0 done" in done.stdout
    assert "serving" not in done.stdout  # no host was started


def test_the_apps_help_points_at_the_commands() -> None:
    done = parley("--help")
    assert done.returncode == 0
    assert "`parley help` lists them" in done.stdout


def test_an_unknown_word_is_a_usage_error() -> None:
    done = parley("no-such-command")
    assert done.returncode == 2
    assert "unrecognized arguments: no-such-command" in done.stderr
