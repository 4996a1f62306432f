"""The 1.x agent_loader API over the one selection pipeline."""

from __future__ import annotations

import logging
import threading

import pytest
from claude_pm.agents import agent_loader
from claude_pm.agents.agent_loader import (
    DEFAULT_AGENT_MODELS,
    MODEL_NAME_MAPPINGS,
    get_agent_prompt,
    get_agent_prompt_with_model_info,
    get_model_selection_metrics,
    list_available_agents,
)
from claude_pm.agents.base_agent_loader import AGENT_NAMES
from claude_pm.errors import ConfigError
from claude_pm.services.shared_prompt_cache import SharedPromptCache

# Why a test below runs on one thread when scripts/test.sh runs this file under
# pytest-run-parallel (--parallel-threads=4: each test body in four threads at once).
EXACT_PROCESS_COUNTS = (
    "asserts exact counts of the process-wide statistics or prompt cache, which every thread's selections add to"
)

HAIKU = "claude-3-haiku-20240307"
SONNET = "claude-sonnet-4-20250514"
OPUS = "claude-4-opus"

CONFIG_KEYS = {
    "selection_method",
    "reason",
    "complexity_score",
    "complexity_level",
    "signals",
    "confidence",
    "template_used",
    "token_reduction_percentage",
    "optimal_prompt_size",
    "rollout",
}


@pytest.mark.parametrize(
    ("task", "model", "level", "template"),
    [
        ("List files", HAIKU, "SIMPLE", "MINIMAL"),
        ("Implement feature", SONNET, "MEDIUM", "STANDARD"),
        ("Refactor system", OPUS, "COMPLEX", "FULL"),
    ],
)
def test_guide_load_test_tasks_land_on_three_models(task, model, level, template):
    prompt, model_id, config = get_agent_prompt_with_model_info("engineer", task_description=task)
    assert model_id == model
    assert config["complexity_level"] == level
    assert config["template_used"] == template
    assert config["selection_method"] == "dynamic_complexity_based"
    assert CONFIG_KEYS <= set(config)
    assert prompt


def test_config_explains_the_decision():
    _, _, config = get_agent_prompt_with_model_info("qa", task_description="Show git status")
    assert isinstance(config["complexity_score"], int)
    assert config["signals"] and all(isinstance(points, int) for _, points in config["signals"])
    assert config["confidence"] >= 0
    assert config["optimal_prompt_size"] == (300, 500)
    assert config["rollout"]["enabled"] is True
    assert 0 < config["token_reduction_percentage"] < 100


def test_without_a_task_the_default_model_and_full_prompt_are_used():
    prompt, model_id, config = get_agent_prompt_with_model_info("documentation")
    assert model_id == DEFAULT_AGENT_MODELS["documentation"]
    assert config["selection_method"] == "default_mapping"
    assert config["reason"] == "no_complexity_analysis"
    assert config["template_used"] == "FULL"
    assert config["token_reduction_percentage"] == 0.0
    assert prompt == get_agent_prompt("documentation")


def test_minimal_prompt_is_a_shorter_variant_of_the_full_prompt():
    short, _, _ = get_agent_prompt_with_model_info("engineer", task_description="List files")
    full, _, _ = get_agent_prompt_with_model_info("engineer")
    assert len(short) < len(full)


def test_unknown_agent_lists_known_agents():
    with pytest.raises(ValueError) as error:
        get_agent_prompt_with_model_info("wizard", task_description="List files")
    for agent in ("engineer", "qa", "documentation"):
        assert agent in str(error.value)


def test_unknown_keyword_is_an_error_not_silently_dropped():
    with pytest.raises(TypeError, match="task_descripton"):
        get_agent_prompt_with_model_info("engineer", task_descripton="List files")


def test_non_string_task_is_a_type_error():
    with pytest.raises(TypeError):
        get_agent_prompt_with_model_info("engineer", task_description=42)


def test_caller_facts_raise_the_score():
    _, _, bare = get_agent_prompt_with_model_info("engineer", task_description="Implement feature")
    _, _, heavy = get_agent_prompt_with_model_info(
        "engineer",
        task_description="Implement feature",
        file_count=12,
        context_size=20000,
        integration_points=3,
        requires_testing=True,
        technical_depth="deep",
    )
    assert heavy["complexity_score"] > bare["complexity_score"]


@pytest.mark.parametrize(
    ("facts", "name"),
    [
        ({"file_count": -1}, "file_count"),
        ({"file_count": True}, "file_count"),
        ({"technical_depth": "bottomless"}, "technical_depth"),
        ({"requires_testing": "yes"}, "requires_testing"),
    ],
)
def test_bad_caller_facts_name_the_argument(facts, name):
    with pytest.raises((TypeError, ValueError), match=name):
        get_agent_prompt_with_model_info("engineer", task_description="Implement feature", **facts)


def test_alias_and_per_agent_getters():
    assert agent_loader.get_orchestrator_agent_prompt() == agent_loader.get_pm_agent_prompt()
    for agent in AGENT_NAMES:
        getter = getattr(agent_loader, f"get_{agent}_agent_prompt")
        assert getter() == get_agent_prompt(agent)


def test_list_available_agents_and_mappings():
    agents = list_available_agents()
    assert set(agents) == set(AGENT_NAMES)
    assert agents["pm"]["aliases"] == ["orchestrator"]
    assert dict(MODEL_NAME_MAPPINGS) == {"haiku": HAIKU, "sonnet": SONNET, "opus": OPUS}


def test_global_switch_off_keeps_templates(monkeypatch):
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "false")
    _, model_id, config = get_agent_prompt_with_model_info("engineer", task_description="List files")
    assert model_id == DEFAULT_AGENT_MODELS["engineer"]
    assert config["selection_method"] == "default_mapping"
    assert config["reason"] == "dynamic_selection_disabled"
    assert config["template_used"] == "MINIMAL"


def test_templates_off_keeps_model_selection(monkeypatch):
    monkeypatch.setenv("ENABLE_DYNAMIC_PROMPT_TEMPLATES", "false")
    _, model_id, config = get_agent_prompt_with_model_info("engineer", task_description="List files")
    assert model_id == HAIKU
    assert config["template_used"] == "FULL"
    assert config["token_reduction_percentage"] == 0.0


def test_per_agent_switch_beats_global_switch_both_ways(monkeypatch):
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "false")
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL_SELECTION", "true")
    assert get_agent_prompt_with_model_info("qa", task_description="List files")[1] == HAIKU
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "true")
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL_SELECTION", "false")
    assert get_agent_prompt_with_model_info("qa", task_description="List files")[1] == DEFAULT_AGENT_MODELS["qa"]
    assert get_agent_prompt_with_model_info("ops", task_description="List files")[1] == HAIKU


@pytest.mark.parametrize(("value", "expected"), [("haiku", HAIKU), ("claude-custom-1", "claude-custom-1")])
def test_forced_model_beats_every_switch(monkeypatch, value, expected):
    monkeypatch.setenv("CLAUDE_PM_ENGINEER_MODEL", value)
    monkeypatch.setenv("CLAUDE_PM_ENGINEER_MODEL_SELECTION", "false")
    _, model_id, config = get_agent_prompt_with_model_info("engineer", task_description="Refactor system")
    assert model_id == expected
    assert config["reason"] == "forced_model"


def test_tier_model_ids_can_be_remapped(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_OPUS_MODEL_ID", "claude-opus-4-1")
    assert get_agent_prompt_with_model_info("engineer", task_description="Refactor system")[1] == "claude-opus-4-1"


def test_thresholds_follow_the_environment(monkeypatch):
    _, _, config = get_agent_prompt_with_model_info("engineer", task_description="Implement feature")
    score = config["complexity_score"]
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", str(score))
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD", str(min(score + 10, 100)))
    _, model_id, config = get_agent_prompt_with_model_info("engineer", task_description="Implement feature")
    assert config["complexity_level"] == "SIMPLE"
    assert model_id == HAIKU
    distribution = get_model_selection_metrics()["selection_stats"]["complexity_distribution"]
    medium = min(score + 10, 100)
    assert list(distribution) == [f"0-{score}", f"{score + 1}-{medium}", f"{medium + 1}-100"]


def test_test_mode_is_shadow_mode(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_TEST_MODE", "true")
    prompt, model_id, config = get_agent_prompt_with_model_info("engineer", task_description="List files")
    assert model_id == DEFAULT_AGENT_MODELS["engineer"]
    assert config["template_used"] == "FULL"
    assert config["shadow"]["model"] == HAIKU
    assert config["shadow"]["template_used"] == "MINIMAL"
    stats = get_model_selection_metrics()["selection_stats"]
    assert stats["shadow_decisions"] == 1
    assert prompt == get_agent_prompt("engineer")


def test_bad_environment_value_raises_at_the_call(monkeypatch):
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "perhaps")
    with pytest.raises(ConfigError, match="ENABLE_DYNAMIC_MODEL_SELECTION"):
        get_agent_prompt_with_model_info("engineer", task_description="List files")
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "on")
    assert get_agent_prompt_with_model_info("engineer", task_description="List files")[1] == HAIKU


def test_metrics_shape_is_complete_before_any_selection():
    metrics = get_model_selection_metrics()
    assert metrics["feature_flag"]["global_enabled"] is True
    assert metrics["feature_flag"]["agent_overrides"] == {}
    assert metrics["model_thresholds"]["simple_threshold"] == 30
    assert metrics["default_models"]["engineer"] == DEFAULT_AGENT_MODELS["engineer"]
    stats = metrics["selection_stats"]
    assert stats["total_selections"] == 0
    for key in ("by_model", "by_agent", "by_method", "by_template"):
        assert stats[key] == {}
    assert stats["complexity_distribution"] == {"0-30": 0, "31-70": 0, "71-100": 0}
    assert stats["average_token_reduction"] == 0.0


def test_default_models_is_a_copy():
    metrics = get_model_selection_metrics()
    metrics["default_models"]["engineer"] = "tampered"
    assert get_model_selection_metrics()["default_models"]["engineer"] != "tampered"


@pytest.mark.thread_unsafe(reason=EXACT_PROCESS_COUNTS)
def test_statistics_count_every_selection():
    for task in ("List files", "Implement feature", "Refactor system", "List files"):
        get_agent_prompt_with_model_info("engineer", task_description=task)
    stats = get_model_selection_metrics()["selection_stats"]
    assert stats["total_selections"] == 4
    assert stats["by_model"] == {HAIKU: 2, SONNET: 1, OPUS: 1}
    assert stats["by_agent"] == {"engineer": 4}
    assert stats["by_method"] == {"dynamic_complexity_based": 4}
    assert stats["by_template"] == {"MINIMAL": 2, "STANDARD": 1, "FULL": 1}
    assert stats["complexity_distribution"] == {"0-30": 2, "31-70": 1, "71-100": 1}
    assert stats["average_token_reduction"] > 0


@pytest.mark.thread_unsafe(reason=EXACT_PROCESS_COUNTS)
def test_statistics_are_exact_under_eight_threads():
    per_thread = 500
    tasks = ("List files", "Implement feature", "Refactor system")

    def hammer(offset: int) -> None:
        for index in range(per_thread):
            get_agent_prompt_with_model_info("qa", task_description=tasks[(index + offset) % 3])

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = get_model_selection_metrics()["selection_stats"]
    assert stats["total_selections"] == 8 * per_thread
    assert sum(stats["by_model"].values()) == 8 * per_thread
    assert sum(stats["complexity_distribution"].values()) == 8 * per_thread


def test_metrics_disabled_records_nothing(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_METRICS_ENABLED", "false")
    get_agent_prompt_with_model_info("engineer", task_description="List files")
    assert get_model_selection_metrics()["selection_stats"]["total_selections"] == 0


@pytest.mark.thread_unsafe(reason=EXACT_PROCESS_COUNTS)
def test_assembled_prompts_are_served_from_the_shared_cache():
    get_agent_prompt_with_model_info("ops", task_description="Show disk usage")
    before = SharedPromptCache.get_instance().get_stats()
    get_agent_prompt_with_model_info("ops", task_description="Show memory usage")
    after = SharedPromptCache.get_instance().get_stats()
    assert after["hits"] == before["hits"] + 1
    assert after["misses"] == before["misses"]


@pytest.mark.thread_unsafe(reason=EXACT_PROCESS_COUNTS)
def test_clear_agent_cache_forces_a_rebuild():
    get_agent_prompt("research")
    agent_loader.clear_agent_cache("research")
    misses = SharedPromptCache.get_instance().get_stats()["misses"]
    get_agent_prompt("research")
    assert SharedPromptCache.get_instance().get_stats()["misses"] == misses + 1


def test_debug_log_shows_the_analysis_but_not_the_task(monkeypatch, caplog):
    monkeypatch.setenv("CLAUDE_PM_LOG_LEVEL", "DEBUG")
    secret = "Refactor the payroll system for ACME-SECRET-42"
    with caplog.at_level(logging.DEBUG, logger="claude_pm"):
        get_agent_prompt_with_model_info("engineer", task_description=secret)
    text = caplog.text
    assert "score=" in text and "level=COMPLEX" in text and OPUS in text and "signals=" in text
    assert "ACME-SECRET-42" not in text


def test_debug_log_includes_task_text_only_when_opted_in(monkeypatch, caplog):
    monkeypatch.setenv("CLAUDE_PM_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("CLAUDE_PM_LOG_TASK_TEXT", "true")
    with caplog.at_level(logging.DEBUG, logger="claude_pm"):
        get_agent_prompt_with_model_info("engineer", task_description="Rename ACME-OPT-IN")
    assert "ACME-OPT-IN" in caplog.text


def test_alias_variables_configure_the_canonical_agent(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ORCHESTRATOR_MODEL", "haiku")
    _, model_id, config = get_agent_prompt_with_model_info("pm", task_description="Refactor system")
    assert model_id == HAIKU and config["reason"] == "forced_model"
    monkeypatch.setenv("CLAUDE_PM_PM_MODEL", "opus")
    with pytest.raises(ConfigError, match="CLAUDE_PM_ORCHESTRATOR_MODEL"):
        get_agent_prompt_with_model_info("pm", task_description="Refactor system")


def test_a_model_override_that_is_not_text_is_a_type_error_naming_it():
    from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info

    with pytest.raises(TypeError, match="model_override must be str or None, not bool"):
        get_agent_prompt_with_model_info("engineer", task_description="List files", model_override=True)
