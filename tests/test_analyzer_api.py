"""The 1.x-compatible analyzer API and its new fields."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest
from claude_pm.services.task_complexity_analyzer import (
    ComplexityAnalysisResult,
    ComplexityLevel,
    ModelType,
    TaskComplexityAnalyzer,
    TaskComplexityFactors,
    get_prompt_optimization_hints,
    score_many,
)

BREAKDOWN_KEYS = {
    "description_complexity",
    "file_complexity",
    "context_complexity",
    "integration_complexity",
    "additional_requirements",
    "technical_depth",
}


@pytest.fixture
def analyzer() -> TaskComplexityAnalyzer:
    return TaskComplexityAnalyzer()


@pytest.mark.parametrize(
    ("task", "level", "model", "size"),
    [
        ("List files", ComplexityLevel.SIMPLE, ModelType.HAIKU, (300, 500)),
        ("Implement feature", ComplexityLevel.MEDIUM, ModelType.SONNET, (700, 1000)),
        ("Refactor system", ComplexityLevel.COMPLEX, ModelType.OPUS, (1200, 1500)),
    ],
)
def test_the_guides_load_test_tasks_get_three_models(analyzer, task, level, model, size):
    result = analyzer.analyze_task(task)
    assert result.complexity_level is level
    assert result.recommended_model is model
    assert result.optimal_prompt_size == size


def test_enums_have_the_1x_values():
    assert [m.value for m in ModelType] == ["haiku", "sonnet", "opus"]
    assert [level.value for level in ComplexityLevel] == ["SIMPLE", "MEDIUM", "COMPLEX"]
    assert ComplexityLevel.SIMPLE == "SIMPLE" and ModelType.OPUS == "opus"


def test_result_has_the_1x_fields_and_signals_that_add_up(analyzer):
    task = "Implement the export, then document it"
    result = analyzer.analyze_task(task, file_count=4, requires_testing=True)
    assert isinstance(result, ComplexityAnalysisResult)
    assert set(result.scoring_breakdown) == BREAKDOWN_KEYS
    assert sum(result.scoring_breakdown.values()) == result.complexity_score
    assert sum(points for _, points in result.signals) == result.complexity_score
    details = result.analysis_details
    assert details["verb_complexity"] == "medium"
    assert details["estimated_steps"] == 2
    assert details["task_length"] == len(task)
    assert isinstance(details["technical_indicators"], list)
    assert details["complexity_factors"]
    assert ("files", 10) in result.signals and ("testing", 5) in result.signals


def test_the_score_is_the_clamped_sum_of_the_breakdown(analyzer):
    result = analyzer.analyze_task("Overhaul the checkout across all services, then plan the rollout", file_count=30)
    assert sum(result.scoring_breakdown.values()) > 100
    assert result.complexity_score == 100
    assert sum(points for _, points in result.signals) == 100


def test_verb_complexity_is_unknown_without_an_action(analyzer):
    result = analyzer.analyze_task("Flickering toolbar icons on hover")
    assert result.analysis_details["verb_complexity"] == "unknown"
    assert result.complexity_level is ComplexityLevel.MEDIUM


def test_technical_indicators_are_whole_words(analyzer):
    details = analyzer.analyze_task("Fix the XSS in the profile page").analysis_details
    assert details["technical_indicators"] == ["security"]
    details = analyzer.analyze_task("Show the contest results").analysis_details
    assert "testing" not in details["technical_indicators"]


def test_empty_or_blank_descriptions_score_zero(analyzer):
    for text in ["", "   ", "\n\t"]:
        result = analyzer.analyze_task(text)
        assert result.complexity_score == 0
        assert result.complexity_level is ComplexityLevel.SIMPLE
        assert result.signals == []


@pytest.mark.parametrize(
    ("facts", "points"),
    [
        ({"file_count": 2}, 0),
        ({"file_count": 3}, 10),
        ({"file_count": 5}, 10),
        ({"file_count": 6}, 12),
        ({"file_count": 50}, 20),
        ({"context_size": 999}, 0),
        ({"context_size": 1000}, 5),
        ({"context_size": 5000}, 10),
        ({"context_size": 10000}, 15),
        ({"integration_points": 2}, 10),
        ({"integration_points": 9}, 15),
        ({"requires_research": True, "requires_testing": True}, 10),
        ({"requires_documentation": True}, 5),
        ({"technical_depth": "none"}, 0),
        ({"technical_depth": "shallow"}, 2),
        ({"technical_depth": "Moderate"}, 5),
        ({"technical_depth": "DEEP"}, 10),
    ],
)
def test_caller_facts_keep_the_1x_scales(analyzer, facts, points):
    base = analyzer.analyze_task("Implement feature").complexity_score
    assert analyzer.analyze_task("Implement feature", **facts).complexity_score == base + points


def test_a_handful_of_facts_stays_medium_and_a_pile_becomes_complex(analyzer):
    some = analyzer.analyze_task("Implement feature", file_count=4, context_size=3000)
    assert some.complexity_level is ComplexityLevel.MEDIUM
    pile = analyzer.analyze_task(
        "Implement feature",
        file_count=12,
        context_size=12000,
        integration_points=3,
        requires_research=True,
        requires_testing=True,
        technical_depth="deep",
    )
    assert pile.complexity_level is ComplexityLevel.COMPLEX


def test_facts_never_lower_the_score(analyzer):
    for task in ["List files", "Fix typo in README", "Migrate everything to the new cluster"]:
        base = analyzer.analyze_task(task).complexity_score
        raised = analyzer.analyze_task(task, file_count=1, context_size=10, integration_points=0)
        assert raised.complexity_score == base
        assert analyzer.analyze_task(task, file_count=9).complexity_score >= base


def test_thresholds_are_configurable_and_confidence_follows_them():
    default = TaskComplexityAnalyzer().analyze_task("Implement feature")
    assert default.complexity_level is ComplexityLevel.MEDIUM
    medium = default.complexity_score - 5
    strict = TaskComplexityAnalyzer(simple_threshold=10, medium_threshold=medium)
    result = strict.analyze_task("Implement feature")
    assert result.complexity_level is ComplexityLevel.COMPLEX
    assert result.confidence == result.complexity_score - medium
    assert default.confidence == min(abs(default.complexity_score - 30), abs(default.complexity_score - 70))


def test_thresholds_come_from_the_environment_when_not_passed(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", "10")
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD", "40")
    analyzer = TaskComplexityAnalyzer()
    assert (analyzer.simple_threshold, analyzer.medium_threshold) == (10, 40)
    assert TaskComplexityAnalyzer(medium_threshold=90).medium_threshold == 90


def test_factors_record_is_the_1x_dataclass(analyzer):
    factors = TaskComplexityFactors("Implement feature", file_count=4, technical_depth="deep")
    assert dataclasses.is_dataclass(factors)
    assert analyzer.analyze_factors(factors) == analyzer.analyze_task(
        "Implement feature", file_count=4, technical_depth="deep"
    )


def test_prompt_hints_follow_the_result(analyzer):
    hints = get_prompt_optimization_hints(analyzer.analyze_task("Refactor system"))
    assert hints["model"] == "opus"
    assert hints["prompt_size_range"] == (1200, 1500)
    assert hints["focus_areas"] == ["detailed_instructions"]
    assert hints["optimization_strategies"] == [
        "break_down_complex_operations",
        "provide_comprehensive_context",
        "include_examples_and_patterns",
        "define_clear_success_criteria",
    ]
    simple = analyzer.get_prompt_optimization_hints(analyzer.analyze_task("List files"))
    assert simple["model"] == "haiku" and simple["prompt_size_range"] == (300, 500)


def test_score_many_takes_lists_and_numpy_arrays(analyzer):
    tasks = ["List files", "Implement feature", "Refactor system", ""]
    expected_scores = [analyzer.analyze_task(t).complexity_score for t in tasks]
    for batch in (tasks, tuple(tasks), np.array(tasks), np.array(tasks, dtype=object)):
        scores, levels = analyzer.score_many(batch)
        assert scores.dtype == np.uint8 and levels.dtype == np.uint8
        assert scores.tolist() == expected_scores
        assert levels.tolist() == [0, 1, 2, 0]
    scores, levels = score_many(tasks)
    assert levels.tolist() == [0, 1, 2, 0]
    empty_scores, empty_levels = score_many([])
    assert empty_scores.shape == (0,) and empty_levels.shape == (0,)


def test_score_many_reads_multidimensional_and_sliced_arrays(analyzer):
    grid = np.array([["List files", "Refactor system"], ["Implement feature", "x"]])
    scores, _ = analyzer.score_many(grid.T.ravel())
    assert scores.tolist() == analyzer.score_many(list(grid.T.ravel()))[0].tolist()


def test_score_many_scores_numpy_text_as_it_scores_the_same_list(analyzer):
    tasks = [
        "Refactor the billing system",
        "Conçois l'architecture de la plateforme",
        "Entwirf die Architektur für die gesamte Zahlungsplattform",
        "List\x00files",
        "",
        "ÜBER Straße: migrate the İ cluster",
    ]
    expected = [analyzer.analyze_task(t).complexity_score for t in tasks]
    assert analyzer.score_many(np.array(tasks))[0].tolist() == expected
    grid = np.array(tasks).reshape(2, 3)
    assert analyzer.score_many(grid.ravel())[0].tolist() == expected
    with pytest.raises(TypeError, match="2-D"):  # the flat result would lose the shape
        analyzer.score_many(grid)
    swapped = np.array(tasks).astype(np.array(tasks).dtype.newbyteorder())
    assert analyzer.score_many(swapped)[0].tolist() == expected


def test_one_analyzer_is_safe_to_share_between_threads(analyzer):
    tasks = ["List files", "Implement feature", "Refactor system"] * 200
    expected = [analyzer.analyze_task(t).complexity_score for t in tasks]
    results: list[list[int]] = []

    def work() -> None:
        results.append([analyzer.analyze_task(t).complexity_score for t in tasks])
        results.append(analyzer.score_many(tasks)[0].tolist())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and all(r == expected for r in results)


def test_module_score_many_follows_the_configured_thresholds(monkeypatch):
    assert score_many(["Implement feature"])[1].tolist() == [1]
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", "10")
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD", "35")
    assert score_many(["Implement feature"])[1].tolist() == [2]
