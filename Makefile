# From a fresh clone: `make setup` (students), `make book` and `make test` (developers, CI). Each creates .venv on first use.
SHELL := bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
# nbgrader runs `alembic` by name to create its gradebook, so the venv's bin/ must come first on PATH.
export PATH := $(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup book catalogues test test-site exercises system-packages node-packages clean

# Debian packages the tests use: bubblewrap for the grading sandbox, chromium (+ driver, + a font with
# Korean glyphs) for the browser test of the site. Installed only where we are root and they are missing;
# elsewhere the tests that need them are skipped with a message saying so.
SYSTEM_PACKAGES := bubblewrap chromium chromium-driver fonts-noto-cjk

# The machine's pip config lists local index folders that lack most packages: that noise is filtered out.
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --requirement requirements.txt 2>&1 | { grep -v "is ignored: it is neither" || true; }
	$(BIN)/python -m pip check
	touch $@

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done | xargs); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "note: not installing $$missing (needs root and apt-get); tests that need them will be skipped"; fi

# axe-core, which the browser test runs on the grader's pages: tests/site/package.json, its exact version and
# checksum in package-lock.json, installed from npm into tests/site/node_modules (git ignores it) by `npm ci`.
# Where npm is missing, the tests that need it are skipped with a message saying so.
AXE := tests/site/node_modules/axe-core/axe.min.js
$(AXE): tests/site/package.json tests/site/package-lock.json
	cd tests/site && npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-packages:
	@if command -v npm >/dev/null; then $(MAKE) -s --no-print-directory $(AXE); \
	else echo "note: not installing axe-core (needs npm); the accessibility checks will be skipped"; fi

## make setup: a student's set-up: .venv with requirements.txt, nothing else (no system packages, no tests).
setup: $(VENV)/.installed
	@echo "Set up. Next: source $(VENV)/bin/activate && jupyter lab exercises/a01_rnn_forward/a01_rnn_forward.ipynb"

## make book: build the website, English into _build/html and Korean into _build/html/ko, executing every
## chapter once (cached between builds). Chapters not in the cache are first executed two at a time
## (book/_ext/prefill_cache.py); both editions then find them all cached.
book: $(VENV)/.installed
	$(BIN)/python book/_ext/editions.py notebooks
	$(BIN)/python book/_ext/prefill_cache.py
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	$(BIN)/python book/_ext/editions.py ko

## make catalogues: after an English edit, refresh the translation catalogues in locale/ (locale/README.md).
catalogues: $(VENV)/.installed
	$(BIN)/python book/_ext/prefill_cache.py
	$(BIN)/python book/_ext/editions.py catalogues
	$(BIN)/python book/_ext/catalogue_check.py || true
	$(BIN)/python book/_ext/termbase.py || true

## make test: the linter (ruff, pyflakes rules: pyproject.toml), then the whole pytest suite but the browser
## test of the site (that is make test-site).
test: $(VENV)/.installed system-packages
	$(BIN)/ruff check .
	$(BIN)/python -m pytest tests --ignore=tests/site

## make test-site: build the site, then test it in a headless browser with no network (and the grader's pages
## with axe-core's WCAG 2 A/AA rules).
test-site: book system-packages node-packages
	$(BIN)/python -m pytest tests/site

## make exercises: regenerate exercises/ (the student release) from solutions/ with nbgrader.
exercises: $(VENV)/.installed
	$(BIN)/python -m autograder release

clean:
	rm -rf _build grading
