"""Scoring speed against the pure-Python oracle, in the same run.

Run with ``python -m pytest benches/bench_scoring.py --benchmark-enable`` after a
release build (``maturin develop --release``). The table's relative column is the
ratio to the fastest entry of each group; ``extra_info`` carries tasks per second.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from claude_pm.services.task_complexity_analyzer import TaskComplexityAnalyzer
from oracle import OracleScorer

ANALYZER = TaskComplexityAnalyzer()
ORACLE = OracleScorer()

TASKS = [
    "List files",
    "Implement feature",
    "Refactor system",
    "Show the running containers on the staging host",
    "Fix the race in the session cache and add a regression test for it",
    "Just bump the chart version to 4.1.0",
    "Plan the migration of every tenant database to the new cluster, with a rollback path",
    "1. Reproduce the timeout. 2. Profile the handler. 3. Optimise the slow query.",
    "Assess whether the indemnity clause survives termination under the governing law",
    "Check the queue depth, then redesign the retry policy across the ingestion services",
    "Entwirf die Architektur für die gesamte Zahlungsplattform",
    "Corrige la faute de frappe dans le titre",
]

FILLER = (
    "the a of for with on in to and our this module service page report user data "
    "cache queue handler api endpoint config file build job table schema"
).split()
VERBS = "list show fix implement refactor design migrate plan add write check review".split()


def hundred_char_tasks(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    tasks = []
    for _ in range(count):
        words = [rng.choice(VERBS).capitalize()]
        while sum(len(w) + 1 for w in words) < 100:
            words.append(rng.choice(FILLER if rng.random() < 0.85 else VERBS))
        tasks.append(" ".join(words)[:100].ljust(100, "."))
    return tasks


BATCH = hundred_char_tasks(200_000)
BATCH_ARRAY = np.array(BATCH)
ORACLE_BATCH = BATCH[:2_000]


def analyze_all_native() -> int:
    return sum(ANALYZER.analyze_task(t).complexity_score for t in TASKS)


def analyze_all_oracle() -> int:
    return sum(ORACLE.analyze(t).score for t in TASKS)


@pytest.mark.benchmark(group="analyze_task, full result")
def test_analyze_task_native(benchmark):
    assert analyze_all_native() == analyze_all_oracle()
    benchmark(analyze_all_native)
    benchmark.extra_info["tasks_per_second"] = len(TASKS) / benchmark.stats.stats.mean


@pytest.mark.benchmark(group="analyze_task, full result")
def test_analyze_task_oracle(benchmark):
    benchmark(analyze_all_oracle)
    benchmark.extra_info["tasks_per_second"] = len(TASKS) / benchmark.stats.stats.mean


@pytest.mark.benchmark(group="score_many, 100-character tasks")
def test_score_many_list(benchmark):
    scores, _ = benchmark(ANALYZER.score_many, BATCH)
    assert len(scores) == len(BATCH)
    benchmark.extra_info["tasks_per_second"] = len(BATCH) / benchmark.stats.stats.mean


@pytest.mark.benchmark(group="score_many, 100-character tasks")
def test_score_many_numpy(benchmark):
    scores, _ = benchmark(ANALYZER.score_many, BATCH_ARRAY)
    assert len(scores) == len(BATCH)
    benchmark.extra_info["tasks_per_second"] = len(BATCH) / benchmark.stats.stats.mean


@pytest.mark.benchmark(group="score_many, 100-character tasks")
def test_score_many_oracle_baseline(benchmark):
    expected = ANALYZER.score_many(ORACLE_BATCH)[0].tolist()
    assert [ORACLE.analyze(t).score for t in ORACLE_BATCH] == expected
    benchmark(lambda: [ORACLE.analyze(t).score for t in ORACLE_BATCH])
    benchmark.extra_info["tasks_per_second"] = len(ORACLE_BATCH) / benchmark.stats.stats.mean
