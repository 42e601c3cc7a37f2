# Parley: `make run` sets everything up and runs the app; `make test` sets everything up and runs
# every test. Both work on a fresh Debian 12 machine: as root they install missing Debian packages,
# otherwise they print the exact `sudo apt-get` line and stop.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

# Debian packages, by what needs them. The python3 ones matter only on a machine whose python3
# is Debian's own (it ships without venv/headers); they are cheap and harmless elsewhere.
DEB_BASE := python3-venv python3-dev build-essential
# --- desktop (issue 4): PyGObject builds against these; WebKitGTK 4.1 is loaded at run time.
DEB_DESKTOP := gir1.2-webkit2-4.1 libgirepository1.0-dev libcairo2-dev pkg-config
# --- tests: a real browser, a real X server, and tools to look at and drive windows; an emoji
# font, which desktops have and minimal machines lack, so screenshots show reactions and avatars.
# A private session bus (dbus-run-session) with python-dbusmock's notification server for the
# desktop notification tests (tests/desktop/session_bus.py): Debian's, since dbusmock needs
# dbus-python, which a venv would have to compile.
DEB_TEST := chromium xvfb xdotool imagemagick fonts-noto-color-emoji dbus python3-dbusmock
# --- LAN tests (issue 5): network namespaces; (issue 16) a capture of a chat between them.
DEB_LAN := iproute2 tcpdump
# --- cluster tests (issue 17, tests/cluster): throwaway PostgreSQL and Redis servers the tests start
# themselves (temp dirs, free ports; the fixture also installs them when missing).
DEB_CLUSTER := postgresql redis-server haproxy

.PHONY: help run host test lint test-py test-stock test-ui bench package clean deb-run deb-test venv venv-dev ui

help:
	@echo "make run    - set up and run Parley (a window; headless with no display)"
	@echo "make host   - set up and run the headless host only"
	@echo "make package - build dist/parley (one file) and the .deb"
	@echo "make test   - set up and run every test"
	@echo "make bench  - run the benchmarks and rewrite docs/benchmarks.md"

# Install missing Debian packages when root, else print the exact command and stop.
define ensure_debs
missing=""; for p in $(1); do \
  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ]; then \
    echo "Installing Debian packages:$$missing"; \
    apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
  else \
    echo "Parley needs these Debian packages. Run:"; \
    echo "  sudo apt-get install -y$$missing"; \
    exit 1; \
  fi; \
fi
endef

deb-run:
	@$(call ensure_debs,$(DEB_BASE) $(DEB_DESKTOP))

deb-test: deb-run
	@$(call ensure_debs,$(DEB_TEST) $(DEB_LAN) $(DEB_CLUSTER))

$(VENV)/.runtime: requirements.txt | deb-run
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

# --- UI (issue 3) builds ui/dist here. `npm ci` only when node_modules is missing or the lockfile
# changed (its stamp is older); the build only when a source file changed.
UI_SRC := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json
ui/node_modules/.installed: ui/package.json ui/package-lock.json
	npm --prefix ui ci --no-audit --no-fund
	touch $@

ui/dist/index.html: ui/node_modules/.installed $(UI_SRC)
	npm --prefix ui run build
	touch $@

ui: ui/dist/index.html

# A window when there is a display; otherwise the desktop app serves headless by itself.
run: venv ui
	$(PY) -m desktop $(ARGS)

host: venv ui
	$(PY) -m backend $(ARGS)

test: deb-test venv-dev ui lint test-py test-stock test-ui

# Lint, format and types (STYLE.md §8): ruff with .ruff.toml and mypy --strict on backend/; ESLint
# on the UI (ui/eslint.config.js: TypeScript, the hooks rules, features only through their index).
lint: venv-dev ui/node_modules/.installed
	$(BIN)/ruff check backend desktop tests bench
	$(BIN)/ruff format --check backend desktop tests bench
	$(BIN)/mypy --strict --ignore-missing-imports --python-version 3.11 backend
	npm --prefix ui run lint

# PYTEST_ARGS narrows a run, e.g. `make test-py PYTEST_ARGS="tests/unit -x"`.
test-py: venv-dev ui
	$(PY) -m pytest -c tests/pytest.ini --rootdir=. $(PYTEST_ARGS)

# The integration tests once more with the host on stock python-engineio (its websocket fast path
# off, as it also is by itself on library versions it was not written for: backend/wire/install.py).
test-stock: venv-dev ui
	PARLEY_FASTPATH=0 $(PY) -m pytest -c tests/pytest.ini --rootdir=. tests/integration

# --- UI unit tests (issue 3): Vitest (jsdom) and the TypeScript strict check.
test-ui: ui/node_modules/.installed
	npm --prefix ui run typecheck
	npm --prefix ui test

# The reference servers and the load generator (bench/reference, bench/loadgen): `npm ci` when
# node_modules is missing or older than the lockfile.
bench: venv-dev ui
	for d in bench/reference bench/loadgen; do \
	  [ $$d/node_modules/.package-lock.json -nt $$d/package-lock.json ] || npm --prefix $$d ci --no-audit --no-fund; \
	done
	$(PY) -m bench

# --- desktop (issue 4): the one-file binary and the .deb, both into dist/.
package: venv-dev ui
	$(PY) -m desktop.packaging.build_binary dist
	$(PY) -m desktop.packaging.build_deb dist/parley dist

clean:
	rm -rf $(VENV) ui/dist ui/node_modules build dist .pytest_cache
