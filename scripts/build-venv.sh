#!/usr/bin/env bash
# The Python environment the checks run in, built the same way by `make` and by CI
# (scripts/test.sh): a venv (VENV, default .venv) with the package installed editable,
# its native core compiled by maturin, and every extra the tests use.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "maturin>=1.9.4,<2"
"$venv/bin/python" -m pip install --quiet -e ".[test,dev,test-integrations]"
