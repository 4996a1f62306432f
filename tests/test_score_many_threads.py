"""score_many(threads=N) splits a batch among threads: the same scores as one thread, in
order, and a clear error naming `threads` for a value that is not a thread count."""

from __future__ import annotations

import numpy as np
import pytest
from claude_pm._core import Scorer
from claude_pm.services.task_complexity_analyzer import TaskComplexityAnalyzer, score_many
from test_scoring_differential import _real_texts

SCORER = Scorer()


@pytest.fixture(scope="module")
def batch() -> list[str]:
    # Every real task, repeated with a varying suffix so that no two neighbouring
    # chunks hold the same texts: well past the size at which threads are started.
    texts = _real_texts()
    return [f"{text} {'then fix it' if i % 3 == 0 else ''}" for i in range(4) for text in texts][:13_001]


@pytest.mark.parametrize("threads", [2, 3, 7, 256])
def test_threads_give_the_same_scores_in_the_same_order(batch, threads):
    one_scores, one_levels = SCORER.score_many(batch, threads=1)
    scores, levels = SCORER.score_many(batch, threads=threads)
    assert scores.tolist() == one_scores.tolist()
    assert levels.tolist() == one_levels.tolist()
    assert len(set(one_scores.tolist())) > 5, "the batch must not score uniformly"


def test_threads_give_the_same_scores_for_a_numpy_array(batch):
    array = np.array(batch)
    assert SCORER.score_many(array, threads=2)[0].tolist() == SCORER.score_many(batch)[0].tolist()


def test_the_facades_pass_threads_through(batch):
    expected = SCORER.score_many(batch)[0].tolist()
    assert TaskComplexityAnalyzer().score_many(batch, threads=2)[0].tolist() == expected
    assert score_many(batch, threads=2)[0].tolist() == expected


@pytest.mark.parametrize("threads", [2, 64])
def test_small_batches_with_threads_match(threads):
    texts = ["List files", "Refactor the billing system", "", "Fix typo"]
    assert SCORER.score_many(texts, threads=threads)[0].tolist() == SCORER.score_many(texts)[0].tolist()
    assert SCORER.score_many([], threads=threads)[0].tolist() == []


@pytest.mark.parametrize(
    ("threads", "error"),
    [
        (0, ValueError),
        (-1, ValueError),
        (257, ValueError),
        (2**70, ValueError),
        (True, ValueError),
        (False, ValueError),
        (2.0, TypeError),
        ("2", TypeError),
    ],
)
def test_bad_thread_counts_are_rejected_naming_threads(threads, error):
    with pytest.raises(error, match=r"threads") as raised:
        SCORER.score_many(["List files"], threads=threads)
    assert "1..=256" in str(raised.value)
    with pytest.raises(error, match=r"threads"):
        TaskComplexityAnalyzer().score_many(["List files"], threads=threads)
