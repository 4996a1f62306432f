"""SelectionStats.record against a straightforward locked pure-Python equivalent, same run.

Run: python -m pytest benches/bench_stats.py --benchmark-enable -q

The baseline keeps the same windowed counts (hourly buckets of dicts) and cumulative
Prometheus series (dicts and bucket lists) behind a threading.Lock. Each round records
the same 1,000 selections; the report gives nanoseconds per record call (loop and
argument look-ups included), by position (the pipeline's call shape) and by keyword.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import defaultdict
from typing import Any

import pytest
from claude_pm._core import SelectionStats

AGENTS = ("engineer", "qa", "documentation", "research", "ops")
MODELS = (("claude-3-haiku-20240307", "haiku"), ("claude-sonnet-4-20250514", "sonnet"), ("claude-4-opus", "opus"))
TEMPLATES = ("MINIMAL", "STANDARD", "FULL")
LEVEL_NAMES = ("SIMPLE", "MEDIUM", "COMPLEX")
REDUCTION_BUCKETS = (10, 20, 30, 40, 50, 60, 70, 80, 90)
LATENCY_BUCKETS = (1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 2.5e-2)
SELECTIONS = [
    {
        "agent": AGENTS[i % len(AGENTS)],
        "model": MODELS[i % 3][0],
        "metric_model": MODELS[i % 3][1],
        "method": "dynamic_complexity_based",
        "template": TEMPLATES[i % 3],
        "level": i % 3,
        "token_reduction": float(i % 90),
        "rollout_reason": "enabled",
        "shadow": i % 20 == 0,
        "latency_seconds": 3e-6,
    }
    for i in range(1000)
]
_per_call_ns: dict[str, float] = {}


class PythonStats:
    """The same bookkeeping in plain Python under one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hours: dict[int, dict[str, Any]] = {}
        self._optimizations: dict[tuple[str, str, str], int] = defaultdict(int)
        self._shadow: dict[tuple[str, str, str], int] = defaultdict(int)
        self._reduction: dict[str, list[int]] = {}
        self._latency = [0] * (len(LATENCY_BUCKETS) + 1)
        self._reasons: dict[str, int] = defaultdict(int)

    def record(
        self,
        agent,
        model,
        metric_model,
        method,
        template,
        level,
        token_reduction,
        rollout_reason,
        shadow,
        latency_seconds,
    ):
        hour = int(time.time() // 3600)
        with self._lock:
            bucket = self._hours.get(hour)
            if bucket is None:
                bucket = self._hours[hour] = {
                    "total": 0,
                    "by_model": defaultdict(int),
                    "by_agent": defaultdict(int),
                    "by_method": defaultdict(int),
                    "by_template": defaultdict(int),
                    "by_level": [0, 0, 0],
                    "by_reason": defaultdict(int),
                    "shadow": 0,
                    "reduction_sum": 0.0,
                    "reduction_count": 0,
                }
            bucket["total"] += 1
            bucket["by_model"][model] += 1
            bucket["by_agent"][agent] += 1
            bucket["by_method"][method] += 1
            bucket["by_template"][template] += 1
            bucket["by_level"][level] += 1
            bucket["by_reason"][rollout_reason] += 1
            labels = (agent, metric_model, LEVEL_NAMES[level])
            if shadow:
                bucket["shadow"] += 1
                self._shadow[labels] += 1
            else:
                bucket["reduction_sum"] += token_reduction
                bucket["reduction_count"] += 1
                self._optimizations[labels] += 1
                counts = self._reduction.setdefault(agent, [0] * (len(REDUCTION_BUCKETS) + 1))
                counts[bisect.bisect_left(REDUCTION_BUCKETS, token_reduction)] += 1
            self._latency[bisect.bisect_left(LATENCY_BUCKETS, latency_seconds)] += 1
            self._reasons[rollout_reason] += 1


def run_positional(record) -> None:
    # The selection pipeline's call shape.
    for s in SELECTIONS:
        record(
            s["agent"],
            s["model"],
            s["metric_model"],
            s["method"],
            s["template"],
            s["level"],
            s["token_reduction"],
            s["rollout_reason"],
            s["shadow"],
            s["latency_seconds"],
        )


def run_keyword(record) -> None:
    for selection in SELECTIONS:
        record(**selection)


def run_literal_keywords(record) -> None:
    for s in SELECTIONS:
        record(
            agent=s["agent"],
            model=s["model"],
            metric_model=s["metric_model"],
            method=s["method"],
            template=s["template"],
            level=s["level"],
            token_reduction=s["token_reduction"],
            rollout_reason=s["rollout_reason"],
            shadow=s["shadow"],
            latency_seconds=s["latency_seconds"],
        )


RUNNERS = {"positional": run_positional, "literal_keywords": run_literal_keywords, "dict_unpacking": run_keyword}


@pytest.mark.parametrize("implementation", ["claude_pm", "python_locked"])
@pytest.mark.parametrize("call", list(RUNNERS))
def test_record(benchmark, implementation, call):
    stats = SelectionStats(retention_hours=168) if implementation == "claude_pm" else PythonStats()
    runner = RUNNERS[call]
    benchmark.group = f"record_{call}"
    benchmark(runner, stats.record)
    if benchmark.stats is not None:
        _per_call_ns[f"{implementation} {call}"] = benchmark.stats.stats.median / len(SELECTIONS) * 1e9


@pytest.fixture(scope="module", autouse=True)
def report(request):
    yield
    if not _per_call_ns:
        return
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    with request.config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line("SelectionStats.record, median nanoseconds per call")
        for name, nanoseconds in sorted(_per_call_ns.items()):
            reporter.write_line(f"  {name:34} {nanoseconds:7.0f} ns")
        for call in ("positional", "literal_keywords", "dict_unpacking"):
            mine, theirs = _per_call_ns.get(f"claude_pm {call}"), _per_call_ns.get(f"python_locked {call}")
            if mine and theirs:
                reporter.write_line(f"  {call}: python_locked / claude_pm = {theirs / mine:.2f}x")
