"""The native Router: one call per selection, agreeing with the rollout rules and the
pipeline's documented order of decisions."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime

import pytest
from claude_pm import selection
from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info
from claude_pm.config import get_settings
from claude_pm.rollout import should_enable_optimization, user_bucket


def _router():
    return selection._current_state().router


def test_route_returns_the_selection_and_the_pipeline_agrees():
    routed = _router().route("engineer", "List files", None, {}, None, None, False, False)
    assert routed is not None
    name, _prompt, model_id, config = routed
    prompt, pipeline_model, pipeline_config = get_agent_prompt_with_model_info(
        "engineer", task_description="List files"
    )
    assert (name, model_id) == ("engineer", pipeline_model)
    assert config == pipeline_config
    assert config["complexity_level"] == "SIMPLE"
    assert prompt


def test_names_that_are_not_exact_are_resolved_by_the_pipeline():
    assert _router().route("Data Engineer") is None
    _, _, config = get_agent_prompt_with_model_info("Data Engineer", task_description="List files")
    assert config["selection_method"] == "dynamic_complexity_based"
    with pytest.raises(ValueError, match="unknown agent 'nobody'"):
        get_agent_prompt_with_model_info("nobody", task_description="List files")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"task_description": 42}, TypeError, "task_description must be str, not int"),
        ({"task_description": "x", "user_id": 7}, TypeError, "user_id must be a str or None, not int"),
        ({"task_description": "x", "model_override": 3}, TypeError, "model_override must be str or None, not int"),
        ({"task_description": "x", "file_count": -1}, ValueError, "file_count=-1 is not valid"),
        (
            {"task_description": "x", "file_size": 3},
            TypeError,
            r"unexpected keyword argument\(s\) file_size; task facts",
        ),
        ({"file_size": 3}, TypeError, r"unexpected keyword argument\(s\) file_size"),
        ({"task_description": "x", "technical_depth": "huge"}, ValueError, "technical_depth='huge' is not valid"),
    ],
)
def test_bad_arguments_name_what_was_wrong(kwargs, error, message):
    with pytest.raises(error, match=message):
        get_agent_prompt_with_model_info("engineer", **kwargs)


def test_agent_name_must_be_text():
    with pytest.raises(TypeError, match="agent name must be a str, not int"):
        _router().route(5)


def test_rollout_decisions_match_the_rollout_module(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "37")
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", "02:00-06:59,22:30-23:15")
    monkeypatch.setenv("CLAUDE_PM_QA_ROLLOUT_PERCENTAGE", "80")
    monkeypatch.setenv("CLAUDE_PM_OPS_MODEL_SELECTION", "false")
    settings = get_settings()
    router = _router()
    assert router.needs_minute
    rng = random.Random(5)
    for _ in range(600):
        agent = rng.choice(["engineer", "qa", "ops", "research"])
        user = rng.choice([None, "", f"user-{rng.randrange(10_000)}"])
        minute = rng.randrange(24 * 60)
        now = datetime(2026, 1, 1, minute // 60, minute % 60)
        expected = should_enable_optimization(agent, user, now=now, settings=settings)
        _, _, _, config = router.route(agent, "List files", user, None, None, minute, False, False)
        assert config["rollout"] == {"enabled": expected.enabled, "reason": expected.reason, "shadow": False}


def test_a_gated_router_needs_the_minute(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", "02:00-06:59")
    with pytest.raises(ValueError, match="minute is required"):
        _router().route("engineer", "List files", "u", None, None, None, False, False)


def test_user_buckets_are_the_md5_formula_including_lone_surrogates(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "50")
    router = _router()
    users = [f"u{i}" for i in range(200)] + ["\ud800-lone", "ünïcode-ß"]
    for user in users:
        formula = int.from_bytes(hashlib.md5(user.encode("utf-8", "surrogatepass")).digest(), "big") % 100
        assert user_bucket(user) == formula
        _, _, _, config = router.route("engineer", "List files", user, None, None, None, False, False)
        assert config["rollout"]["reason"] == ("percentage_in" if formula < 50 else "percentage_out")


def test_shadow_mode_serves_the_default_and_reports_the_routed_choice(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_TEST_MODE", "true")
    _, _, model_id, config = _router().route("qa", "List files", None, None, None, None, False, False)
    settings = get_settings()
    assert model_id == settings.model_ids["sonnet"]
    assert config["reason"] == "shadow_mode"
    assert config["template_used"] == "FULL"
    assert config["shadow"] == {
        "model": settings.model_ids["haiku"],
        "template_used": "MINIMAL",
        "complexity_level": "SIMPLE",
    }


def test_model_override_by_tier_name_or_id():
    settings = get_settings()
    router = _router()
    _, _, model_id, config = router.route("qa", "List files", None, None, "OPUS", None, False, False)
    assert (model_id, config["model_tier"], config["selection_method"]) == (
        settings.model_ids["opus"],
        "opus",
        "caller_override",
    )
    _, _, model_id, config = router.route("qa", "List files", None, None, "my-model", None, False, False)
    assert (model_id, config["model_tier"]) == ("my-model", None)
    _, _, model_id, config = router.route("qa", "List files", None, None, "", None, False, False)
    assert config["selection_method"] == "dynamic_complexity_based"


def test_record_counts_each_routed_selection_once(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_METRICS_ENABLED", "true")
    router = _router()
    stats = selection.selection_stats()
    before = stats.snapshot()["total_selections"]
    router.route("engineer", "List files", None, None, None, None, False, True)
    router.route("engineer", "List files", None, None, "my-model", None, False, True)
    router.route("engineer", "List files", None, None, None, None, False, False)
    snapshot = stats.snapshot()
    assert snapshot["total_selections"] == before + 2
    samples = stats.prometheus_samples()["optimizations"]
    assert ("engineer", "other", "SIMPLE") in samples


def test_a_cache_miss_returns_no_prompt_and_the_pipeline_fills_it():
    selection.clear_prompt_cache()
    router = _router()
    _, prompt, _, _ = router.route("engineer", "List files", None, None, None, None, False, False)
    assert prompt is None
    get_agent_prompt_with_model_info("engineer", task_description="List files")
    _, prompt, _, _ = router.route("engineer", "List files", None, None, None, None, False, False)
    assert prompt is not None and prompt.strip()
    _, skipped, _, _ = router.route("engineer", "List files", None, None, None, None, True, False)
    assert skipped is None


def test_signal_names_are_reused_between_calls():
    router = _router()
    first = router.route("engineer", "Refactor the cache", None, None, None, None, False, False)[3]["signals"]
    second = router.route("engineer", "Refactor the cache", None, None, None, None, False, False)[3]["signals"]
    assert first == second and first
    assert all(a[0] is b[0] for a, b in zip(first, second))


def test_the_metric_label_is_the_id_for_tier_ids_and_other_for_the_rest(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL", "claude-custom-qa")
    settings = get_settings()
    router = _router()
    assert router.metric_model(settings.model_ids["haiku"]) == settings.model_ids["haiku"]
    assert router.metric_model("claude-custom-qa") == "other"
    assert router.metric_model("anything-else") == "other"
