"""claude-pm replay on generated logs with planted outcomes (both backends)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from claude_pm._core import Scorer, ScoringRules
from claude_pm.cli import main
from claude_pm.config import get_settings
from claude_pm.decision_log import open_store
from claude_pm.pricing import load_pricing
from claude_pm.replay import parse_thresholds, replay
from claude_pm.rules_weights import RulesWeights
from claude_pm.training import current_rules_text
from conftest import cli_runner
from decision_log_support import decision, log_target, record_all
from replay_support import PLANTED_BAND, plant_log

__all__ = ["log_target"]
_TIERS = ("haiku", "sonnet", "opus")


def _tier(score: int, simple: int, medium: int) -> str:
    return _TIERS[0 if score <= simple else 1 if score <= medium else 2]


def _expected_cost_change(planted, simple: int, medium: int) -> float:
    pricing, settings = load_pricing(), get_settings()
    price = {tier: pricing.get(settings.model_id(tier)) for tier in _TIERS}
    change = 0.0
    for _, score, tier, used_in, used_out, _ in planted.routed:
        after = _tier(score, simple, medium)
        change += price[after].cost(used_in, used_out) - price[tier].cost(used_in, used_out)
    return change


def test_a_lower_simple_threshold_sends_every_planted_failure_to_a_stronger_tier(log_target):
    planted = plant_log(log_target)
    result = replay(since="7d", thresholds=(20, 70))
    band = [row for row in planted.routed if row[2] == "haiku" and row[1] in PLANTED_BAND]
    assert band and all(row[5] for row in band)
    assert result["changes"]["to_stronger"] == len(band)
    assert result["changes"]["to_weaker"] == 0
    assert result["changes"]["matrix"]["haiku"]["sonnet"] == len(band)
    assert result["outcomes"]["failures"] == len(band)
    assert result["outcomes"]["failures_to_stronger"] == len(band)
    assert result["outcomes"]["successes_to_weaker"] == 0
    decisions = result["decisions"]
    assert decisions["replayed"] == len(planted.routed)
    assert decisions["no_score"] == planted.unscored
    assert decisions["not_score_routed"] == planted.forced + planted.reruns
    assert result["cost"]["change_usd"] == pytest.approx(_expected_cost_change(planted, 20, 70))
    engineer = [row for row in planted.routed if row[0] == "engineer"]
    moved = sum(1 for row in band if row[0] == "engineer")
    assert result["by_agent"]["engineer"]["shift_points"]["haiku"] == pytest.approx(-moved / len(engineer) * 100)


def test_a_higher_simple_threshold_sends_known_successes_to_a_weaker_tier(log_target):
    planted = plant_log(log_target)
    result = replay(since="7d", thresholds=(40, 70), agent="qa")
    moved = [row for row in planted.routed if row[0] == "qa" and 31 <= row[1] <= 40]
    assert result["changes"]["to_weaker"] == len(moved) > 0
    assert result["changes"]["to_stronger"] == 0
    assert result["outcomes"]["successes_to_weaker"] == len(moved)
    assert result["outcomes"]["failures_to_stronger"] == 0
    assert list(result["by_agent"]) == ["qa"]
    qa_only = [row for row in planted.routed if row[0] == "qa"]
    assert result["cost"]["change_usd"] == pytest.approx(_expected_cost_change(type(planted)(routed=qa_only), 40, 70))


def test_a_vocabulary_replay_rescores_the_text_and_keeps_caller_fact_points(log_target, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT", "true")
    corpus = Path(__file__).parent / "data" / "routing_corpus" / "en-a.jsonl"
    texts = [json.loads(line)["task"] for line in corpus.read_text(encoding="utf-8").splitlines()[:300]]
    text, _ = current_rules_text()
    candidate_path = tmp_path / "candidate.toml"
    candidate_path.write_text(RulesWeights(text).with_values({"actions.medium.base": 20}), encoding="utf-8")
    now, candidate = Scorer(), Scorer(ScoringRules.from_path(candidate_path))
    records, expected = [], {before: {after: 0 for after in _TIERS} for before in _TIERS}
    with_fact_points = 0
    for index, task in enumerate(texts):
        facts = {"file_count": 6} if index % 5 == 0 else {}
        score = now.analyze(task, **facts).score
        with_fact_points += score != now.analyze(task).score
        before = _tier(score, 30, 70)
        records.append(
            decision(
                score=score, level=("SIMPLE", "MEDIUM", "COMPLEX")[_TIERS.index(before)], tier=before, task_text=task
            )
        )
        expected[before][_tier(candidate.analyze(task, **facts).score, 30, 70)] += 1
    records += [decision(score=50, level="MEDIUM", tier="sonnet", task_text=None) for _ in range(7)]
    record_all(log_target, records)
    result = replay(since="7d", rules=candidate_path)
    assert result["mode"] == "vocabulary"
    assert result["decisions"]["no_task_text"] == 7
    assert result["decisions"]["replayed"] == len(texts)
    assert result["decisions"]["facts_or_other_rules"] == with_fact_points > 0
    assert result["changes"]["matrix"] == expected
    assert result["changes"]["to_weaker"] > 0


def test_a_vocabulary_replay_without_any_task_text_says_how_to_get_it(log_target, tmp_path):
    record_all(log_target, [decision(task_text=None)])
    text, _ = current_rules_text()
    candidate = tmp_path / "candidate.toml"
    candidate.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT=true"):
        replay(since="7d", rules=candidate)


def test_cli_prints_the_replay_and_json(log_target):
    planted = plant_log(log_target, count=400)
    runner = cli_runner()
    table = runner.invoke(main, ["replay", "--since", "7d", "--thresholds", "20/70"])
    assert table.exit_code == 0, table.output
    band = sum(1 for row in planted.routed if row[2] == "haiku" and row[1] in PLANTED_BAND)
    assert f"{band} failures, {band} of them would go to a stronger tier" in table.stdout
    as_json = runner.invoke(main, ["replay", "--thresholds", "20/70", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["changes"]["to_stronger"] == band


def _one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_cli_bad_input_is_one_line_and_exit_2(log_target, tmp_path):
    runner = cli_runner()
    open_store(log_target).close()  # an empty, migrated log
    _one_line_error(runner.invoke(main, ["replay", "--thresholds", "20/70"]), "no decisions the score routed")
    record_all(log_target, [decision(agent="qa")])
    for bad in ("65/25", "25/101", "-1/50", "30", "a/b"):
        _one_line_error(runner.invoke(main, ["replay", "--thresholds", bad]), f"--thresholds={bad!r}", "0 <= simple")
    _one_line_error(runner.invoke(main, ["replay", "--thresholds", "20/70", "--agent", "nobody"]), "--agent", "nobody")
    _one_line_error(runner.invoke(main, ["replay", "--thresholds", "20/70", "--agent", "engineer"]), "agent 'engineer'")
    missing = tmp_path / "missing.toml"
    _one_line_error(runner.invoke(main, ["replay", "--rules", str(missing)]), "--rules=", "cannot be read")
    broken = tmp_path / "broken.toml"
    broken.write_text("version = [", encoding="utf-8")
    _one_line_error(runner.invoke(main, ["replay", "--rules", str(broken)]), "not a valid scoring rules file")
    _one_line_error(runner.invoke(main, ["replay"]), "--thresholds")


def test_parse_thresholds_accepts_the_engine_range():
    assert parse_thresholds("0/100") == (0, 100)
    assert parse_thresholds(" 25 / 65 ") == (25, 65)
    with pytest.raises(ValueError, match="--thresholds='50/50'"):
        parse_thresholds("50/50")


def test_shadow_decisions_replay_the_tier_their_score_gave(log_target):
    # Test mode: the caller got the agent's default model (opus), the level is the router's verdict.
    shadow = [
        decision(score=score, level="SIMPLE", tier="opus", shadow=True, selection_method="default_mapping")
        for score in (10, 25, 28)
    ]
    record_all(log_target, shadow)
    result = replay(since="7d", thresholds=(20, 70))
    assert result["decisions"]["replayed"] == 3
    assert result["tiers"]["before"] == {"haiku": 3, "sonnet": 0, "opus": 0}
    assert result["tiers"]["after"] == {"haiku": 1, "sonnet": 2, "opus": 0}
