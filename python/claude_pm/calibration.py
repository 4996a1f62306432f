"""Propose complexity thresholds from the scores in the decision log.

Like RouteLLM calibrating its router threshold, the thresholds are quantiles of the
logged score distribution: `calibrate(target={"haiku": 40, "sonnet": 40, "opus": 20})`
picks the simple/medium thresholds whose tier mix on the logged scores comes closest
to the target; `calibrate(budget_usd_per_day=...)` picks the most capable mix
(most requests on higher tiers) whose cost fits the budget. Scores are integers
0..100, so the search is exact over all threshold pairs on a 101-bin histogram.

Costs re-price each logged decision's tokens (real usage where recorded, else the
estimated prompt) at the configured model of the tier the thresholds would give it;
prompt sizes are assumed not to change with the tier.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from claude_pm.config import get_settings
from claude_pm.decision_log.queries import Since, Totals, collapse, covered_days, group_totals, open_log, window
from claude_pm.definitions import TIERS
from claude_pm.pricing import PricingTable, load_pricing

__all__ = ["calibrate", "parse_target"]

_SCORES = 101


class _Distribution:
    """Requests and per-tier cost per score bin, with prefix sums so any threshold pair costs O(1)."""

    def __init__(self, requests: list[int], cost: dict[str, list[float]]) -> None:
        self._cumulative = _prefix(requests)
        self._cost_prefix = {tier: _prefix(costs) for tier, costs in cost.items()}
        self.total = self._cumulative[-1]

    def up_to(self, score: int) -> int:
        return self._cumulative[score + 1]

    def counts(self, simple: int, medium: int) -> tuple[int, int, int]:
        low, mid = self.up_to(simple), self.up_to(medium)
        return low, mid - low, self.total - mid

    def cost_of(self, simple: int, medium: int) -> float:
        prefix = self._cost_prefix
        return (
            prefix["haiku"][simple + 1]
            + prefix["sonnet"][medium + 1]
            - prefix["sonnet"][simple + 1]
            + prefix["opus"][_SCORES]
            - prefix["opus"][medium + 1]
        )


def parse_target(text: str) -> dict[str, float]:
    """'haiku=40,sonnet=40,opus=20' -> {"haiku": 40.0, ...}; ValueError naming --target."""
    target: dict[str, float] = {}
    for piece in text.split(","):
        name, sep, value = piece.partition("=")
        try:
            target[name.strip().lower()] = float(value)
        except ValueError:
            shown = f"{name.strip()}={value.strip()!r}" if sep else repr(piece.strip())
            raise ValueError(
                f"--target: {shown} is not valid: expected tier=percentage pairs, e.g. haiku=40,sonnet=40,opus=20"
            ) from None
    return _check_target(target, "--target")


def calibrate(
    target: Mapping[str, float] | None = None,
    *,
    budget_usd_per_day: float | None = None,
    since: Since = "7d",
    shadow: bool | None = None,
    decision_log: str | None = None,
    pricing: PricingTable | None = None,
) -> dict[str, Any]:
    """Thresholds for a target tier mix (percentages summing to 100) or a daily budget, with before/after."""
    if (target is None) == (budget_usd_per_day is None):
        raise ValueError("calibrate() needs exactly one of target= (a tier mix) or budget_usd_per_day=")
    if target is not None:
        target = _check_target(dict(target), "target")
    elif (
        isinstance(budget_usd_per_day, bool)
        or not isinstance(budget_usd_per_day, (int, float))
        or not math.isfinite(budget_usd_per_day)
        or budget_usd_per_day <= 0
    ):
        raise ValueError(f"budget_usd_per_day={budget_usd_per_day!r} is not valid: expected a number of USD > 0")
    settings = get_settings()
    prices = _tier_prices(pricing if pricing is not None else load_pricing())
    scope = window(since, shadow=shadow)
    store = open_log(decision_log)
    try:
        by_score = collapse(group_totals(store, scope, ("score",)), 0)
        days = covered_days(store, scope)
    finally:
        store.close()
    distribution = _distribution(by_score, prices)
    if distribution.total == 0:
        raise ValueError(
            f"since={since!r}: the decision log holds no scored decisions in this window, nothing to calibrate"
        )
    current = (settings.simple_threshold, settings.medium_threshold)
    if target is not None:
        proposed = _closest_to_mix(distribution, target, current)
    else:
        assert budget_usd_per_day is not None
        proposed = _best_within_budget(distribution, budget_usd_per_day, days, current)
    before = _describe(distribution, current, days)
    after = _describe(distribution, proposed, days)
    return {
        "decisions": distribution.total,
        "covered_days": round(days, 6),
        "target": target,
        "budget_usd_per_day": budget_usd_per_day,
        "current": before,
        "proposed": after,
        "cost_change_percent": (
            (after["cost_per_day"] - before["cost_per_day"]) / before["cost_per_day"] * 100.0
            if before["cost_per_day"]
            else None
        ),
        "environment": {
            "CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD": str(proposed[0]),
            "CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD": str(proposed[1]),
        },
        "models": dict(settings.model_ids),
    }


def _check_target(target: dict[str, float], argument: str) -> dict[str, float]:
    unknown = sorted(set(target) - set(TIERS))
    if unknown:
        raise ValueError(
            f"{argument}: unknown tier {unknown[0]!r}: expected tiers from {', '.join(TIERS)}, "
            "e.g. haiku=40,sonnet=40,opus=20"
        )
    for name, value in target.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValueError(
                f"{argument}: {name}={value!r} is not valid: expected a percentage >= 0, "
                "e.g. haiku=40,sonnet=40,opus=20"
            )
    total = sum(target.values())
    if abs(total - 100.0) > 1e-6:
        raise ValueError(f"{argument}: percentages sum to {total:g}, expected 100 (e.g. haiku=40,sonnet=40,opus=20)")
    return {tier: float(target.get(tier, 0.0)) for tier in TIERS}


def _tier_prices(pricing: PricingTable) -> dict[str, Any]:
    prices = {}
    for tier in TIERS:
        prices[tier] = pricing.price_of(get_settings().model_id(tier), f"CLAUDE_PM_{tier.upper()}_MODEL_ID")[1]
    return prices


def _distribution(by_score: dict[int | None, Totals], prices: dict[str, Any]) -> _Distribution:
    requests = [0] * _SCORES
    cost = {tier: [0.0] * _SCORES for tier in TIERS}
    for score, totals in by_score.items():
        if score is None:
            continue
        bin_ = min(max(int(score), 0), _SCORES - 1)
        requests[bin_] += totals.requests
        for tier in TIERS:
            cost[tier][bin_] += prices[tier].cost(totals.input_tokens, totals.output_tokens)
    return _Distribution(requests, cost)


def _pairs() -> list[tuple[int, int]]:
    return [(simple, medium) for simple in range(_SCORES - 1) for medium in range(simple + 1, _SCORES)]


def _distance(pair: tuple[int, int], current: tuple[int, int]) -> int:
    return abs(pair[0] - current[0]) + abs(pair[1] - current[1])


def _closest_to_mix(distribution: _Distribution, target: dict[str, float], current: tuple[int, int]) -> tuple[int, int]:
    total = distribution.total
    want_low = target["haiku"] / 100.0 * total
    want_mid = (target["haiku"] + target["sonnet"]) / 100.0 * total

    def error(pair: tuple[int, int]) -> tuple[float, int]:
        miss = abs(distribution.up_to(pair[0]) - want_low) + abs(distribution.up_to(pair[1]) - want_mid)
        return miss, _distance(pair, current)

    return min(_pairs(), key=error)


def _best_within_budget(
    distribution: _Distribution, budget_per_day: float, days: float, current: tuple[int, int]
) -> tuple[int, int]:
    budget = budget_per_day * days * (1 + 1e-12)
    affordable = [pair for pair in _pairs() if distribution.cost_of(*pair) <= budget]
    if not affordable:
        cheapest = min(distribution.cost_of(*pair) for pair in _pairs()) / days
        raise ValueError(
            f"budget_usd_per_day={budget_per_day!r} is below the cheapest mix this log allows "
            f"(${cheapest:.4f}/day with nearly everything on haiku)"
        )

    def capability(pair: tuple[int, int]) -> tuple[int, int]:
        _, mid, high = distribution.counts(*pair)
        return -(mid + 2 * high), _distance(pair, current)

    return min(affordable, key=capability)


def _describe(distribution: _Distribution, pair: tuple[int, int], days: float) -> dict[str, Any]:
    counts = distribution.counts(*pair)
    total = distribution.total
    cost = distribution.cost_of(*pair)
    return {
        "simple_threshold": pair[0],
        "medium_threshold": pair[1],
        "mix": {tier: count / total * 100.0 for tier, count in zip(TIERS, counts)},
        "requests": dict(zip(TIERS, counts)),
        "cost_usd": cost,
        "cost_per_day": cost / days,
    }


def _prefix(values: list) -> list:
    sums = [0]
    for value in values:
        sums.append(sums[-1] + value)
    return sums
