"""Every test starts from the documented defaults: no claude-pm variables, empty stats and cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("CLAUDE_PM_SHARED_DIR", REPO_ROOT.parent / "shared"))


# Variables that point the test suite at its inputs, not settings of the library.
_TEST_INPUTS = frozenset({"CLAUDE_PM_TEST_PG_DSN", "CLAUDE_PM_SHARED_DIR"})


def _is_claude_pm_variable(name: str) -> bool:
    if name in _TEST_INPUTS:
        return False
    return name.startswith("CLAUDE_PM_") or name in (
        "ENABLE_DYNAMIC_MODEL_SELECTION",
        "ENABLE_DYNAMIC_PROMPT_TEMPLATES",
    )


@pytest.fixture(autouse=True)
def clean_environment():
    # Its own MonkeyPatch rather than the `monkeypatch` fixture: pytest-run-parallel runs
    # every test that requests `monkeypatch` (even through an autouse fixture) on one
    # thread, and this set-up runs once, before the test's threads start.
    with pytest.MonkeyPatch.context() as environment:
        for name in [n for n in os.environ if _is_claude_pm_variable(n)]:
            environment.delenv(name)
        environment.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
        _retire_decision_log()
        yield
        _reset_process_state()


def _retire_decision_log() -> None:
    """A writer a previous test configured (its target may be gone) is retired now, not at the next use."""
    try:
        from claude_pm.decision_log import get_decision_log
    except ImportError:
        return
    get_decision_log()


def _reset_process_state() -> None:
    try:
        from claude_pm import runtime
    except ImportError:
        return
    runtime.reset()


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.fail(f"shared data directory not found at {SHARED_DIR} (set CLAUDE_PM_SHARED_DIR)")
    return SHARED_DIR


def cli_runner():
    """A click CliRunner with `.stdout`, `.stderr` apart and `.output` both, on any click 8.

    click 8.2 keeps the streams apart and mixes them in `.output`; click 8.1 (the last
    release for Python 3.9) must be asked to keep them apart and then leaves stderr out
    of `.output`.
    """
    from click.testing import CliRunner

    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()
    return _BothStreamsRunner(runner)


class _BothStreamsRunner:
    def __init__(self, runner) -> None:
        self._runner = runner

    def invoke(self, *args, **kwargs):
        return _BothStreamsResult(self._runner.invoke(*args, **kwargs))


class _BothStreamsResult:
    def __init__(self, result) -> None:
        self._result = result

    def __getattr__(self, name: str):
        return getattr(self._result, name)

    @property
    def output(self) -> str:
        return self._result.stdout + self._result.stderr


@pytest.fixture
def decision_log_file(tmp_path):
    """A SQLite decision log of the test's own (set before the test's threads start)."""
    path = tmp_path / "decisions.sqlite3"
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("CLAUDE_PM_DECISION_LOG", str(path))
        yield path


@pytest.fixture
def usage_calls(monkeypatch):
    """Every record_usage call, passed on to the real decision log."""
    from claude_pm import decision_log

    calls = []
    real = decision_log.record_usage

    def spy(decision_id, input_tokens, output_tokens):
        calls.append((decision_id, input_tokens, output_tokens))
        return real(decision_id, input_tokens, output_tokens)

    monkeypatch.setattr(decision_log, "record_usage", spy)
    return calls


def sample_value(text: str, sample: str) -> float:
    """The value of one sample line (`name{labels}`) in a Prometheus text exposition."""
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{sample} not in exposition:\n{text}")
