"""Import boundaries (STYLE.md §3, the backend-shape issue), read from the source with ast: nothing
is imported or run.

backend/ is layered: the composition root (app.py) wires transport (wire/) → web (web/) → chat rules
(chat/) → storage (storage/); plain modules (commands, protocol, fields, models, errors, ...) are
shared by all. These tests keep each layer to what it may know.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BACKEND = REPO / "backend"
WEB_FRAMEWORKS = {"flask", "flask_socketio", "socketio", "engineio", "werkzeug", "webview"}
FRAMEWORKS = WEB_FRAMEWORKS | {"gevent"}
# Plain-Python modules: rules, records, decoding, configuration; no framework, no event loop.
PLAIN = {
    "backend.commands",
    "backend.config",
    "backend.errors",
    "backend.fields",
    "backend.host_settings",
    "backend.json_text",
    "backend.models",
    "backend.netinfo",
    "backend.paths",
    "backend.protocol",
    "backend.ratelimit",
    "backend.secrets_store",
    "backend.version",
    "backend.discovery",
    "backend.storage.interface",
    "backend.storage.blobs",
    "backend.backup_folder",
    "backend.archive",
    "backend.offline",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Full dotted names of every module ``path`` imports, relative imports resolved."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base)
                if node.module:
                    names.add(f"{prefix}.{node.module}")
                else:  # from . import x: x may be a module of the package
                    names |= {f"{prefix}.{a.name}" for a in node.names}
            elif node.module:
                names.add(node.module)
                names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _roots(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def _backend() -> list[Path]:
    return sorted(BACKEND.rglob("*.py"))


def _in(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


ALL = _backend()
# The storage engines (issue 17 added PostgreSQL's).
ENGINES = ("backend.storage.sqlite", "backend.storage.postgres")
# The row groups both engines share: with the engines, the only packages that hold SQL.
SHARED_SQL = "backend.storage.sql"


@pytest.mark.parametrize("path", ALL, ids=_module_name)
def test_plain_modules_and_the_chat_rules_import_no_framework(path: Path) -> None:
    module = _module_name(path)
    if module in PLAIN or _in(module, "backend.chat", *ENGINES, SHARED_SQL):
        used = _roots(_imports(path)) & FRAMEWORKS
        assert not used, f"{module} must stay plain Python, imports {used}"


@pytest.mark.parametrize("path", ALL, ids=_module_name)
def test_the_chat_rules_see_storage_only_through_its_interface(path: Path) -> None:
    module = _module_name(path)
    if not _in(module, "backend.chat"):
        return
    imported = _imports(path)
    for name in imported:
        assert not _in(name, "backend.web", "backend.wire", "backend.app", "backend.server")
        if _in(name, "backend.storage"):
            assert _in(name, "backend.storage.interface", "backend.storage.blobs"), name
        # Nor through a shared module one step away (backup.py, which picks the engine, is
        # wired in by app.py; the chat rules use backup_folder.py).
        shared = REPO / (name.replace(".", "/") + ".py")
        if _in(name, "backend") and not _in(name, "backend.chat") and shared.is_file():
            reached = {n for n in _imports(shared) if _in(n, *ENGINES, SHARED_SQL)}
            assert not reached, f"{module} reaches a storage engine through {name}"
    assert not _roots(imported) & {"sqlite3", "psycopg"}


@pytest.mark.parametrize("path", ALL, ids=_module_name)
def test_only_the_storage_engines_speak_sql(path: Path) -> None:
    module = _module_name(path)
    imported = _imports(path)
    if not _in(module, "backend.storage.sqlite"):
        assert "sqlite3" not in _roots(imported), f"{module} imports sqlite3"
    if not _in(module, "backend.storage.postgres"):
        assert "psycopg" not in _roots(imported), f"{module} imports psycopg"
    if not _in(module, *ENGINES, SHARED_SQL):
        source = path.read_text(encoding="utf-8")
        for keyword in ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE"):
            assert keyword not in source, f"{module} holds SQL ({keyword.strip()})"
    if _in(module, "backend.web"):
        assert not any(_in(n, *ENGINES, SHARED_SQL, "backend.storage.worker") for n in imported)


@pytest.mark.parametrize("path", ALL, ids=_module_name)
def test_the_shared_row_groups_know_no_engine(path: Path) -> None:
    """The engines supply what differs (their Dialect); the shared SQL never reaches into one."""
    module = _module_name(path)
    if _in(module, SHARED_SQL):
        reached = {n for n in _imports(path) if _in(n, *ENGINES)}
        assert not reached, f"{module} imports {reached}"


@pytest.mark.parametrize("path", ALL, ids=_module_name)
def test_nothing_but_the_composition_root_imports_the_fast_path(path: Path) -> None:
    module = _module_name(path)
    if module == "backend.app" or _in(module, "backend.wire"):
        return
    wire = {n for n in _imports(path) if _in(n, "backend.wire")}
    assert not wire, f"{module} imports {wire}"


@pytest.mark.parametrize("path", ALL, ids=_module_name)
def test_only_the_server_thread_modules_import_gevent(path: Path) -> None:
    if "gevent" in _roots(_imports(path)):
        assert _module_name(path) in {
            "backend.server",
            "backend.connections",
            "backend.storage.worker",
            "backend.offload",
            "backend.wire.cluster",  # the message queue's threads hand messages to the hub
        }


@pytest.mark.parametrize("path", ALL, ids=_module_name)
def test_flask_request_globals_only_in_web(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in {"flask", "flask_socketio"}
        for alias in node.names
    }
    if used & {"request", "session", "g", "current_app", "emit", "join_room"}:
        assert _in(_module_name(path), "backend.web")


def test_desktop_uses_only_the_public_backend_api() -> None:
    allowed_third_party = {"backend", "webview", "gi", "desktop"}
    stdlib = set(sys.stdlib_module_names)
    for path in (REPO / "desktop").rglob("*.py"):
        names = {n for n in _imports(path) if not n.startswith("desktop.")}
        backend_names = {n.partition(".")[2] for n in names if n.startswith("backend.")}
        public = {"Settings", "start_server", "ServerHandle", "DEFAULT_PORT", "__version__"}
        public |= {"LogBudget"}
        public |= {"build_arg_parser", "settings_from_args"}
        public |= {"make_backup", "restore_backup", "BackupError"}
        public |= {"export_data_dir", "import_data_dir", "ChatError"}
        public |= {"StorageUnreachable"}
        public |= {
            "join_lines",
            "fingerprint_groups",
            "fingerprint_of_der",
            "normalize_fingerprint",
        }
        assert backend_names <= public, f"{path}: backend internals {backend_names - public}"
        allowed = allowed_third_party
        if path.is_relative_to(REPO / "desktop" / "cli"):
            # The command-line client is a Socket.IO client of the host (docs/protocol.md, over
            # websocket-client) keeping its logins in the user config dir; the app itself never is.
            allowed = allowed | {"socketio", "platformdirs"}
        foreign = _roots(names) - allowed - stdlib - {"__future__"}
        assert not foreign, f"{path} imports {foreign}"
