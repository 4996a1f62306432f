"""Counterfactual replay: what a candidate configuration would have done to the logged decisions.

`replay(thresholds=(25, 65))` re-levels every decision the score routed (and every
shadow decision, whose level is what the router would have chosen) under the candidate
thresholds, from the stored scores alone: aggregated in SQL, a few thousand rows leave
the database whatever the size of the log. `replay(rules="candidate.toml")` re-scores
the task words under a candidate rules file; that needs the task text, which the log
holds only when it was recorded with CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT=true. Decisions
without text are counted and left out (docs/replay-and-train.md says why no hashed form
is used).

A vocabulary replay applies the difference between the candidate's and the current
rules' description score to the stored score, so the points that caller facts (file
counts, required testing, ...) added, which the log does not keep, stay in the score.

Costs re-price each replayed decision's tokens (real usage where `record_usage` was
called, else the estimated prompt as input) at the configured model of its tier before
and after, as `calibrate` does; prompt sizes are assumed not to change with the tier.
Outcomes compare the tier the call actually ran on with the candidate's: a known
failure the candidate sends to a stronger tier, a known success it sends to a weaker one.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import numpy as np

from claude_pm._core import Scorer, ScoringRules
from claude_pm.config import get_settings, load_scoring_rules
from claude_pm.decision_log.outcomes import OUTCOMES_TABLE
from claude_pm.decision_log.queries import Since, Window, _covers_whole_log, open_log, window
from claude_pm.decision_log.store import Store
from claude_pm.definitions import LEVEL_NAMES, TIERS
from claude_pm.pricing import PricingTable, load_pricing
from claude_pm.prompt_library import resolve_agent_name
from claude_pm.selection_methods import SCORE_ROUTED_METHOD

__all__ = ["ReplayConfig", "current_rules", "load_rules_file", "parse_thresholds", "replay", "tier_changes"]

# Rows per chunk of a vocabulary replay: the memory a replay holds whatever the log's size.
CHUNK_ROWS = 20_000
_SCORES = 101
# A window holding more than 1/_INDEX_SHARE of the log is read by a plain scan.
_INDEX_SHARE = 10
# Known outcome codes in the aggregation keys.
_UNKNOWN, _FAILED, _SUCCEEDED = -1, 0, 1


class ReplayConfig:
    """A scoring configuration: rules (None: the current ones), and the two thresholds."""

    def __init__(self, simple_threshold: int, medium_threshold: int, rules: Any = None, rules_source: str = "") -> None:
        self.scorer = Scorer(rules, simple_threshold=simple_threshold, medium_threshold=medium_threshold)
        self.rules_source = rules_source
        # The engine owns the level rule; it is tabulated once per score.
        self.level_by_score = np.array([self.scorer.level_of(score) for score in range(_SCORES)], dtype=np.int8)

    def describe(self) -> dict[str, Any]:
        return {
            "simple_threshold": self.scorer.simple_threshold,
            "medium_threshold": self.scorer.medium_threshold,
            "rules": self.rules_source,
            "rules_version": self.scorer.rules_version,
        }


def parse_thresholds(text: str, argument: str = "--thresholds") -> tuple[int, int]:
    """'25/65' -> (25, 65); ValueError naming `argument` unless 0 <= simple < medium <= 100."""
    simple_text, sep, medium_text = text.partition("/")
    try:
        pair = (int(simple_text.strip()), int(medium_text.strip())) if sep else None
    except ValueError:
        pair = None
    if pair is not None:
        try:
            Scorer(simple_threshold=pair[0], medium_threshold=pair[1])
            return pair
        except ValueError:
            pass
    raise ValueError(
        f"{argument}={text!r} is not valid: expected SIMPLE/MEDIUM thresholds as two integers "
        "0 <= simple < medium <= 100, e.g. 25/65"
    )


def load_rules_file(path: str | os.PathLike[str], argument: str = "--rules") -> Any:
    """The ScoringRules in `path`; ValueError naming `argument` when unreadable or invalid."""
    try:
        return ScoringRules.from_path(path)
    except OSError as error:
        raise ValueError(
            f"{argument}={os.fspath(path)!r} cannot be read: {error.strerror or error}: "
            "expected a scoring rules TOML file"
        ) from None
    except ValueError as error:  # RulesError names the field at fault
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{argument}={os.fspath(path)!r} is not a valid scoring rules file: {first}") from None


def current_rules() -> tuple[Any, str]:
    """The rules selections use now (CLAUDE_PM_SCORING_RULES or the packaged ones) and where they come from."""
    settings = get_settings()
    if settings.scoring_rules:
        return load_scoring_rules(settings.scoring_rules), settings.scoring_rules
    return ScoringRules.default(), "packaged"


def replay(
    *,
    since: Since = "7d",
    thresholds: tuple[int, int] | None = None,
    rules: str | os.PathLike[str] | None = None,
    agent: str | None = None,
    decision_log: str | None = None,
    pricing: PricingTable | None = None,
    now: float | None = None,
    candidate: ReplayConfig | None = None,
    rescore: bool = True,
) -> dict[str, Any]:
    """Replay the decisions since `since` under candidate thresholds and/or a rules file.

    `candidate` (a ReplayConfig) replaces `thresholds`/`rules` when the caller already
    holds the rules (`claude-pm train`); `rescore` then says whether its rules differ
    from the current ones (a vocabulary replay) or only its thresholds do. ValueError
    naming the argument for bad input or an empty window, DecisionLogError when the
    log is unusable.
    """
    settings = get_settings()
    now_rules = current_rules()
    if agent is not None:
        try:
            agent = resolve_agent_name(agent)
        except (TypeError, ValueError) as error:
            raise ValueError(f"--agent: {error}") from None
    if candidate is None:
        simple, medium = (
            thresholds if thresholds is not None else (settings.simple_threshold, settings.medium_threshold)
        )
        if thresholds is not None:
            parse_thresholds(f"{simple}/{medium}")
        if rules is not None:
            candidate = ReplayConfig(simple, medium, load_rules_file(rules), os.fspath(rules))
        else:
            candidate = ReplayConfig(simple, medium, *now_rules)
        vocabulary = rules is not None
    else:
        vocabulary = rescore
    pricing = pricing if pricing is not None else load_pricing()
    prices = [pricing.price_of(settings.model_id(tier), f"CLAUDE_PM_{tier.upper()}_MODEL_ID")[1] for tier in TIERS]
    scope = window(since, shadow=None, now=now)
    store = open_log(decision_log)
    try:
        scan = _mostly_in_window(store, scope)
        counts = _counts(store, scope, agent, scan)
        if counts["routed"] == 0:
            who = "" if agent is None else f" for agent {agent!r}"
            raise ValueError(
                f"since={since!r}: the decision log holds no decisions the score routed{who} in this window "
                f"({_iso(scope.start)} .. {_iso(scope.end)}; {counts['in_window']} decisions in all), nothing to replay"
            )
        if vocabulary:
            current = ReplayConfig(settings.simple_threshold, settings.medium_threshold, *now_rules)
            groups, outcome_groups, rescored = _rescored_groups(store, scope, agent, candidate, current)
            if rescored["rescored"] == 0:
                raise ValueError(
                    f"--rules: none of the {counts['routed']} decisions the score routed in this window holds its "
                    "task text (it is kept only when recorded with CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT=true); "
                    "a vocabulary replay re-scores the text: replay --thresholds alone, or enable the text and "
                    "replay once new decisions are logged"
                )
        else:
            groups, outcome_groups = _threshold_groups(store, scope, agent, candidate, scan)
            rescored = None
    finally:
        store.close()
    return _report(scope, candidate, settings, now_rules[1], counts, groups, outcome_groups, prices, pricing, rescored)


def _routed(agent: str | None) -> tuple[str, tuple]:
    """Decisions whose tier the score gave (or, in test mode, would have given)."""
    clause = (
        " AND d.score IS NOT NULL AND d.level IS NOT NULL AND "
        "(d.shadow = ? OR (d.selection_method = ? AND d.route_reason IS NULL))"
    )
    params: tuple = (True, SCORE_ROUTED_METHOD)
    if agent is not None:
        clause += " AND d.agent = ?"
        params += (agent,)
    return clause, params


def _small_table_first(store: Store) -> str:
    """For a window read by a plain scan: the join that scans the usage or outcomes table and
    looks decisions up by id. SQLite's planner would scan the (larger) decisions table once the
    ts index is bypassed, and look each decision's usage up; CROSS JOIN fixes its loop order.
    PostgreSQL plans a hash join."""
    return "CROSS JOIN" if store.dialect == "sqlite" else "JOIN"


def _mostly_in_window(store: Store, scope: Window) -> bool:
    """Whether a plain scan beats the ts index: the index pays a row lookup per decision,
    worth it only when the window holds a small part of the log (an index-only count)."""
    if _covers_whole_log(store, scope):
        return True
    where, params = scope.where()
    inside = store.query(f"SELECT COUNT(*) FROM claude_pm_decisions d {where}", params)[0][0]
    total = store.query("SELECT COUNT(*) FROM claude_pm_decisions")[0][0]
    return int(inside) * _INDEX_SHARE > int(total)


def _counts(store: Store, scope: Window, agent: str | None, scan: bool) -> dict[str, int]:
    where, params = scope.where(whole_log=scan)
    routed, routed_params = _routed(None)
    agent_clause, agent_params = (" AND d.agent = ?", (agent,)) if agent is not None else ("", ())
    row = store.query(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN d.score IS NULL THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN 1 = 1{routed} THEN 1 ELSE 0 END), 0) "
        f"FROM claude_pm_decisions d {where}{agent_clause}",
        (*routed_params, *params, *agent_params),
    )[0]
    total, unscored, routed_count = (int(value) for value in row)
    return {
        "in_window": total,
        "routed": routed_count,
        "no_score": unscored,
        "not_score_routed": total - unscored - routed_count,
    }


def _tier_index(tier: Any) -> int:
    return TIERS.index(tier) if tier in TIERS else -1


def _threshold_groups(
    store: Store, scope: Window, agent: str | None, candidate: ReplayConfig, scan: bool
) -> tuple[dict, dict]:
    """(agent, before level, after level) -> [decisions, input, output] and outcome counts, from SQL aggregates."""
    where, params = scope.where(whole_log=scan)
    join = _small_table_first(store) if scan else "JOIN"
    routed, routed_params = _routed(agent)
    keys = "d.agent, d.score, d.level"
    groups: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    after_of = candidate.level_by_score
    for agent_name, score, level, count, prompt in store.query(
        f"SELECT {keys}, COUNT(*), COALESCE(SUM(d.prompt_tokens), 0) FROM claude_pm_decisions d "
        f"{where}{routed} GROUP BY {keys}",
        (*params, *routed_params),
    ):
        totals = groups[agent_name, LEVEL_NAMES.index(level), int(after_of[_clamp(score)])]
        totals[0] += int(count)
        totals[1] += int(prompt)
    for agent_name, score, level, prompt, used_in, used_out in store.query(
        f"SELECT {keys}, COALESCE(SUM(d.prompt_tokens), 0), SUM(u.input_tokens), SUM(u.output_tokens) "
        f"FROM claude_pm_usage u {join} claude_pm_decisions d ON d.id = u.decision_id {where}{routed} GROUP BY {keys}",
        (*params, *routed_params),
    ):
        totals = groups[agent_name, LEVEL_NAMES.index(level), int(after_of[_clamp(score)])]
        totals[1] += int(used_in) - int(prompt)
        totals[2] += int(used_out)
    outcome_groups: dict[tuple, int] = defaultdict(int)
    for score, tier, success, count in store.query(
        f"SELECT d.score, d.tier, o.success, COUNT(*) FROM {OUTCOMES_TABLE} o "
        f"{join} claude_pm_decisions d ON d.id = o.decision_id {where}{routed} AND o.success IS NOT NULL "
        "GROUP BY d.score, d.tier, o.success",
        (*params, *routed_params),
    ):
        code = _SUCCEEDED if bool(success) else _FAILED
        outcome_groups[_tier_index(tier), int(after_of[_clamp(score)]), code] += int(count)
    return groups, outcome_groups


def _chunks(store: Store, scope: Window, agent: str | None) -> Iterator[list[tuple]]:
    """The routed decisions holding task text, CHUNK_ROWS at a time in (ts, id) order (keyset paging:
    each chunk is one index range scan, so memory stays flat on both backends)."""
    where, params = scope.where()
    routed, routed_params = _routed(agent)
    select = (
        f"SELECT d.ts, d.id, d.agent, d.score, d.level, d.tier, COALESCE(d.prompt_tokens, 0), "
        f"u.input_tokens, u.output_tokens, o.success, d.task_text FROM claude_pm_decisions d "
        f"LEFT JOIN claude_pm_usage u ON u.decision_id = d.id LEFT JOIN {OUTCOMES_TABLE} o ON o.decision_id = d.id "
        f"{where}{routed} AND d.task_text IS NOT NULL"
    )
    after: tuple | None = None
    while True:
        if after is None:
            rows = store.query(f"{select} ORDER BY d.ts, d.id LIMIT ?", (*params, *routed_params, CHUNK_ROWS))
        else:
            rows = store.query(
                f"{select} AND d.ts >= ? AND (d.ts > ? OR d.id > ?) ORDER BY d.ts, d.id LIMIT ?",
                (*params, *routed_params, after[0], after[0], after[1], CHUNK_ROWS),
            )
        if not rows:
            return
        yield rows
        if len(rows) < CHUNK_ROWS:
            return
        after = (rows[-1][0], rows[-1][1])


def _rescored_groups(
    store: Store,
    scope: Window,
    agent: str | None,
    candidate: ReplayConfig,
    current: ReplayConfig,
) -> tuple[dict, dict, dict[str, int]]:
    groups: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    outcome_groups: dict[tuple, int] = defaultdict(int)
    rescored = adjusted = 0
    for rows in _chunks(store, scope, agent):
        texts = [row[10] for row in rows]
        stored = np.fromiter((row[3] for row in rows), dtype=np.int16, count=len(rows))
        now_scores = current.scorer.score_many(texts)[0].astype(np.int16)
        new_scores = candidate.scorer.score_many(texts)[0].astype(np.int16)
        # Caller facts added points the log does not keep: carry them over.
        replayed = np.clip(stored + new_scores - now_scores, 0, _SCORES - 1)
        after = candidate.level_by_score[replayed]
        adjusted += int(np.count_nonzero(stored != now_scores))
        rescored += len(rows)
        for row, level in zip(rows, after.tolist()):
            _, _, agent_name, _, before, tier, prompt, used_in, used_out, success, _ = row
            totals = groups[agent_name, LEVEL_NAMES.index(before), level]
            totals[0] += 1
            totals[1] += int(prompt) if used_in is None else int(used_in)
            totals[2] += 0 if used_out is None else int(used_out)
            if success is not None:
                outcome_groups[_tier_index(tier), level, _SUCCEEDED if bool(success) else _FAILED] += 1
    return groups, outcome_groups, {"rescored": rescored, "facts_or_other_rules": adjusted}


def _clamp(score: Any) -> int:
    return min(max(int(score), 0), _SCORES - 1)


def tier_changes(groups: dict) -> dict[str, Any]:
    """How many decisions change tier, in which direction, and the from -> to matrix."""
    matrix = {before: {after: 0 for after in TIERS} for before in TIERS}
    up = down = 0
    for (_, before, after), totals in groups.items():
        matrix[TIERS[before]][TIERS[after]] += totals[0]
        up += totals[0] if after > before else 0
        down += totals[0] if after < before else 0
    return {"changed": up + down, "to_stronger": up, "to_weaker": down, "matrix": matrix}


def _mix(counts: list[int]) -> dict[str, float]:
    total = sum(counts)
    return {tier: (count / total * 100.0 if total else 0.0) for tier, count in zip(TIERS, counts)}


def _report(
    scope: Window,
    candidate: ReplayConfig,
    settings: Any,
    rules_source: str,
    counts: dict[str, int],
    groups: dict,
    outcome_groups: dict,
    prices: list,
    pricing: PricingTable,
    rescored: dict[str, int] | None,
) -> dict[str, Any]:
    by_agent: dict[str, dict[str, list[int]]] = {}
    before_cost = after_cost = 0.0
    for (agent_name, before, after), (count, input_tokens, output_tokens) in groups.items():
        entry = by_agent.setdefault(agent_name, {"before": [0, 0, 0], "after": [0, 0, 0]})
        entry["before"][before] += count
        entry["after"][after] += count
        before_cost += prices[before].cost(input_tokens, output_tokens)
        after_cost += prices[after].cost(input_tokens, output_tokens)
    overall_before = [sum(entry["before"][i] for entry in by_agent.values()) for i in range(3)]
    overall_after = [sum(entry["after"][i] for entry in by_agent.values()) for i in range(3)]
    agents = {}
    for name in sorted(by_agent):
        before_mix, after_mix = _mix(by_agent[name]["before"]), _mix(by_agent[name]["after"])
        agents[name] = {
            "decisions": sum(by_agent[name]["before"]),
            "before": before_mix,
            "after": after_mix,
            "shift_points": {tier: after_mix[tier] - before_mix[tier] for tier in TIERS},
        }
    replayed = sum(overall_before)
    decisions = dict(counts, replayed=replayed)
    if rescored is not None:
        decisions["no_task_text"] = counts["routed"] - rescored["rescored"]
        decisions["facts_or_other_rules"] = rescored["facts_or_other_rules"]
    return {
        "window": {
            "since": _iso(scope.start),
            "until": _iso(scope.end),
        },
        "current": {
            "simple_threshold": settings.simple_threshold,
            "medium_threshold": settings.medium_threshold,
            "rules": rules_source,
        },
        "candidate": candidate.describe(),
        "mode": "thresholds" if rescored is None else "vocabulary",
        "decisions": decisions,
        "tiers": {"before": dict(zip(TIERS, overall_before)), "after": dict(zip(TIERS, overall_after))},
        "mix": {"before": _mix(overall_before), "after": _mix(overall_after)},
        "by_agent": agents,
        "changes": tier_changes(groups),
        "cost": {
            "before_usd": before_cost,
            "after_usd": after_cost,
            "change_usd": after_cost - before_cost,
            "change_percent": (after_cost - before_cost) / before_cost * 100.0 if before_cost else None,
            "models": {tier: settings.model_id(tier) for tier in TIERS},
            "pricing": pricing.source,
        },
        "outcomes": _outcome_summary(outcome_groups),
    }


def _outcome_summary(outcome_groups: dict) -> dict[str, Any]:
    failures = successes = to_stronger = to_weaker = 0
    for (ran, after, code), count in outcome_groups.items():
        if code == _FAILED:
            failures += count
            to_stronger += count if ran >= 0 and after > ran else 0
        else:
            successes += count
            to_weaker += count if ran >= 0 and after < ran else 0
    return {
        "known": failures + successes,
        "failures": failures,
        "failures_to_stronger": to_stronger,
        "successes": successes,
        "successes_to_weaker": to_weaker,
    }


def _iso(seconds: float) -> str:
    if not math.isfinite(seconds):
        return str(seconds)
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")
