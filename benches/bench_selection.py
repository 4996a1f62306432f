"""Selection speed: the library's warm pipeline against a straightforward pure-Python one.

Run after a release build with
``python -m pytest benches/bench_selection.py --benchmark-enable --benchmark-group-by=group``.
The baseline does what a plain Python implementation would: read the switches from the
environment, score with the pure-Python oracle (same rules file), look the prompt up in
a dict and count into dicts under a lock.
"""

from __future__ import annotations

import os
import resource
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info
from claude_pm.agents.base_agent_loader import AGENT_NAMES, PromptTemplate, build_agent_prompt
from oracle import OracleScorer

TASKS = [
    "List the open pull requests",
    "Implement rate limiting for the upload endpoint",
    "Refactor the billing system into separate services",
    "Fix the flaky date parsing test",
]
MODELS = ("claude-3-haiku-20240307", "claude-sonnet-4-20250514", "claude-4-opus")
TEMPLATES = (PromptTemplate.MINIMAL.value, PromptTemplate.STANDARD.value, PromptTemplate.FULL.value)


class PurePythonPipeline:
    """The baseline: loader + oracle scorer + dict statistics."""

    def __init__(self) -> None:
        self.scorer = OracleScorer()
        self.prompts = {(a, t): build_agent_prompt(a, t) for a in AGENT_NAMES for t in TEMPLATES}
        self.lock = threading.Lock()
        self.by_model: Counter = Counter()
        self.by_agent: Counter = Counter()
        self.by_template: Counter = Counter()
        self.total = 0

    def select(self, agent: str, task_description: str) -> tuple[str, str, dict]:
        enabled = os.environ.get("ENABLE_DYNAMIC_MODEL_SELECTION", "true").lower() == "true"
        templates = os.environ.get("ENABLE_DYNAMIC_PROMPT_TEMPLATES", "true").lower() == "true"
        analysis = self.scorer.analyze(task_description)
        level = self.scorer.level_of(analysis.score)
        model = MODELS[level] if enabled else MODELS[1]
        template = TEMPLATES[level] if templates else TEMPLATES[2]
        prompt = self.prompts[agent, template]
        config = {
            "selection_method": "dynamic_complexity_based",
            "complexity_score": analysis.score,
            "complexity_level": ("SIMPLE", "MEDIUM", "COMPLEX")[level],
            "signals": analysis.signals,
            "template_used": template,
        }
        with self.lock:
            self.total += 1
            self.by_model[model] += 1
            self.by_agent[agent] += 1
            self.by_template[template] += 1
        return prompt, model, config


def _cycle(select):
    index = 0

    def one():
        nonlocal index
        index += 1
        return select("engineer", task_description=TASKS[index % len(TASKS)])

    return one


@pytest.mark.benchmark(group="selection")
def test_library_warm_metrics_on(benchmark):
    run = _cycle(get_agent_prompt_with_model_info)
    run()
    benchmark(run)


@pytest.mark.benchmark(group="selection")
def test_library_warm_metrics_off(benchmark, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_METRICS_ENABLED", "false")
    run = _cycle(get_agent_prompt_with_model_info)
    run()
    benchmark(run)


@pytest.mark.benchmark(group="selection")
def test_pure_python_pipeline(benchmark):
    pipeline = PurePythonPipeline()
    run = _cycle(pipeline.select)
    run()
    benchmark(run)


def test_resident_memory_stays_flat_over_a_million_selections(benchmark):
    """Not a timing: reports resident memory growth over 1,000,000 selections."""
    run = _cycle(get_agent_prompt_with_model_info)
    for _ in range(10_000):
        run()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def million() -> None:
        for _ in range(1_000_000):
            run()

    benchmark.pedantic(million, rounds=1, iterations=1)
    growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    benchmark.extra_info["max_rss_growth_kib"] = growth_kib
    assert growth_kib < 16 * 1024, f"resident memory grew by {growth_kib} KiB over 1M selections"
