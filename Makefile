# Developer loop: `make` builds .venv (scripts/build-venv.sh) and runs scripts/check.sh, as CI does
# (rustfmt, ruff format, clippy without and with the python feature, ruff, stubtest,
# cargo test, promtool, PostgreSQL, pytest, the thread-safety tests under several
# threads). CI (.ci/run -> scripts/test.sh) also installs the system packages and then
# checks the oldest supported LiteLLM, the release wheel and the container.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: all build check fmt lint stubs test bench
all: build check

build:
	VENV=$(VENV) bash scripts/build-venv.sh

check fmt lint stubs test: build
	VENV=$(VENV) bash scripts/check.sh $(if $(filter check,$@),all,$@)

bench: build
	$(PY) -m pip install --quiet ".[test]"
	$(PY) -m pytest benches --benchmark-enable --benchmark-only -q
