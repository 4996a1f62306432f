"""claude-pm train: the weights editor, the fitter on planted labels, labels from logged outcomes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from claude_pm._core import Scorer, ScoringRules
from claude_pm.cli import main
from claude_pm.evaluation import evaluate_split
from claude_pm.rules_weights import RulesWeights
from claude_pm.selection import select
from claude_pm.training import current_rules_text, held_out, labels_from_file, train
from conftest import cli_runner
from decision_log_support import decision, log_target
from replay_support import PLANTED_BAND, plant_log, record_with_outcomes

__all__ = ["log_target"]

CORPUS = Path(__file__).parent / "data" / "routing_corpus"
_LEVELS = ("SIMPLE", "MEDIUM", "COMPLEX")


def _corpus_tasks() -> list[str]:
    return [
        json.loads(line)["task"]
        for file in sorted(CORPUS.glob("*.jsonl"))
        for line in file.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _labels_file(path: Path, tasks: list[str], levels) -> Path:
    path.write_text(
        "".join(json.dumps({"task": task, "tier": _LEVELS[int(level)]}) + "\n" for task, level in zip(tasks, levels)),
        encoding="utf-8",
    )
    return path


def test_the_reduced_rules_score_every_corpus_task_like_the_full_rules():
    text, _ = current_rules_text()
    tasks = _corpus_tasks()
    weights = RulesWeights(text)
    reduced = weights.reduced_text(tasks)
    assert len(reduced) < len(text) / 2
    full = Scorer(ScoringRules.from_toml(text)).score_many(tasks)[0]
    assert np.array_equal(Scorer(ScoringRules.from_toml(reduced)).score_many(tasks)[0], full)
    assert RulesWeights(reduced).values() == weights.values()


def test_weights_are_edited_in_place_and_nothing_else_changes():
    text, _ = current_rules_text()
    weights = RulesWeights(text)
    assert {"actions.medium.base", "trivial.strong_points", "points.complex_floor", "no_action.base"} <= set(
        weights.names
    )
    assert not any(name.endswith((".free", "_hits", ".window")) for name in weights.names)
    edited = weights.with_values({"actions.medium.base": 33, "trivial.strong_points": 21})
    before, after = text.splitlines(), edited.splitlines()
    changed = [(old, new) for old, new in zip(before, after) if old != new]
    assert changed == [("base = 40", "base = 33"), ("strong_points = 25", "strong_points = 21")]
    assert len(before) == len(after)
    assert RulesWeights(edited).values() == dict(
        weights.values(), **{"actions.medium.base": 33, "trivial.strong_points": 21}
    )
    with pytest.raises(ValueError, match=re.escape("no weight named 'actions.nothing.base'")):
        weights.with_values({"actions.nothing.base": 1})


def test_weights_hidden_in_an_inline_table_are_an_error_naming_them():
    text, _ = current_rules_text()
    inline = text.replace("[points]\n", "points = { medium_floor = 40, complex_floor = 75 }\n[unused_points]\n", 1)
    with pytest.raises(ValueError, match=re.escape("points.medium_floor")):
        RulesWeights(inline.replace("medium_floor = 40\n", "", 1), "inline.toml")


def test_the_fit_finds_a_planted_weight(tmp_path):
    text, _ = current_rules_text()
    tasks = _corpus_tasks()
    planted_rules = ScoringRules.from_toml(RulesWeights(text).with_values({"actions.medium.base": 22}))
    planted_levels = Scorer(planted_rules).score_many(tasks)[1]
    assert not np.array_equal(planted_levels, Scorer().score_many(tasks)[1])
    labels = _labels_file(tmp_path / "planted.jsonl", tasks, planted_levels)
    report = train(labels, out=tmp_path / "proposed.toml", weights=["actions.medium.base", "actions.edit.base"])
    assert list(report["changed_weights"]) == ["actions.medium.base"]
    assert report["held_out"]["proposed"]["accuracy"] == 1.0
    assert report["held_out"]["current"]["accuracy"] < 1.0
    fitted = ScoringRules.from_path(tmp_path / "proposed.toml")
    simple, medium = report["proposed"]["simple_threshold"], report["proposed"]["medium_threshold"]
    refitted = Scorer(fitted, simple_threshold=simple, medium_threshold=medium).score_many(tasks)[1]
    assert np.array_equal(refitted, planted_levels)
    [removed] = [line for line in report["diff"].splitlines() if line.startswith("-") and not line.startswith("---")]
    [added] = [line for line in report["diff"].splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert removed == "-base = 40" and added.startswith("+base = ")


def test_the_fit_finds_planted_thresholds_from_scores_alone(tmp_path):
    tasks = _corpus_tasks()
    scores = Scorer().score_many(tasks)[0]
    planted = np.where(scores <= 25, 0, np.where(scores <= 65, 1, 2))
    labels = _labels_file(tmp_path / "planted.jsonl", tasks, planted)
    report = train(labels, out=tmp_path / "proposed.toml", weights=["none"])
    assert report["changed_weights"] == {} and report["diff"] == ""
    simple, medium = report["proposed"]["simple_threshold"], report["proposed"]["medium_threshold"]
    assert np.array_equal(np.where(scores <= simple, 0, np.where(scores <= medium, 1, 2)), planted)
    assert report["held_out"]["proposed"]["accuracy"] == 1.0


def test_the_held_out_figures_of_the_current_rules_match_claude_pm_eval():
    labels = labels_from_file(CORPUS, Scorer())
    check = labels.subset("check")
    figures = held_out(check, Scorer(), (30, 70))
    report = evaluate_split(CORPUS)["check"]
    assert figures["tasks"] == report.total
    assert figures["accuracy"] == pytest.approx(report.accuracy)
    assert figures["under_routing_rate"] == pytest.approx(report.under_routing_rate)


def test_the_fitted_file_loads_from_the_environment_and_its_signals_add_up(tmp_path, monkeypatch):
    text, _ = current_rules_text()
    tasks = _corpus_tasks()[:400]
    planted = Scorer(ScoringRules.from_toml(RulesWeights(text).with_values({"trivial.strong_points": 10}))).score_many(
        tasks
    )[1]
    out = tmp_path / "proposed.toml"
    train(_labels_file(tmp_path / "l.jsonl", tasks, planted), out=out, weights=["trivial.*"])
    monkeypatch.setenv("CLAUDE_PM_SCORING_RULES", str(out))
    for task in tasks[:50]:
        config = select("engineer", task_description=task).config
        assert sum(points for _, points in config["signals"]) == config["complexity_score"]


def test_labels_from_the_log_find_the_planted_failure_band(log_target, tmp_path):
    planted = plant_log(log_target)
    report = train(from_log=True, out=tmp_path / "proposed.toml", weights=["none"])
    assert report["proposed"]["simple_threshold"] == min(PLANTED_BAND) - 1
    assert report["proposed"]["medium_threshold"] == 70
    assert report["labels"]["without_text"] == report["labels"]["total"] > 0
    assert report["held_out"]["proposed"]["accuracy"] == 1.0
    assert report["held_out"]["current"]["below_label"] > 0
    band = sum(1 for row in planted.routed if row[2] == "haiku" and row[1] in PLANTED_BAND)
    assert report["replay"]["available"]
    assert report["replay"]["outcomes"]["failures_to_stronger"] == band
    assert report["replay"]["outcomes"]["successes_to_weaker"] == 0


def test_the_log_label_of_a_task_that_failed_on_haiku_and_succeeded_on_sonnet_is_medium(log_target, tmp_path):
    from claude_pm.training import labels_from_log

    plant_log(log_target, count=300)
    labels = labels_from_log(since="7d")
    failed = [i for i, accept in enumerate(labels.accept) if not accept[0]]
    assert failed and all(labels.accept[i] == (False, True, False) and labels.expected[i] == 1 for i in failed)
    assert all(split in ("tune", "check") for split in labels.splits)
    assert labels.skipped["no_information"] > 0  # opus successes say nothing about a cheaper tier


def test_cli_prints_the_diff_the_held_out_table_and_json(tmp_path):
    text, _ = current_rules_text()
    tasks = _corpus_tasks()[::3]
    planted = Scorer(ScoringRules.from_toml(RulesWeights(text).with_values({"actions.medium.base": 22}))).score_many(
        tasks
    )[1]
    labels = _labels_file(tmp_path / "l.jsonl", tasks, planted)
    runner = cli_runner()
    out = tmp_path / "proposed.toml"
    result = runner.invoke(main, ["train", str(labels), "--out", str(out), "--weights", "actions.medium.base"])
    assert result.exit_code == 0, result.output
    assert "-base = 40" in result.stdout and "accuracy" in result.stdout
    assert f"export CLAUDE_PM_SCORING_RULES={out}" in result.stdout
    as_json = runner.invoke(
        main, ["train", str(labels), "--out", str(out), "--weights", "actions.medium.base", "--json"]
    )
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["held_out"]["proposed"]["accuracy"] == 1.0


def _one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path):
    runner = cli_runner()
    out = str(tmp_path / "out.toml")
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text('{"task": "fix it", "tier": "HUGE"}\n', encoding="utf-8")
    _one_line_error(runner.invoke(main, ["train", str(unknown), "--out", out]), "'HUGE' is not a tier")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    _one_line_error(runner.invoke(main, ["train", str(empty), "--out", out]), "no labelled rows")
    _one_line_error(runner.invoke(main, ["train", "--out", out]), "LABELS.jsonl")
    good = _labels_file(tmp_path / "good.jsonl", ["fix the typo", "redesign the whole platform"], [0, 2])
    _one_line_error(
        runner.invoke(main, ["train", str(good), "--out", str(tmp_path / "missing" / "out.toml")]),
        "--out",
        "cannot be written",
    )
    _one_line_error(runner.invoke(main, ["train", str(good), "--out", out, "--weights", "nope.*"]), "--weights")
    _one_line_error(runner.invoke(main, ["train", str(tmp_path / "absent.jsonl"), "--out", out]), "absent.jsonl")
    result = runner.invoke(main, ["train", str(good)])
    assert result.exit_code == 2 and "--out" in result.output


def test_acceptable_tiers_with_a_gap_do_not_accept_the_tier_between(tmp_path):
    task = "fix the flaky login test"
    score = Scorer().analyze(task).score
    path = tmp_path / "gap.jsonl"
    path.write_text(json.dumps({"task": task, "acceptable_tiers": ["SIMPLE", "COMPLEX"]}) + "\n", encoding="utf-8")
    labels = labels_from_file(path, Scorer())
    assert held_out(labels, Scorer(), (score - 1, score))["accuracy"] == 0.0  # MEDIUM
    assert held_out(labels, Scorer(), (score, score + 1))["accuracy"] == 1.0  # SIMPLE
    assert held_out(labels, Scorer(), (score - 2, score - 1))["accuracy"] == 1.0  # COMPLEX


def test_logged_outcomes_with_task_text_fit_a_planted_weight(log_target, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT", "true")
    text, _ = current_rules_text()
    tasks = _corpus_tasks()[::3]
    planted = Scorer(ScoringRules.from_toml(RulesWeights(text).with_values({"actions.medium.base": 22}))).score_many(
        tasks
    )[1]
    scores = Scorer().score_many(tasks)[0]
    tiers = ("haiku", "sonnet", "opus")
    records, successes = [], []
    for task, level, score in zip(tasks, planted.tolist(), scores.tolist()):
        if level > 0:  # the tier below the planted one failed, the planted one succeeded
            records.append(decision(tier=tiers[level - 1], score=score, level=_LEVELS[level - 1], task_text=task))
            successes.append(False)
        records.append(decision(tier=tiers[level], score=score, level=_LEVELS[level], task_text=task))
        successes.append(True)
    record_with_outcomes(log_target, records, successes)
    report = train(from_log=True, since="7d", out=tmp_path / "proposed.toml", weights=["actions.medium.base"])
    assert report["labels"]["without_text"] == 0 and report["labels"]["total"] == len(set(tasks))
    assert list(report["changed_weights"]) == ["actions.medium.base"]
    assert report["held_out"]["proposed"]["accuracy"] == 1.0 > report["held_out"]["current"]["accuracy"]
    assert report["replay"]["available"] and report["replay"]["mode"] == "vocabulary"
