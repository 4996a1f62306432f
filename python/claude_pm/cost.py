"""Cost impact of model selection, computed from the decision log.

`analyze_cost_impact` returns the 1.x cost-analysis report keys, computed the 1.x way
(request-weighted price per million tokens versus an all-baseline-model fleet), over
the decisions logged in a time window, plus what that report could not know:

- ``token_reduction``: prompt tokens actually sent versus the FULL prompt, and what the
  difference saved at each decision's model price;
- ``usage``: cost from real token counts where runners called `record_usage`, against
  the same tokens on the baseline model;
- ``unpriced_models``: models in the log without a price. They are left out of every
  cost figure (and listed here) rather than priced at zero.

The per-million figures use each model's input price (the 1.x report had one rate per
model; the default pricing sets input and output to it).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from claude_pm.config import DEFAULT_MODEL_IDS, get_settings
from claude_pm.decision_log.queries import Since, Totals, Window, collapse, group_totals, open_log, window
from claude_pm.pricing import PricingTable, load_pricing

__all__ = ["analyze_cost_impact"]


def analyze_cost_impact(
    since: Since = None,
    baseline_model: str = DEFAULT_MODEL_IDS["sonnet"],
    *,
    shadow: bool | None = None,
    decision_log: str | None = None,
    pricing: PricingTable | None = None,
) -> dict[str, Any]:
    """The cost report for decisions since `since` (default: the retention window).

    Every decision records what the caller actually got, so the default (``shadow=None``)
    prices all of them; ``shadow=False`` keeps live decisions only and ``shadow=True``
    test-mode (CLAUDE_PM_TEST_MODE) ones only, whose callers got the agent's default
    model and the FULL prompt. `baseline_model` is a model
    id or tier name with a price. Raises ValueError naming a bad argument,
    ConfigError for a bad pricing file, DecisionLogError when the log is unusable.
    """
    pricing = pricing if pricing is not None else load_pricing()
    baseline_id, baseline_price = pricing.price_of(baseline_model, "baseline_model")
    scope = window(since, shadow=shadow)
    store = open_log(decision_log)
    try:
        groups = group_totals(store, scope, ("model_id", "score"))
    finally:
        store.close()

    by_model = sorted(collapse(groups, 0).items())
    total = sum(row.requests for _, row in by_model)
    priced = [(row, price) for model, row in by_model if (price := pricing.get(model)) is not None]
    priced_requests = sum(row.requests for row, _ in priced)
    weighted = (
        sum(row.requests * price.input_per_million for row, price in priced) / priced_requests
        if priced_requests
        else None
    )
    baseline_rate = baseline_price.input_per_million
    distribution = _complexity_buckets(collapse(groups, 1))
    return {
        "total_requests": total,
        "model_distribution": {model: row.requests for model, row in by_model},
        "weighted_cost_per_million": weighted,
        "baseline_cost_per_million": baseline_rate,
        "savings_percent": _percent_saved(baseline_rate, weighted),
        "complexity_distribution": distribution,
        "unscored_requests": total - sum(distribution.values()),
        "priced_requests": priced_requests,
        "unpriced_models": {model: row.requests for model, row in by_model if pricing.get(model) is None},
        "estimated_cost_usd": sum(price.cost(row.input_tokens, row.output_tokens) for row, price in priced),
        "baseline_estimated_cost_usd": sum(
            baseline_price.cost(row.input_tokens, row.output_tokens) for row, _ in priced
        ),
        "token_reduction": _token_reduction(priced),
        "usage": _usage(priced, baseline_price),
        "baseline_model": baseline_id,
        "pricing": pricing.source,
        "window": _describe(scope),
    }


def _complexity_buckets(by_score: dict[int | None, Totals]) -> dict[str, int]:
    """Requests per complexity band, labelled by the configured thresholds ("0-30", "31-70", "71-100").

    Decisions taken without an analysis (no score) are not in any band."""
    settings = get_settings()
    simple, medium = settings.simple_threshold, settings.medium_threshold
    bands = {f"0-{simple}": 0, f"{simple + 1}-{medium}": 0, f"{medium + 1}-100": 0}
    labels = list(bands)
    for score, totals in by_score.items():
        if score is not None:
            bands[labels[0 if score <= simple else 1 if score <= medium else 2]] += totals.requests
    return bands


def _percent_saved(baseline: float, actual: float | None) -> float | None:
    if actual is None or baseline == 0:
        return None
    return (baseline - actual) / baseline * 100.0


def _token_reduction(priced: list) -> dict[str, Any]:
    sent = sum(row.prompt_tokens for row, _ in priced)
    full = sum(row.full_prompt_tokens for row, _ in priced)
    return {
        "prompt_tokens": sent,
        "full_prompt_tokens": full,
        "tokens_saved": full - sent,
        "reduction_percent": (full - sent) / full * 100.0 if full else None,
        "estimated_savings_usd": sum(
            price.cost(row.full_prompt_tokens - row.prompt_tokens, 0) for row, price in priced
        ),
    }


def _usage(priced: list, baseline_price: Any) -> dict[str, Any]:
    measured = [(row, price) for row, price in priced if row.with_usage]
    cost = sum(price.cost(row.usage_input_tokens, row.usage_output_tokens) for row, price in measured)
    baseline = sum(baseline_price.cost(row.usage_input_tokens, row.usage_output_tokens) for row, _ in measured)
    return {
        "decisions_with_usage": sum(row.with_usage for row, _ in measured),
        "input_tokens": sum(row.usage_input_tokens for row, _ in measured),
        "output_tokens": sum(row.usage_output_tokens for row, _ in measured),
        "cost_usd": cost,
        "baseline_cost_usd": baseline,
        "savings_percent": (baseline - cost) / baseline * 100.0 if baseline else None,
    }


def _describe(scope: Window) -> dict[str, Any]:
    return {
        "since": datetime.fromtimestamp(scope.start, timezone.utc).isoformat(timespec="seconds"),
        "until": datetime.fromtimestamp(scope.end, timezone.utc).isoformat(timespec="seconds"),
        "decisions": {False: "live", True: "shadow", None: "all"}[scope.shadow],
    }
