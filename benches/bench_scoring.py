"""Scoring speed against the pure-Python oracle, in the same run.

Run with ``python -m pytest benches/bench_scoring.py --benchmark-enable`` after a
release build (``maturin develop --release``). The table's relative column is the
ratio to the fastest entry of each group; ``extra_info`` carries tasks per second.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from claude_pm.services.task_complexity_analyzer import TaskComplexityAnalyzer
from oracle import OracleScorer
from scoring_tasks import TASKS, hundred_char_tasks

ANALYZER = TaskComplexityAnalyzer()
ORACLE = OracleScorer()

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


# Threads share one large batch: the texts are copied out of Python on the calling
# thread, so the scaling is below the number of cores by that serial part.
MILLION = hundred_char_tasks(2_000) * 500


@pytest.mark.benchmark(group="score_many, 1,000,000 tasks, threads")
@pytest.mark.parametrize("threads", [1, 2])
def test_score_many_threads(benchmark, threads):
    expected = ANALYZER.score_many(MILLION[:20_000])[0].tolist()
    assert ANALYZER.score_many(MILLION[:20_000], threads=threads)[0].tolist() == expected
    scores, _ = benchmark.pedantic(ANALYZER.score_many, args=(MILLION,), kwargs={"threads": threads}, rounds=7)
    assert len(scores) == len(MILLION)
    benchmark.extra_info["tasks_per_second"] = len(MILLION) / benchmark.stats.stats.mean
