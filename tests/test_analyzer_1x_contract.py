"""The 1.x analyzer contract, as code written against 1.x relies on it.

Scores, levels, `verb_complexity` and `estimated_steps` come from the scoring engine;
`complexity_factors`, the prompt hints and the logging come from the Python facade.
"""

from __future__ import annotations

import logging

import pytest
from claude_pm.services import task_complexity_analyzer as facade
from claude_pm.services.task_complexity_analyzer import (
    ComplexityAnalysisResult,
    ComplexityLevel,
    ModelType,
    TaskComplexityAnalyzer,
    TaskComplexityFactors,
    get_prompt_optimization_hints,
)

JWT_TASK = "Implement user authentication with JWT tokens"
FACTOR_KEYS = {"file_operations", "context_weight", "integration_complexity", "additional_requirements"}
LOGGER_NAME = "claude_pm.services.task_complexity_analyzer"


@pytest.fixture
def analyzer() -> TaskComplexityAnalyzer:
    return TaskComplexityAnalyzer()


# --- levels: caller facts move a bounded task within MEDIUM, a pile pushes it to COMPLEX


def test_a_bounded_task_with_some_facts_is_medium(analyzer):
    result = analyzer.analyze_task(
        JWT_TASK, file_count=5, context_size=6000, requires_testing=True, integration_points=1
    )
    assert result.complexity_level is ComplexityLevel.MEDIUM
    assert 31 <= result.complexity_score <= 70
    assert result.recommended_model is ModelType.SONNET


def test_the_same_task_with_a_pile_of_facts_is_complex(analyzer):
    result = analyzer.analyze_task(
        JWT_TASK,
        file_count=10,
        context_size=15000,
        integration_points=3,
        requires_research=True,
        requires_testing=True,
        requires_documentation=True,
        technical_depth="deep",
    )
    assert result.complexity_level is ComplexityLevel.COMPLEX
    assert 71 <= result.complexity_score <= 100
    assert result.recommended_model is ModelType.OPUS


# --- analysis_details["verb_complexity"] and ["estimated_steps"]


@pytest.mark.parametrize(
    ("task", "verb_complexity"),
    [
        ("List all available users", "simple"),
        ("Create a new user profile", "medium"),
        ("Architect a new microservices system", "complex"),
    ],
)
def test_verb_complexity_is_the_1x_class_of_the_action(analyzer, task, verb_complexity):
    assert analyzer.analyze_task(task).analysis_details["verb_complexity"] == verb_complexity


def test_inline_numbered_items_are_counted_as_steps(analyzer):
    details = analyzer.analyze_task("1. Setup database 2. Create schema 3. Import data").analysis_details
    assert details["estimated_steps"] == 3


def test_sequence_words_count_as_steps(analyzer):
    details = analyzer.analyze_task("First set up the environment, then deploy, finally test").analysis_details
    assert details["estimated_steps"] >= 2


def test_a_plain_task_has_at_least_one_step(analyzer):
    assert analyzer.analyze_task("Implement feature").analysis_details["estimated_steps"] >= 1


# --- analysis_details["complexity_factors"]: the caller's facts, as 1.x reported them


def test_complexity_factors_are_the_1x_dict_of_the_callers_facts(analyzer):
    result = analyzer.analyze_task(
        JWT_TASK, file_count=5, context_size=6000, requires_testing=True, integration_points=1
    )
    assert result.analysis_details["complexity_factors"] == {
        "file_operations": 5,
        "context_weight": "comprehensive",
        "integration_complexity": 1,
        "additional_requirements": 1,
    }


def test_complexity_factors_without_facts(analyzer):
    factors = analyzer.analyze_task("Implement feature").analysis_details["complexity_factors"]
    assert factors == {
        "file_operations": 0,
        "context_weight": "minimal",
        "integration_complexity": 0,
        "additional_requirements": 0,
    }


@pytest.mark.parametrize(
    ("context_size", "weight"),
    [
        (0, "minimal"),
        (999, "minimal"),
        (1000, "standard"),
        (4999, "standard"),
        (5000, "comprehensive"),
        (15000, "comprehensive"),
        (2**70, "comprehensive"),
    ],
)
def test_context_weight_follows_the_1x_bounds(analyzer, context_size, weight):
    details = analyzer.analyze_task("Implement feature", context_size=context_size).analysis_details
    assert details["complexity_factors"]["context_weight"] == weight


@pytest.mark.parametrize(
    ("flags", "count"),
    [
        ({}, 0),
        ({"requires_research": True}, 1),
        ({"requires_testing": True, "requires_documentation": True}, 2),
        ({"requires_research": True, "requires_testing": True, "requires_documentation": True}, 3),
        ({"requires_research": False, "requires_testing": True}, 1),
    ],
)
def test_additional_requirements_counts_the_flags_that_are_set(analyzer, flags, count):
    details = analyzer.analyze_task("Implement feature", **flags).analysis_details
    assert details["complexity_factors"]["additional_requirements"] == count


def test_file_and_integration_counts_are_reported_as_given_beyond_the_point_scales(analyzer):
    result = analyzer.analyze_task("Implement feature", file_count=50, integration_points=9)
    factors = result.analysis_details["complexity_factors"]
    assert (factors["file_operations"], factors["integration_complexity"]) == (50, 9)
    assert result.scoring_breakdown["file_complexity"] == 20  # the points still saturate


def test_facts_passed_as_none_are_reported_as_not_given(analyzer):
    details = analyzer.analyze_task(
        "Implement feature", file_count=None, context_size=None, integration_points=None, requires_testing=None
    ).analysis_details
    assert details["complexity_factors"] == {
        "file_operations": 0,
        "context_weight": "minimal",
        "integration_complexity": 0,
        "additional_requirements": 0,
    }


def test_signals_stay_in_signals_not_in_complexity_factors(analyzer):
    result = analyzer.analyze_task("Refactor system", file_count=4, requires_testing=True)
    assert set(result.analysis_details["complexity_factors"]) == FACTOR_KEYS
    assert ("files", 10) in result.signals and ("testing", 5) in result.signals
    assert sum(points for _, points in result.signals) == result.complexity_score


def test_a_factors_record_reports_the_same_complexity_factors(analyzer):
    record = TaskComplexityFactors(JWT_TASK, context_size=3000, file_count=2, requires_research=True)
    assert analyzer.analyze_factors(record).analysis_details["complexity_factors"] == {
        "file_operations": 2,
        "context_weight": "standard",
        "integration_complexity": 0,
        "additional_requirements": 1,
    }


# --- get_prompt_optimization_hints: the 1.x identifiers under the 1.x conditions


def _result(
    level: ComplexityLevel, verb: str = "medium", file_points: int = 0, integration_points: int = 0
) -> ComplexityAnalysisResult:
    index = list(ComplexityLevel).index(level)
    model = list(ModelType)[index]
    return ComplexityAnalysisResult(
        complexity_score=(15, 50, 85)[index],
        complexity_level=level,
        recommended_model=model,
        optimal_prompt_size=facade.OPTIMAL_PROMPT_SIZES[model.value],
        scoring_breakdown={
            "description_complexity": 15,
            "file_complexity": file_points,
            "context_complexity": 0,
            "integration_complexity": integration_points,
            "additional_requirements": 0,
            "technical_depth": 0,
        },
        analysis_details={"verb_complexity": verb, "estimated_steps": 1, "technical_indicators": []},
    )


def test_a_medium_result_without_triggers_has_no_focus_areas_or_strategies():
    hints = get_prompt_optimization_hints(_result(ComplexityLevel.MEDIUM))
    assert hints == {
        "model": "sonnet",
        "prompt_size_range": (700, 1000),
        "focus_areas": [],
        "optimization_strategies": [],
    }


@pytest.mark.parametrize(
    ("verb", "triggered"), [("simple", False), ("medium", False), ("unknown", False), ("complex", True)]
)
def test_only_a_complex_verb_asks_for_detailed_instructions(verb, triggered):
    hints = get_prompt_optimization_hints(_result(ComplexityLevel.MEDIUM, verb=verb))
    assert hints["focus_areas"] == (["detailed_instructions"] if triggered else [])
    assert hints["optimization_strategies"] == (["break_down_complex_operations"] if triggered else [])


@pytest.mark.parametrize(("points", "triggered"), [(0, False), (10, False), (12, True), (20, True)])
def test_a_file_part_above_ten_asks_for_file_organization(points, triggered):
    hints = get_prompt_optimization_hints(_result(ComplexityLevel.MEDIUM, file_points=points))
    assert ("file_organization" in hints["focus_areas"]) is triggered
    assert ("batch_file_operations" in hints["optimization_strategies"]) is triggered


@pytest.mark.parametrize(("points", "triggered"), [(5, False), (10, False), (15, True)])
def test_an_integration_part_above_ten_asks_for_clear_interfaces(points, triggered):
    hints = get_prompt_optimization_hints(_result(ComplexityLevel.MEDIUM, integration_points=points))
    assert ("integration_boundaries" in hints["focus_areas"]) is triggered
    assert ("define_clear_interfaces" in hints["optimization_strategies"]) is triggered


def test_a_simple_result_asks_for_concise_instructions():
    hints = get_prompt_optimization_hints(_result(ComplexityLevel.SIMPLE, verb="simple"))
    assert hints["model"] == "haiku" and hints["prompt_size_range"] == (300, 500)
    assert hints["focus_areas"] == []
    assert hints["optimization_strategies"] == ["use_concise_instructions", "minimize_context_overhead"]


def test_a_complex_result_with_every_trigger_has_the_1x_lists_in_order():
    result = _result(ComplexityLevel.COMPLEX, verb="complex", file_points=20, integration_points=15)
    hints = get_prompt_optimization_hints(result)
    assert hints["model"] == "opus" and hints["prompt_size_range"] == (1200, 1500)
    assert hints["focus_areas"] == ["detailed_instructions", "file_organization", "integration_boundaries"]
    assert hints["optimization_strategies"] == [
        "break_down_complex_operations",
        "batch_file_operations",
        "define_clear_interfaces",
        "provide_comprehensive_context",
        "include_examples_and_patterns",
        "define_clear_success_criteria",
    ]


def test_hints_of_a_real_analysis_follow_its_facts(analyzer):
    result = analyzer.analyze_task("Architect a new microservices system", file_count=15, integration_points=4)
    hints = analyzer.get_prompt_optimization_hints(result)
    assert hints["model"] == "opus"
    assert hints["focus_areas"] == ["detailed_instructions", "file_organization", "integration_boundaries"]
    assert "provide_comprehensive_context" in hints["optimization_strategies"]
    simple = analyzer.get_prompt_optimization_hints(analyzer.analyze_task("List all available users"))
    assert simple["model"] == "haiku"
    assert simple["optimization_strategies"] == ["use_concise_instructions", "minimize_context_overhead"]


# --- logging


def test_the_module_has_a_logger_named_after_it():
    assert isinstance(facade.logger, logging.Logger)
    assert facade.logger.name == LOGGER_NAME


def test_constructing_an_analyzer_logs_at_debug(caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    TaskComplexityAnalyzer()
    records = [r for r in caplog.records if r.name == LOGGER_NAME]
    assert [r.levelno for r in records] == [logging.DEBUG]
    assert "TaskComplexityAnalyzer initialized" in records[0].getMessage()


def test_each_analysis_logs_score_level_and_model_at_info_but_not_the_task(analyzer, caplog):
    task = "Migrate the payroll of Jane Roe (account 4242-1111) to the new ledger"
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    result = analyzer.analyze_task(task)
    analyzer.analyze_task("List files")
    records = [r for r in caplog.records if r.name == LOGGER_NAME]
    assert [r.levelno for r in records] == [logging.INFO, logging.INFO]
    message = records[0].getMessage()
    assert message.startswith("Task complexity analysis complete")
    assert f"score={result.complexity_score}" in message
    assert f"level={result.complexity_level.value}" in message
    assert f"model={result.recommended_model.value}" in message
    for record in records:
        rendered = record.getMessage() + repr(record.args)
        assert "Jane" not in rendered and "4242" not in rendered and "payroll" not in rendered


def test_with_info_off_an_analysis_never_reaches_the_logger(analyzer, caplog, monkeypatch):
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)

    def refuse(*args, **kwargs):
        raise AssertionError("logger.info called while INFO is off")

    monkeypatch.setattr(facade.logger, "info", refuse)
    analyzer.analyze_task("Implement feature", file_count=4)
    assert not [r for r in caplog.records if r.name == LOGGER_NAME]
