#!/usr/bin/env bash
# Fresh machine to green (what CI runs): installs what the tests need (Debian packages,
# Rust crates, Python packages into .venv), runs the developer loop (scripts/check.sh,
# the same as `make`), then the checks only CI runs: the oldest supported LiteLLM, the
# release wheel on every CPython, the container.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

log "Debian packages"
bash scripts/install-system-deps.sh

log "Python environment (.venv, as make builds it)"
bash scripts/build-venv.sh

log "PostgreSQL for the decision-log tests (throwaway server on loopback)"
pg_dir="$(mktemp -d)"
trap 'bash scripts/test-postgres.sh stop "$pg_dir"' EXIT
CLAUDE_PM_TEST_PG_DSN="$(bash scripts/test-postgres.sh start "$pg_dir")"
export CLAUDE_PM_TEST_PG_DSN

# The developer loop, the same one `make` runs: format, clippy, ruff, stubtest, cargo
# test, promtool, pytest (with the server above), the thread-safety tests in threads.
bash scripts/check.sh all

log "LiteLLM integration against the oldest LiteLLM of the supported range"
litellm_dir="$(mktemp -d)"
litellm_oldest="$(.venv/bin/python scripts/litellm-oldest.py)"
.venv/bin/python -m pip install --quiet --no-deps --target "$litellm_dir" "litellm==$litellm_oldest"
PYTHONPATH="$litellm_dir" .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_litellm_integration.py
rm -rf "$litellm_dir"

log "release wheel: sdist + one cp39-abi3 wheel, installed without Rust on every CPython 3.9-3.13"
bash scripts/test-wheel.sh

log "container: the Dockerfile's final stage in a debootstrapped Debian root (no Docker engine)"
bash scripts/test-container.sh
