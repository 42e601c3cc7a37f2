"""Import boundaries (STYLE.md §3), read from the source with ast: nothing is imported or run."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FRAMEWORKS = {"flask", "flask_socketio", "socketio", "engineio", "gevent", "webview", "werkzeug"}
# Plain-Python domain modules: rules and records, no framework, no event loop.
DOMAIN = {
    "service",
    "presence",
    "models",
    "storage",
    "ratelimit",
    "validate",
    "errors",
    "protocol",
    "secrets_store",
    "config",
    "netinfo",
    "version",
    "paths",
    "admin",
    "mentions",
    "search_query",
    "files",
    "wire_json",
}


def _imports(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports (relative imports as backend.X)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = path.parent.name
                base = f"{package}.{node.module}" if node.module else package
                names |= {base} if node.module else {f"{package}.{a.name}" for a in node.names}
            elif node.module:
                names.add(node.module)
    return names


def _roots(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def _modules(package: str) -> list[Path]:
    return sorted((REPO / package).glob("*.py"))


@pytest.mark.parametrize("path", _modules("backend"), ids=lambda p: p.name)
def test_domain_modules_import_no_framework(path: Path) -> None:
    if path.stem in DOMAIN:
        assert not _roots(_imports(path)) & FRAMEWORKS, f"{path.name} must stay plain Python"


@pytest.mark.parametrize("path", _modules("backend"), ids=lambda p: p.name)
def test_only_storage_speaks_sql(path: Path) -> None:
    if path.stem != "storage":
        assert "sqlite3" not in _roots(_imports(path))


@pytest.mark.parametrize("path", _modules("backend"), ids=lambda p: p.name)
def test_only_the_server_thread_modules_import_gevent(path: Path) -> None:
    if "gevent" in _roots(_imports(path)):
        assert path.stem in {"server", "db_worker", "offload"}


@pytest.mark.parametrize("path", _modules("backend"), ids=lambda p: p.name)
def test_flask_request_globals_only_in_transport(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in {"flask", "flask_socketio"}
        for alias in node.names
    }
    if used & {"request", "session", "g", "current_app", "emit", "join_room"}:
        assert path.stem in {"routes", "file_routes", "events"}


def test_desktop_uses_only_the_public_backend_api() -> None:
    allowed_third_party = {"backend", "webview", "gi", "desktop"}
    stdlib = set(sys.stdlib_module_names)
    for path in (REPO / "desktop").rglob("*.py"):
        names = _imports(path)
        assert not {n for n in names if n.startswith("backend.")}, f"{path}: backend internals"
        foreign = _roots(names) - allowed_third_party - stdlib - {"__future__"}
        assert not foreign, f"{path} imports {foreign}"
