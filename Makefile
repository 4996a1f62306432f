# Developer loop: `make` runs format checks, build, lint, stub check and tests.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: all venv build fmt lint stubs test bench
all: fmt build lint stubs test

venv:
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet "maturin>=1.9.4,<2"

build: venv
	$(PY) -m pip install --quiet -e ".[test,dev,test-integrations]"

fmt:
	cargo fmt --check

lint: build
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --features python -- -D warnings
	$(VENV)/bin/ruff check python tests benches
	$(VENV)/bin/ruff format --check python tests benches

stubs: build
	$(PY) -m mypy.stubtest claude_pm._core

test: build
	cargo test
	$(PY) -m pytest -q

bench: venv
	$(PY) -m pip install --quiet ".[test]"
	$(PY) -m pytest benches --benchmark-enable --benchmark-only -q
