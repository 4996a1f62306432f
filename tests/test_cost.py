"""Cost report, pricing table and baselines computed from a known decision log, on both backends."""

from __future__ import annotations

import json
import time

import pytest
from claude_pm.baseline import (
    capture_baseline,
    compare_baseline,
    get_agent_usage_stats,
    get_api_costs,
    get_task_type_distribution,
    get_token_usage,
    read_baseline,
)
from claude_pm.cost import analyze_cost_impact
from claude_pm.decision_log import DecisionLogError
from claude_pm.errors import ConfigError
from claude_pm.pricing import DEFAULT_PRICES, ModelPrice, load_pricing
from decision_log_support import decision, log_target, record_all

__all__ = ["log_target"]

HAIKU, SONNET, OPUS = "claude-3-haiku-20240307", "claude-sonnet-4-20250514", "claude-4-opus"


@pytest.fixture(autouse=True)
def _keep_a_month(monkeypatch):
    """The seeded log holds a 10-day-old decision; the default 7-day retention would prune it."""
    monkeypatch.setenv("CLAUDE_PM_METRICS_RETENTION_HOURS", "720")


def _seed(target: str) -> list[str]:
    """Two haiku, one sonnet, one opus, one unpriced model and one old decision."""
    now = time.time()
    return record_all(
        target,
        [
            decision(
                model_id=HAIKU,
                tier="haiku",
                level="SIMPLE",
                score=10,
                prompt_tokens=400,
                full_prompt_tokens=1400,
                agent="qa",
            ),
            decision(
                model_id=HAIKU,
                tier="haiku",
                level="SIMPLE",
                score=20,
                prompt_tokens=400,
                full_prompt_tokens=1400,
                agent="qa",
            ),
            decision(model_id=SONNET, score=50, prompt_tokens=900, full_prompt_tokens=1400),
            decision(
                model_id=OPUS, tier="opus", level="COMPLEX", score=90, prompt_tokens=1400, full_prompt_tokens=1400
            ),
            decision(
                model_id="mystery-model",
                tier=None,
                level=None,
                score=None,
                prompt_tokens=500,
                full_prompt_tokens=500,
                selection_method="environment_override",
            ),
            decision(model_id=OPUS, timestamp=now - 10 * 86400, score=95),
        ],
        usage={2: (1000, 2000)},
    )


def test_the_guides_report_keys_computed_from_the_log(log_target):
    _seed(log_target)
    report = analyze_cost_impact(since="7d")
    assert report["total_requests"] == 5
    assert report["model_distribution"] == {HAIKU: 2, OPUS: 1, SONNET: 1, "mystery-model": 1}
    weighted = (2 * 0.25 + 3.0 + 15.0) / 4
    assert report["weighted_cost_per_million"] == pytest.approx(weighted)
    assert report["baseline_cost_per_million"] == 3.0
    assert report["savings_percent"] == pytest.approx((3.0 - weighted) / 3.0 * 100)
    assert report["complexity_distribution"] == {"0-30": 2, "31-70": 1, "71-100": 1}
    assert report["unscored_requests"] == 1


def test_unknown_models_are_reported_not_priced_at_zero(log_target):
    _seed(log_target)
    report = analyze_cost_impact(since="7d")
    assert report["unpriced_models"] == {"mystery-model": 1}
    assert report["priced_requests"] == 4


def test_token_reduction_and_real_usage_costs(log_target):
    _seed(log_target)
    report = analyze_cost_impact(since="7d")
    reduction = report["token_reduction"]
    assert (reduction["prompt_tokens"], reduction["full_prompt_tokens"]) == (3100, 5600)
    assert reduction["reduction_percent"] == pytest.approx(2500 / 5600 * 100)
    assert reduction["estimated_savings_usd"] == pytest.approx((2000 * 0.25 + 500 * 3.0) / 1e6)
    usage = report["usage"]
    assert (usage["decisions_with_usage"], usage["input_tokens"], usage["output_tokens"]) == (1, 1000, 2000)
    assert usage["cost_usd"] == pytest.approx(3000 * 3.0 / 1e6)
    # the sonnet decision's real usage replaces its prompt estimate in the total
    expected = (800 * 0.25 + 3000 * 3.0 + 1400 * 15.0) / 1e6
    assert report["estimated_cost_usd"] == pytest.approx(expected)


def test_the_window_follows_since(log_target):
    _seed(log_target)
    assert analyze_cost_impact(since="30d")["total_requests"] == 6
    assert analyze_cost_impact(since="1h")["total_requests"] == 5


def test_all_decisions_count_unless_live_or_shadow_is_asked_for(log_target):
    record_all(log_target, [decision(), decision(model_id=HAIKU, shadow=True), decision(model_id=HAIKU, shadow=True)])
    assert analyze_cost_impact(since="7d")["total_requests"] == 3
    live = analyze_cost_impact(since="7d", shadow=False)
    assert live["model_distribution"] == {SONNET: 1} and live["window"]["decisions"] == "live"
    shadow = analyze_cost_impact(since="7d", shadow=True)
    assert shadow["model_distribution"] == {HAIKU: 2} and shadow["window"]["decisions"] == "shadow"


def test_baseline_model_may_be_a_tier_and_must_be_priced(log_target):
    _seed(log_target)
    assert analyze_cost_impact(since="7d", baseline_model="opus")["baseline_cost_per_million"] == 15.0
    with pytest.raises(ValueError, match=r"baseline_model='gpt-9'.*priced model id"):
        analyze_cost_impact(since="7d", baseline_model="gpt-9")


@pytest.mark.parametrize("since", ["7 days", "yesterday", "-3d", ""])
def test_a_bad_since_names_the_argument(log_target, since):
    with pytest.raises(ValueError, match="since="):
        analyze_cost_impact(since=since)


def test_a_pricing_file_overrides_the_defaults(log_target, tmp_path, monkeypatch):
    _seed(log_target)
    prices = tmp_path / "prices.toml"
    prices.write_text(
        '[models."claude-sonnet-4-20250514"]\ninput = 3.0\noutput = 15.0\n[models]\n"mystery-model" = 1.0\n'
    )
    monkeypatch.setenv("CLAUDE_PM_PRICING_FILE", str(prices))
    report = analyze_cost_impact(since="7d")
    assert report["unpriced_models"] == {}
    assert report["usage"]["cost_usd"] == pytest.approx((1000 * 3.0 + 2000 * 15.0) / 1e6)


def test_the_report_needs_a_configured_log(monkeypatch, tmp_path):
    monkeypatch.delenv("CLAUDE_PM_DECISION_LOG", raising=False)
    with pytest.raises(DecisionLogError, match="CLAUDE_PM_DECISION_LOG is not set"):
        analyze_cost_impact()
    with pytest.raises(DecisionLogError, match="no decision log at this path"):
        analyze_cost_impact(decision_log=str(tmp_path / "absent.db"))


def test_default_prices_are_the_guides_example_rates(monkeypatch):
    monkeypatch.delenv("CLAUDE_PM_PRICING_FILE", raising=False)
    assert load_pricing().prices == DEFAULT_PRICES
    assert DEFAULT_PRICES[HAIKU] == ModelPrice(0.25, 0.25)
    assert DEFAULT_PRICES[SONNET] == ModelPrice(3.0, 3.0)
    assert DEFAULT_PRICES[OPUS] == ModelPrice(15.0, 15.0)


def test_json_pricing_files_are_read(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"models": {"my-model": {"input": 1, "output": 2}}}))
    table = load_pricing(str(path))
    assert table.get("my-model") == ModelPrice(1.0, 2.0) and table.get(HAIKU) == DEFAULT_PRICES[HAIKU]


@pytest.mark.parametrize(
    ("name", "text", "complaint"),
    [
        ("p.toml", "models = [", "valid TOML"),
        ("p.json", "{", "valid JSON"),
        ("p.toml", "[other]\nx = 1\n", "'models' table is missing"),
        ("p.toml", '[models.m]\ninput = "cheap"\noutput = 1\n', "models.m.input is 'cheap'"),
        ("p.toml", "[models.m]\ninput = -1\noutput = 1\n", "models.m.input is -1"),
        ("p.toml", "[models.m]\ninput = 1\n", "must have exactly input and output"),
        ("p.json", '{"models": {"m": true}}', "models.m is True"),
    ],
)
def test_a_malformed_pricing_file_names_the_variable_and_the_key(tmp_path, name, text, complaint):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError, match="CLAUDE_PM_PRICING_FILE") as raised:
        load_pricing(str(path))
    assert complaint in str(raised.value)


def test_a_missing_pricing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"CLAUDE_PM_PRICING_FILE.*readable"):
        load_pricing(str(tmp_path / "nope.toml"))


def test_baseline_capture_has_the_guides_shape(log_target):
    _seed(log_target)
    baseline = capture_baseline("7d")
    assert {"date", "daily_tokens", "daily_cost", "agent_distribution", "task_types"} <= set(baseline)
    assert baseline["agent_distribution"] == {"engineer": 3, "qa": 2}
    assert baseline["task_types"] == {"COMPLEX": 1, "MEDIUM": 1, "SIMPLE": 2, "none": 1}
    # the seeded decisions span seconds, so the daily figures cover the one-hour minimum
    assert baseline["daily_tokens"] == pytest.approx((800 + 3000 + 1400 + 500) * 24)
    assert baseline["daily_cost"] == pytest.approx((800 * 0.25 + 3000 * 3.0 + 1400 * 15.0) / 1e6 * 24)
    assert baseline["unpriced_models"] == {"mystery-model": 1}


def test_the_guides_baseline_helpers_read_the_log(log_target):
    _seed(log_target)
    baseline = capture_baseline("7d")
    assert get_token_usage(days=7) == pytest.approx(baseline["daily_tokens"], rel=1e-3)
    assert get_api_costs(days=7) == pytest.approx(baseline["daily_cost"], rel=1e-3)
    assert get_agent_usage_stats() == {"engineer": 3, "qa": 2}
    assert get_task_type_distribution() == {"COMPLEX": 1, "MEDIUM": 1, "SIMPLE": 2, "none": 1}


def test_baseline_compare_reports_the_change(log_target, tmp_path):
    _seed(log_target)
    path = tmp_path / "baseline_metrics.json"
    before = capture_baseline("7d")
    path.write_text(json.dumps(before))
    record_all(log_target, [decision(agent="qa", model_id=HAIKU, level="SIMPLE", score=5, prompt_tokens=400)] * 5)
    comparison = compare_baseline(str(path))
    assert comparison["daily_tokens"]["change_percent"] == pytest.approx(2000 / 5700 * 100)
    assert comparison["agent_distribution"]["qa"]["current_share"] == pytest.approx(70.0)
    assert comparison["agent_distribution"]["qa"]["change_points"] == pytest.approx(30.0)
    assert comparison["task_types"]["SIMPLE"]["current_share"] == pytest.approx(70.0)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
        (
            '{"date": "x", "daily_tokens": "many", "daily_cost": 1, "agent_distribution": {}, "task_types": {}}',
            "daily_tokens='many'",
        ),
        (
            '{"date": "x", "daily_tokens": 1, "daily_cost": 1, "agent_distribution": {"qa": "lots"}, "task_types": {}}',
            "agent_distribution.qa='lots'",
        ),
    ],
)
def test_a_malformed_baseline_file_is_named(tmp_path, text, complaint):
    path = tmp_path / "baseline.json"
    path.write_text(text)
    with pytest.raises(ValueError, match="baseline file") as raised:
        read_baseline(str(path))
    assert complaint in str(raised.value)
