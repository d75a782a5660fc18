# Two set-up commands for a fresh clone: `make book` and `make test`. Both create .venv on first use.
SHELL := bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
# nbgrader runs `alembic` by name to create its gradebook, so the venv's bin/ must come first on PATH.
export PATH := $(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: book test exercises clean

# The machine's pip config lists local index folders that lack most packages: that noise is filtered out.
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --requirement requirements.txt 2>&1 | { grep -v "is ignored: it is neither" || true; }
	$(BIN)/python -m pip check
	touch $@

## make book: build the website into _build/html, executing every chapter (cached between builds).
book: $(VENV)/.installed
	$(BIN)/jupyter-book build . --warningiserror --keep-going

## make test: the whole pytest suite.
test: $(VENV)/.installed
	$(BIN)/python -m pytest tests

## make exercises: regenerate exercises/ (the student release) from solutions/ with nbgrader.
exercises: $(VENV)/.installed
	$(BIN)/python -m autograder release

clean:
	rm -rf _build grading
