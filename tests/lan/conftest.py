"""The desktop tests' X server and UI, for the window that runs inside a namespace (test_lan.py)."""

from tests.desktop.conftest import ui_dist, xvfb  # noqa: F401  (fixtures: pytest finds them by name)
