#!/usr/bin/env bash
# The developer loop, the one list of checks that `make` and CI (scripts/test.sh) run
# against an environment that is already built (.venv with the package installed):
#   check.sh [all|fmt|lint|stubs|test]      (default: all, in that order)
#   fmt    rustfmt and ruff format, checked
#   lint   clippy without and with the python feature, ruff
#   stubs  the _core.pyi stub against the native module (mypy.stubtest)
#   test   cargo test, the Prometheus alert rules (promtool), pytest with a throwaway
#          PostgreSQL server (unless CLAUDE_PM_TEST_PG_DSN is set), and the
#          thread-safety tests again under pytest-run-parallel
# VENV names another virtual environment (default .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"

# The tests whose subject is thread safety (the cache, the statistics, the selection
# pipeline, the scorer): pytest-run-parallel runs each test body in four threads at
# once; a test that cannot share its process state says so with @thread_unsafe(reason=...).
THREAD_SAFETY_TESTS=(
  tests/test_shared_prompt_cache.py
  tests/test_shared_prompt_cache_limits.py
  tests/test_cache_result.py
  tests/test_selection_stats.py
  tests/test_agent_loader.py
  tests/test_base_agent_loader.py
  tests/test_task_tool_helper.py
  tests/test_analyzer_api.py
  tests/test_score_many_input.py
)

log() { printf '\n== %s\n' "$*"; }

step_fmt() {
  log "format (rustfmt, ruff format)"
  cargo fmt --check
  "$venv/bin/ruff" format --check python tests benches
}

step_lint() {
  log "lint (clippy without and with the python feature, ruff)"
  cargo clippy --locked --quiet --all-targets -- -D warnings
  cargo clippy --locked --quiet --all-targets --features python -- -D warnings
  "$venv/bin/ruff" check python tests benches
}

step_stubs() {
  log "stubs (mypy.stubtest)"
  "$venv/bin/python" -m mypy.stubtest claude_pm._core
}

step_test() {
  log "cargo test"
  cargo test --locked --quiet

  log "alert rules (promtool)"
  promtool check rules deploy/prometheus/alerts.yaml
  promtool test rules deploy/prometheus/alerts.test.yaml

  if [ -z "${CLAUDE_PM_TEST_PG_DSN:-}" ]; then
    log "PostgreSQL for the decision-log tests (throwaway server on loopback)"
    pg_dir="$(mktemp -d)"
    trap 'bash scripts/test-postgres.sh stop "$pg_dir"' EXIT
    CLAUDE_PM_TEST_PG_DSN="$(bash scripts/test-postgres.sh start "$pg_dir")"
    export CLAUDE_PM_TEST_PG_DSN
  fi

  log "pytest"
  "$venv/bin/python" -m pytest -q

  log "pytest: the thread-safety tests, each in four threads at once (pytest-run-parallel)"
  "$venv/bin/python" -m pytest -q -p no:cacheprovider --parallel-threads=4 "${THREAD_SAFETY_TESTS[@]}"
}

case "${1:-all}" in
  all) step_fmt; step_lint; step_stubs; step_test ;;
  fmt | lint | stubs | test) "step_$1" ;;
  *) echo "check.sh: unknown step ${1} (all, fmt, lint, stubs or test)" >&2; exit 2 ;;
esac
