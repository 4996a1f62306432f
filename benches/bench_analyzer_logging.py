"""What the per-analysis INFO log line costs `analyze_task` when INFO is off.

Run with ``python -m pytest benches/bench_analyzer_logging.py --benchmark-enable
--benchmark-group-by=group`` after a release build. The baseline is the facade's own
``analyze_task`` compiled without its logging guard, so both sides do the same work
apart from the guard; the "INFO on" entry shows what enabling the line costs.
"""

from __future__ import annotations

import inspect
import logging
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scoring import TASKS
from claude_pm.services import task_complexity_analyzer as facade

GUARD = "if logger.isEnabledFor(_INFO):"


def _without_logging_guard(function):
    """`function` recompiled in its module with the `if logger.isEnabledFor(...)` block removed."""
    lines = textwrap.dedent(inspect.getsource(function)).splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == GUARD), None)
    if start is None:
        raise RuntimeError(f"{function.__qualname__} has no line {GUARD!r}: update this benchmark")
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    namespace: dict = {}
    exec(compile("\n".join(lines[:start] + lines[end:]), "<logger-free analyze_task>", "exec"), vars(facade), namespace)
    return namespace[function.__name__]


class LoggerFreeAnalyzer(facade.TaskComplexityAnalyzer):
    analyze_task = _without_logging_guard(facade.TaskComplexityAnalyzer.analyze_task)


SHIPPED = facade.TaskComplexityAnalyzer()
BASELINE = LoggerFreeAnalyzer()


def analyze_all(analyzer: facade.TaskComplexityAnalyzer) -> int:
    return sum(analyzer.analyze_task(t, file_count=4, requires_testing=True).complexity_score for t in TASKS)


@pytest.fixture
def logger_level():
    saved_level, saved_propagate = facade.logger.level, facade.logger.propagate
    handler = logging.NullHandler()
    facade.logger.addHandler(handler)
    yield facade.logger.setLevel
    facade.logger.removeHandler(handler)
    facade.logger.setLevel(saved_level)
    facade.logger.propagate = saved_propagate


def test_the_baseline_gives_the_same_results():
    for task in TASKS:
        assert BASELINE.analyze_task(task, file_count=4) == SHIPPED.analyze_task(task, file_count=4)


@pytest.mark.benchmark(group="analyze_task, INFO log line")
def test_analyze_task_logger_at_warning(benchmark, logger_level):
    logger_level(logging.WARNING)
    benchmark(analyze_all, SHIPPED)


@pytest.mark.benchmark(group="analyze_task, INFO log line")
def test_analyze_task_logger_free_baseline(benchmark, logger_level):
    logger_level(logging.WARNING)
    benchmark(analyze_all, BASELINE)


@pytest.mark.benchmark(group="analyze_task, INFO log line")
def test_analyze_task_logger_at_info_to_a_null_handler(benchmark, logger_level):
    logger_level(logging.INFO)
    facade.logger.propagate = False  # measure the record, not the test runner's capture
    benchmark(analyze_all, SHIPPED)
