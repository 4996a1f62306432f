"""Wrong types and values fail clearly; hostile text completes without crashing."""

from __future__ import annotations

import numpy as np
import pytest
from claude_pm._core import Scorer
from claude_pm.services.task_complexity_analyzer import ComplexityLevel, TaskComplexityAnalyzer


@pytest.fixture
def analyzer() -> TaskComplexityAnalyzer:
    return TaskComplexityAnalyzer()


@pytest.mark.parametrize("task", [None, 42, b"List files", ["List files"]])
def test_a_task_that_is_not_str_is_a_type_error(analyzer, task):
    with pytest.raises(TypeError, match="task_description must be str"):
        analyzer.analyze_task(task)


@pytest.mark.parametrize("name", ["file_count", "context_size", "integration_points"])
def test_negative_counts_name_the_argument(analyzer, name):
    with pytest.raises(ValueError, match=f"{name}=-1 .*non-negative int"):
        analyzer.analyze_task("Implement feature", **{name: -1})


@pytest.mark.parametrize("name", ["file_count", "context_size", "integration_points"])
def test_bools_where_ints_are_meant_are_rejected(analyzer, name):
    with pytest.raises(ValueError, match=f"{name}=True .*not bool"):
        analyzer.analyze_task("Implement feature", **{name: True})


def test_counts_of_the_wrong_type_are_type_errors(analyzer):
    with pytest.raises(TypeError, match="file_count must be a non-negative int, not str"):
        analyzer.analyze_task("Implement feature", file_count="3")


def test_huge_counts_saturate(analyzer):
    result = analyzer.analyze_task("Implement feature", file_count=10**30, context_size=2**70)
    assert result.scoring_breakdown["file_complexity"] == 20
    assert result.scoring_breakdown["context_complexity"] == 15


@pytest.mark.parametrize("depth", ["extreme", "", "deeper"])
def test_unknown_technical_depth_lists_the_allowed_values(analyzer, depth):
    with pytest.raises(ValueError, match=r"technical_depth=.*'none', 'shallow', 'moderate', 'deep'"):
        analyzer.analyze_task("Implement feature", technical_depth=depth)


@pytest.mark.parametrize("depth", ["none", "NONE", "Shallow", "moderate", "DeEp"])
def test_technical_depth_accepts_any_case(analyzer, depth):
    analyzer.analyze_task("Implement feature", technical_depth=depth)


def test_technical_depth_of_the_wrong_type_is_rejected(analyzer):
    with pytest.raises(TypeError, match="technical_depth"):
        analyzer.analyze_task("Implement feature", technical_depth=1.5)
    with pytest.raises(ValueError, match="technical_depth"):
        analyzer.analyze_task("Implement feature", technical_depth=True)


def test_requirement_flags_must_be_bools(analyzer):
    with pytest.raises(TypeError, match="requires_testing must be bool"):
        analyzer.analyze_task("Implement feature", requires_testing="yes")


@pytest.mark.parametrize(
    ("simple", "medium"),
    [(70, 30), (50, 50), (-1, 70), (30, 101), (True, 70)],
)
def test_thresholds_out_of_order_or_range_are_value_errors(simple, medium):
    with pytest.raises(ValueError, match="threshold"):
        TaskComplexityAnalyzer(simple_threshold=simple, medium_threshold=medium)


def test_thresholds_of_the_wrong_type_are_type_errors():
    with pytest.raises(TypeError, match="simple_threshold"):
        TaskComplexityAnalyzer(simple_threshold="30")


def test_score_many_rejects_non_str_items_naming_the_index(analyzer):
    with pytest.raises(TypeError, match=r"texts\[1\] must be str, not int"):
        analyzer.score_many(["List files", 3])
    with pytest.raises(TypeError, match="not a single str"):
        analyzer.score_many("List files")
    with pytest.raises(TypeError, match="sequence of str"):
        analyzer.score_many(5)
    with pytest.raises(TypeError, match=r"texts\[0\] must be str"):
        analyzer.score_many(np.array([1, 2]))


def test_a_ten_megabyte_task_completes(analyzer):
    task = ("Refactor the billing module, then list the tests. " * 200_000)[: 10 * 1024 * 1024]
    result = analyzer.analyze_task(task)
    assert result.complexity_level is ComplexityLevel.COMPLEX
    assert len(result.signals) < 64
    assert analyzer.score_many([task])[1].tolist() == [2]


def test_lone_surrogates_are_accepted(analyzer):
    for task in ["List files \ud800", "\udfff", "Refactor \ud83d system"]:
        analyzer.analyze_task(task)
    assert analyzer.analyze_task("Refactor \udc00 system").complexity_level is ComplexityLevel.COMPLEX
    scores, _ = analyzer.score_many(["\ud800 List files", "ok"])
    assert scores[0] == analyzer.analyze_task("List files").complexity_score


def test_nul_and_control_characters_separate_words(analyzer):
    assert analyzer.analyze_task("List\x00files").complexity_level is ComplexityLevel.SIMPLE
    result = analyzer.analyze_task("\x00\x01\x02\x1b[31m\x7f")
    assert result.complexity_level is ComplexityLevel.MEDIUM


def test_native_level_of_validates_the_score():
    scorer = Scorer()
    assert [scorer.level_of(s) for s in (0, 30, 31, 70, 71, 100)] == [0, 0, 1, 1, 2, 2]
    with pytest.raises(ValueError, match="score=101"):
        scorer.level_of(101)


@pytest.mark.parametrize("huge", [2**70, -(2**70), 2**63])
def test_a_threshold_too_large_for_any_int_is_quoted_as_passed(huge):
    with pytest.raises(ValueError) as raised:
        TaskComplexityAnalyzer(simple_threshold=huge)
    assert f"simple_threshold={huge}" in str(raised.value)
    assert "9223372036854775807" not in str(raised.value)
