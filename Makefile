# Developer loop: `make` builds .venv and runs scripts/check.sh, the same checks CI runs
# (rustfmt, ruff format, clippy without and with the python feature, ruff, stubtest,
# cargo test, promtool, PostgreSQL, pytest, the thread-safety tests under several
# threads). CI (.ci/run -> scripts/test.sh) also installs the system packages and then
# checks the oldest supported LiteLLM, the release wheel and the container.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: all venv build check fmt lint stubs test bench
all: build check

venv:
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet "maturin>=1.9.4,<2"

build: venv
	$(PY) -m pip install --quiet -e ".[test,dev,test-integrations]"

check fmt lint stubs test: build
	VENV=$(VENV) bash scripts/check.sh $(if $(filter check,$@),all,$@)

bench: venv
	$(PY) -m pip install --quiet ".[test]"
	$(PY) -m pytest benches --benchmark-enable --benchmark-only -q
