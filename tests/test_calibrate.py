"""Threshold calibration on known score distributions, on both backends."""

from __future__ import annotations

import pytest
from claude_pm.calibration import calibrate, parse_target
from decision_log_support import decision, log_target, record_all

__all__ = ["log_target"]

HAIKU, SONNET, OPUS = "claude-3-haiku-20240307", "claude-sonnet-4-20250514", "claude-4-opus"


def _uniform_scores(target: str) -> None:
    """One decision per score 0..99, 1000 prompt tokens each, no output."""
    record_all(target, [decision(score=score, prompt_tokens=1000) for score in range(100)])


def test_a_target_mix_becomes_the_matching_score_quantiles(log_target):
    _uniform_scores(log_target)
    result = calibrate({"haiku": 40, "sonnet": 40, "opus": 20}, since="7d")
    proposed = result["proposed"]
    assert (proposed["simple_threshold"], proposed["medium_threshold"]) == (39, 79)
    assert proposed["requests"] == {"haiku": 40, "sonnet": 40, "opus": 20}
    assert result["environment"] == {
        "CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD": "39",
        "CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD": "79",
    }


def test_before_and_after_show_mix_and_cost(log_target):
    _uniform_scores(log_target)
    result = calibrate({"haiku": 40, "sonnet": 40, "opus": 20}, since="7d")
    before, after = result["current"], result["proposed"]
    assert (before["simple_threshold"], before["medium_threshold"]) == (30, 70)
    assert before["requests"] == {"haiku": 31, "sonnet": 40, "opus": 29}
    assert before["cost_usd"] == pytest.approx((31 * 0.25 + 40 * 3.0 + 29 * 15.0) * 1000 / 1e6)
    assert after["cost_usd"] == pytest.approx((40 * 0.25 + 40 * 3.0 + 20 * 15.0) * 1000 / 1e6)
    assert result["cost_change_percent"] == pytest.approx((after["cost_usd"] / before["cost_usd"] - 1) * 100)
    assert sum(after["mix"].values()) == pytest.approx(100.0)


def test_ties_in_scores_give_the_closest_achievable_mix(log_target):
    record_all(log_target, [decision(score=50)] * 10 + [decision(score=90)] * 10)
    result = calibrate({"haiku": 25, "sonnet": 25, "opus": 50}, since="7d")
    assert result["proposed"]["requests"] in (
        {"haiku": 0, "sonnet": 10, "opus": 10},
        {"haiku": 10, "sonnet": 0, "opus": 10},
    )


def test_a_budget_buys_the_most_capable_mix_that_fits(log_target):
    _uniform_scores(log_target)
    days = calibrate({"haiku": 100}, since="7d")["covered_days"]
    result = calibrate(budget_usd_per_day=1.5 * 100 * 1000 * 3.0 / 1e6 / days, since="7d")
    after = result["proposed"]
    assert after["cost_per_day"] <= result["budget_usd_per_day"] * (1 + 1e-9)
    assert after["requests"]["opus"] > 0
    bigger = calibrate(budget_usd_per_day=result["budget_usd_per_day"] * 3, since="7d")["proposed"]["requests"]
    assert bigger["opus"] > after["requests"]["opus"]


def test_a_budget_below_the_cheapest_mix_is_refused(log_target):
    _uniform_scores(log_target)
    with pytest.raises(ValueError, match=r"budget_usd_per_day=1e-09 is below the cheapest mix"):
        calibrate(budget_usd_per_day=1e-9, since="7d")


def test_an_empty_window_has_nothing_to_calibrate(log_target):
    record_all(log_target, [decision(score=None)])
    with pytest.raises(ValueError, match="no scored decisions"):
        calibrate({"haiku": 40, "sonnet": 40, "opus": 20}, since="7d")


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("haiku=40,sonnet=40,opus=30", "sum to 110"),
        ("haiku=40,sonnet=40", "sum to 80"),
        ("haiku=40,gpt=60", "unknown tier 'gpt'"),
        ("haiku=forty,sonnet=60", "haiku='forty'"),
        ("haiku=-10,sonnet=110", "haiku=-10.0"),
        ("haiku", "'haiku' is not valid"),
    ],
)
def test_a_bad_target_is_named(text, complaint):
    with pytest.raises(ValueError, match="--target") as raised:
        parse_target(text)
    assert complaint in str(raised.value)


def test_a_target_may_leave_out_a_tier():
    assert parse_target(" Haiku=50, sonnet=50 ") == {"haiku": 50.0, "sonnet": 50.0, "opus": 0.0}


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"target": {"haiku": 100}, "budget_usd_per_day": 5},
        {"budget_usd_per_day": 0},
        {"budget_usd_per_day": float("nan")},
    ],
)
def test_exactly_one_valid_goal_is_required(kwargs):
    with pytest.raises(ValueError, match=r"target=|budget_usd_per_day"):
        calibrate(**kwargs)


def test_an_unpriced_tier_model_is_named(log_target, monkeypatch):
    _uniform_scores(log_target)
    monkeypatch.setenv("CLAUDE_PM_OPUS_MODEL_ID", "claude-opus-9")
    with pytest.raises(ValueError, match=r"CLAUDE_PM_OPUS_MODEL_ID='claude-opus-9'"):
        calibrate({"haiku": 40, "sonnet": 40, "opus": 20}, since="7d")
