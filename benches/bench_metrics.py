"""Selection with metrics on against metrics off, and the cost of one scrape, in the same run.

Run with ``python -m pytest benches/bench_metrics.py --benchmark-enable``; compare
the two ``selection`` rows (the ratio is what the metrics cost a selection).
"""

from __future__ import annotations

import pytest
from claude_pm import metrics
from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info
from prometheus_client import CollectorRegistry, generate_latest

TASKS = ("List files", "Implement feature with tests", "Refactor the distributed system architecture")


def _cycle_tasks():
    index = 0

    def one_selection():
        nonlocal index
        index = (index + 1) % len(TASKS)
        return get_agent_prompt_with_model_info("engineer", task_description=TASKS[index])

    return one_selection


@pytest.mark.parametrize("metrics_enabled", ["true", "false"], ids=["metrics on", "metrics off"])
def test_selection(benchmark, monkeypatch, metrics_enabled):
    monkeypatch.setenv("CLAUDE_PM_METRICS_ENABLED", metrics_enabled)
    one_selection = _cycle_tasks()
    for _ in TASKS:
        one_selection()
    benchmark.group = "selection"
    benchmark(one_selection)


def test_scrape(benchmark):
    one_selection = _cycle_tasks()
    for _ in range(100):
        one_selection()
    registry = CollectorRegistry()
    metrics.register(registry)
    benchmark.group = "scrape"
    body = benchmark(generate_latest, registry)
    assert b"claude_pm_optimizations_total{" in body
