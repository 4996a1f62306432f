"""Fit a rules file's weights and the two thresholds to labelled tasks; propose, never apply.

Labels come from an eval-format JSONL file (what `claude-pm eval` reads) and/or from
outcomes in the decision log: for each task (its keyed text hash), a known failure on
a tier says the task needs a stronger one, a known success says that tier suffices,
so "failed on haiku, succeeded on sonnet" labels it MEDIUM and "failed on haiku" alone
"at least MEDIUM". Every label falls in the tune or check split of
`claude_pm.evaluation.split_of` (by text, or by the text hash when the log holds no
text); the fit sees only the tune split, and the report compares the current and the
proposed configuration on the check split.

The fitter is a coordinate search over integer weights (steps 8, 4, 2, 1 up and down,
each move kept only when it lowers the tune-split cost, or keeps it and brings the
thresholds nearer the current ones) with the thresholds refitted exactly for every
candidate (all threshold pairs at once over the 101 score bins, ties to the pair nearest
the current one).
The cost counts a task routed below its label `UNDER_COST` times, COMPLEX routed to
SIMPLE `COMPLEX_AS_SIMPLE_COST` times, and one above its label once. A label without
task text (log outcomes recorded without CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT) keeps its
stored score and informs the thresholds only.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from claude_pm._core import Scorer, ScoringRules
from claude_pm.config import get_settings
from claude_pm.decision_log import DecisionLogError
from claude_pm.decision_log.outcomes import OUTCOMES_TABLE
from claude_pm.decision_log.queries import open_log, window
from claude_pm.definitions import LEVEL_NAMES, TIERS
from claude_pm.evaluation import SPLITS, _parse_record, read_records, split_of
from claude_pm.replay import ReplayConfig, replay
from claude_pm.rules_weights import RulesWeights

__all__ = [
    "COMPLEX_AS_SIMPLE_COST",
    "OVER_COST",
    "UNDER_COST",
    "Labels",
    "fit",
    "labels_from_file",
    "labels_from_log",
    "train",
]

OVER_COST = 1
UNDER_COST = 3
COMPLEX_AS_SIMPLE_COST = 10
_STEPS = (8, 4, 2, 1)
_SCORES = 101
# Sweeps over the weights per step size before the step is halved anyway.
_MAX_SWEEPS = 12


@dataclass
class Labels:
    """Labelled tasks: text (None: only the stored score is known), fixed score points and the tier range."""

    texts: list[str | None] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # caller-fact points, or the stored score without text
    accept: list[tuple[bool, bool, bool]] = field(default_factory=list)  # per level: acceptable
    expected: list[int] = field(default_factory=list)  # the label's tier (confusion, under-routing)
    splits: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def add(self, text: str | None, offset: int, acceptable: Sequence[int], expected: int, split: str) -> None:
        self.texts.append(text)
        self.offsets.append(offset)
        self.accept.append((0 in acceptable, 1 in acceptable, 2 in acceptable))
        self.expected.append(expected)
        self.splits.append(split)

    def extend(self, other: Labels) -> None:
        for name in ("texts", "offsets", "accept", "expected", "splits"):
            getattr(self, name).extend(getattr(other, name))
        for reason, count in other.skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + count

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, split: str) -> Labels:
        chosen = Labels()
        for index, name in enumerate(self.splits):
            if name == split:
                chosen.add(
                    self.texts[index],
                    self.offsets[index],
                    [level for level, ok in enumerate(self.accept[index]) if ok],
                    self.expected[index],
                    name,
                )
        return chosen


def labels_from_file(path: str | os.PathLike[str], scorer: Any) -> Labels:
    """Labels of an eval-format JSONL file (or directory); ValueError naming the line for bad rows."""
    labels = Labels()
    for where, record in read_records(path):
        text, expected, acceptable, facts = _parse_record(record, where)
        levels = [LEVEL_NAMES.index(tier) for tier in acceptable]
        offset = 0
        if facts:
            try:
                analysis = scorer.analyze(text, **facts)
            except (TypeError, ValueError) as error:
                raise ValueError(f"{where}: {error}") from None
            offset = (
                analysis.file_points
                + analysis.context_points
                + analysis.integration_points
                + analysis.requirement_points
                + analysis.depth_points
            )
        labels.add(text, offset, levels, LEVEL_NAMES.index(expected), split_of(text))
    return labels


def labels_from_log(*, since: Any = "30d", decision_log: str | None = None) -> Labels:
    """Tier ranges inferred from known outcomes, one label per task (keyed text hash)."""
    scope = window(since, shadow=None)
    where, params = scope.where()
    tier_index = "CASE d.tier " + " ".join(f"WHEN '{tier}' THEN {index}" for index, tier in enumerate(TIERS)) + " END"
    store = open_log(decision_log)
    try:
        rows = store.query(
            f"SELECT d.task_hash, MAX(CASE WHEN o.success = ? THEN {tier_index} END), "
            f"MIN(CASE WHEN o.success = ? THEN {tier_index} END), MAX(d.task_text), MAX(d.score) "
            f"FROM {OUTCOMES_TABLE} o JOIN claude_pm_decisions d ON d.id = o.decision_id {where} "
            "AND o.success IS NOT NULL AND d.tier IS NOT NULL AND d.task_hash IS NOT NULL AND d.score IS NOT NULL "
            "GROUP BY d.task_hash",
            (False, True, *params),
        )
    finally:
        store.close()
    labels = Labels(skipped={"failed_on_strongest_tier": 0, "contradictory": 0, "no_information": 0})
    top = len(TIERS) - 1
    for task_hash, worst_failed, best_succeeded, text, score in rows:
        low = 0 if worst_failed is None else int(worst_failed) + 1
        high = top if best_succeeded is None else int(best_succeeded)
        if low > top:
            labels.skipped["failed_on_strongest_tier"] += 1
        elif high < low:
            labels.skipped["contradictory"] += 1
        elif low == 0 and high == top:
            labels.skipped["no_information"] += 1
        else:
            # Without text the stored score stands for the task (weights cannot move it).
            offset = 0 if text is not None else int(score)
            labels.add(text, offset, range(low, high + 1), low, split_of(text or task_hash))
    return labels


def _costs(labels: Labels) -> np.ndarray:
    """cost[i, level]: what routing task i at each level costs."""
    accept = np.array(labels.accept, dtype=bool).reshape(-1, 3)
    low = accept.argmax(axis=1)[:, None]  # the cheapest acceptable level
    levels = np.arange(3)[None, :]
    cost = np.where(accept, 0, np.where(levels < low, UNDER_COST, OVER_COST))
    complex_as_simple = (low == 2) & (levels == 0)
    return np.where(complex_as_simple, COMPLEX_AS_SIMPLE_COST, cost).astype(np.int64)


class _Problem:
    """The tune split as arrays, scored fast under candidate weights."""

    def __init__(self, labels: Labels, current: tuple[int, int]) -> None:
        self.text_index = np.array([i for i, text in enumerate(labels.texts) if text is not None], dtype=np.int64)
        self.texts = [labels.texts[i] for i in self.text_index]
        self.offsets = np.array(labels.offsets, dtype=np.int64)
        self.costs = _costs(labels)
        self.current = current
        simple = np.arange(_SCORES)[:, None]
        medium = np.arange(_SCORES)[None, :]
        self.valid = simple < medium
        self.distance = np.abs(simple - current[0]) + np.abs(medium - current[1])

    def scores(self, scorer: Any) -> np.ndarray:
        scores = self.offsets.copy()
        if len(self.texts):
            scores[self.text_index] += scorer.score_many(self.texts)[0].astype(np.int64)
        return np.clip(scores, 0, _SCORES - 1)

    def best_thresholds(self, scores: np.ndarray) -> tuple[int, int, int]:
        """(cost, simple, medium) minimising the cost; ties go to the pair nearest the current one."""
        per_bin = np.zeros((_SCORES, 3), dtype=np.int64)
        for level in range(3):
            per_bin[:, level] = np.bincount(scores, weights=self.costs[:, level], minlength=_SCORES)
        prefix = np.vstack([np.zeros((1, 3), dtype=np.int64), np.cumsum(per_bin, axis=0)])
        # level 0 for score <= s, 1 for s < score <= m, 2 above m.
        low = prefix[1:, 0][:, None]
        mid = prefix[1:, 1][None, :] - prefix[1:, 1][:, None]
        high = prefix[-1, 2] - prefix[1:, 2][None, :]
        total = np.where(self.valid, low + mid + high, np.iinfo(np.int64).max)
        best = total.min()
        candidates = np.argwhere(total == best)
        simple, medium = min(candidates.tolist(), key=lambda pair: (self.distance[pair[0], pair[1]], pair))
        return int(best), int(simple), int(medium)


def fit(
    labels: Labels,
    weights: RulesWeights,
    *,
    names: Sequence[str] | None = None,
    current: tuple[int, int] | None = None,
    max_evaluations: int = 2000,
) -> dict[str, Any]:
    """Fit `names` (default: every weight) and the thresholds on `labels` (the tune split only)."""
    settings = get_settings()
    current = current if current is not None else (settings.simple_threshold, settings.medium_threshold)
    problem = _Problem(labels, current)
    full_rules = ScoringRules.from_toml(weights.text)
    baseline_scores = problem.scores(Scorer(full_rules))
    # Fit on the rules without the terms these texts cannot match, once they score the same.
    fast = RulesWeights(weights.reduced_text(t for t in labels.texts if t is not None), weights.source)
    if not np.array_equal(problem.scores(Scorer(ScoringRules.from_toml(fast.text))), baseline_scores):
        fast = weights
    values = weights.values()
    best_cost, simple, medium = problem.best_thresholds(baseline_scores)
    start_cost = best_cost
    evaluations = 0
    for step in _STEPS if names else ():
        for _ in range(_MAX_SWEEPS):
            improved = False
            for name in names:
                low, high = weights.bounds(name)
                for delta in (step, -step):
                    value = values[name] + delta
                    if not low <= value <= high or evaluations >= max_evaluations:
                        continue
                    evaluations += 1
                    trial = dict(values, **{name: value})
                    try:
                        rules = ScoringRules.from_toml(fast.with_values(trial, check=False))
                    except ValueError:  # the engine refuses this combination (e.g. a cap below its points)
                        continue
                    cost, trial_simple, trial_medium = problem.best_thresholds(problem.scores(Scorer(rules)))
                    # Equal cost: the weights that keep the thresholds nearer the current ones win.
                    if (cost, problem.distance[trial_simple, trial_medium]) < (
                        best_cost,
                        problem.distance[simple, medium],
                    ):
                        best_cost, simple, medium, values, improved = cost, trial_simple, trial_medium, trial, True
                        break
            if not improved:
                break
    changed = {name: value for name, value in values.items() if value != weights.values()[name]}
    return {
        "values": values,
        "changed": changed,
        "thresholds": (simple, medium),
        "tune_cost": {"current": start_cost, "proposed": best_cost},
        "evaluations": evaluations,
    }


def select_weights(weights: RulesWeights, patterns: Sequence[str] | None) -> list[str]:
    """The weight names matching any glob in `patterns` (None: all; "none": thresholds only)."""
    if patterns is None:
        return weights.names
    if list(patterns) == ["none"]:
        return []
    chosen = [name for name in weights.names if any(fnmatch.fnmatchcase(name, p) for p in patterns)]
    if not chosen:
        raise ValueError(
            f"--weights {', '.join(patterns)!s} matches no weight of {weights.source}: expected globs over "
            f"names such as {', '.join(weights.names[:4])} (or 'none' for thresholds only)"
        )
    return chosen


def held_out(labels: Labels, scorer: Any, thresholds: tuple[int, int]) -> dict[str, Any]:
    """Accuracy and under-routing rate (COMPLEX labels scored SIMPLE) of one configuration on `labels`."""
    problem = _Problem(labels, thresholds)
    scores = problem.scores(scorer)
    predicted = np.where(scores <= thresholds[0], 0, np.where(scores <= thresholds[1], 1, 2))
    accept = np.array(labels.accept, dtype=bool).reshape(-1, 3)
    low, expected = accept.argmax(axis=1), np.array(labels.expected, dtype=np.int64)
    hit = accept[np.arange(len(labels)), predicted] if len(labels) else np.zeros(0, dtype=bool)
    correct = int(np.count_nonzero(hit))
    complex_total = int(np.count_nonzero(expected == 2))
    complex_simple = int(np.count_nonzero((expected == 2) & (predicted == 0)))
    return {
        "tasks": len(labels),
        "correct": correct,
        "accuracy": correct / len(labels) if len(labels) else None,
        "complex_total": complex_total,
        "complex_scored_simple": complex_simple,
        "under_routing_rate": complex_simple / complex_total if complex_total else None,
        "below_label": int(np.count_nonzero(predicted < low)),
        "above_label": int(np.count_nonzero(~hit & (predicted > low))),
    }


def current_rules_text() -> tuple[str, str]:
    """The text of the rules selections use now and its path (the packaged file when none is set)."""
    configured = get_settings().scoring_rules
    if configured:
        with open(configured, encoding="utf-8") as file:
            return file.read(), configured
    packaged = resources.files("claude_pm").joinpath("data", "scoring_rules.toml")
    return packaged.read_text(encoding="utf-8"), "scoring_rules.toml (packaged)"


def train(
    labels_path: str | os.PathLike[str] | None = None,
    *,
    out: str | os.PathLike[str],
    from_log: bool = False,
    since: Any = "30d",
    weights: Sequence[str] | None = None,
    decision_log: str | None = None,
    max_evaluations: int = 2000,
    write: bool = True,
) -> dict[str, Any]:
    """Fit, write the proposed rules to `out`, and report the diff, held-out figures and a log replay.

    ValueError naming the input for bad labels, no labels, or an unusable `out`.
    """
    if labels_path is None and not from_log:
        raise ValueError("give a LABELS.jsonl file, --from-log, or both")
    out_path = os.fspath(out)
    parent = os.path.dirname(os.path.abspath(out_path))
    if write and (os.path.isdir(out_path) or not os.path.isdir(parent) or not os.access(parent, os.W_OK)):
        # Checked before the fit, which can take a while.
        raise ValueError(
            f"--out {out_path!r} cannot be written: expected a file path in an existing, writable directory"
        )
    settings = get_settings()
    current = (settings.simple_threshold, settings.medium_threshold)
    text, source = current_rules_text()
    rules_weights = RulesWeights(text, source)
    current_scorer = Scorer(ScoringRules.from_toml(text))
    labels = Labels()
    if labels_path is not None:
        labels.extend(labels_from_file(labels_path, current_scorer))
    if from_log:
        logged = labels_from_log(since=since, decision_log=decision_log)
        if not len(logged) and labels_path is None:
            raise ValueError(
                f"--from-log --since {since}: no task in this window has a known outcome that says which tier "
                f"it needs (skipped: {logged.skipped}); record outcomes with record_outcome"
            )
        labels.extend(logged)
    names = select_weights(rules_weights, weights)
    tune, check = labels.subset(SPLITS[0]), labels.subset(SPLITS[1])
    if not len(tune):
        raise ValueError(f"no labelled task falls in the {SPLITS[0]} split (of {len(labels)}): too few labels to fit")
    note = None
    if names and all(text is None for text in tune.texts):
        names = []
        note = (
            "No label holds its task text (the log keeps it only with CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT=true): "
            "only the thresholds were fitted."
        )
    result = fit(tune, rules_weights, names=names, current=current, max_evaluations=max_evaluations)
    proposed_text = rules_weights.with_values(result["values"])
    proposed_rules = ScoringRules.from_toml(proposed_text)
    if write:
        try:
            with open(out_path, "w", encoding="utf-8") as file:
                file.write(proposed_text)
        except OSError as error:
            raise ValueError(f"--out {out_path!r} cannot be written: {error.strerror or error}") from None
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True), proposed_text.splitlines(keepends=True), fromfile=source, tofile=out_path
        )
    )
    simple, medium = result["thresholds"]
    report: dict[str, Any] = {
        "labels": {
            "total": len(labels),
            "tune": len(tune),
            "check": len(check),
            "without_text": sum(1 for t in labels.texts if t is None),
            "skipped": labels.skipped,
        },
        "weights_fitted": len(names),
        "note": note,
        "evaluations": result["evaluations"],
        "changed_weights": {name: [rules_weights.values()[name], value] for name, value in result["changed"].items()},
        "current": {"simple_threshold": current[0], "medium_threshold": current[1], "rules": source},
        "proposed": {"simple_threshold": simple, "medium_threshold": medium, "rules": out_path},
        "tune_cost": result["tune_cost"],
        "held_out": {
            "current": held_out(check, current_scorer, current),
            "proposed": held_out(check, Scorer(proposed_rules), (simple, medium)),
        },
        "diff": diff,
        "environment": {
            "CLAUDE_PM_SCORING_RULES": out_path,
            "CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD": str(simple),
            "CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD": str(medium),
        },
        "replay": _replay_of(proposed_rules, out_path, (simple, medium), bool(result["changed"]), since, decision_log),
    }
    return report


def _replay_of(
    rules: Any, path: str, thresholds: tuple[int, int], rescore: bool, since: Any, decision_log: str | None
) -> dict[str, Any]:
    """The proposal replayed over the configured log (the window of `since`), or why not."""
    if (decision_log or get_settings().decision_log) is None:
        return {"available": False, "note": "no decision log configured (CLAUDE_PM_DECISION_LOG)"}
    try:
        result = replay(
            since=since,
            decision_log=decision_log,
            candidate=ReplayConfig(*thresholds, rules, path),
            rescore=rescore,
        )
    except (ValueError, DecisionLogError) as error:
        return {"available": False, "note": str(error)}
    return dict(result, available=True)
