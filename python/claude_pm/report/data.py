"""What the routing report shows, aggregated in SQL from the decision log.

Everything here is plain data (no charting library needed), so `claude-pm report --json`
and the tests read the same numbers the HTML page draws. Costs follow the cost report's
rules (`claude_pm.cost`): real usage where `record_usage` was called, else the estimated
prompt; unpriced models are listed and left out of every cost figure.

Outcomes (did the routed call succeed, `claude_pm.record_outcome`) live in the
``claude_pm_outcomes`` table (schema 5); a window without any gets no failure-rate chart,
only a note saying why.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from claude_pm.config import get_settings
from claude_pm.decision_log import Store
from claude_pm.decision_log.outcomes import OUTCOMES_TABLE
from claude_pm.decision_log.queries import (
    Since,
    Totals,
    Window,
    _covers_whole_log,
    collapse,
    counts_by,
    group_totals,
    open_log,
    window,
)
from claude_pm.definitions import TIERS
from claude_pm.pricing import PricingTable, load_pricing

__all__ = ["BIN_WIDTHS", "OUTCOMES_COLUMNS", "OUTCOMES_TABLE", "collect_report"]

# Time-bin widths for the charts over time (seconds): the narrowest giving at most
# MAX_BINS bins over the span the log covers, so a day reads by the hour and a month by the day.
BIN_WIDTHS = (3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400)
MAX_BINS = 60
# The outcome columns this report reads; `success` is NULL while the outcome is unknown.
OUTCOMES_COLUMNS = ("decision_id", "success")


def collect_report(
    since: Since = "7d",
    baseline_model: str = "sonnet",
    *,
    shadow: bool | None = None,
    decision_log: str | None = None,
    pricing: PricingTable | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The report's data for decisions since `since`; ValueError for bad arguments or an empty window,
    DecisionLogError when the log is unusable, ConfigError for a bad pricing file."""
    pricing = pricing if pricing is not None else load_pricing()
    baseline_id, baseline_price = pricing.price_of(baseline_model, "baseline_model")
    scope = window(since, shadow=shadow, now=now)
    settings = get_settings()
    store = open_log(decision_log)
    try:
        first, last, total = _span(store, scope)
        if not total:
            raise ValueError(
                f"since={since!r}: the decision log holds no decisions in this window "
                f"({_iso(scope.start)} .. {_iso(scope.end)}), nothing to report"
            )
        width = _bin_width(last - first)
        binned = _binned_totals(store, scope, width)
        scores = counts_by(store, "score", scope)
        agents = collapse(group_totals(store, scope, ("agent",)), 0)
        outcomes = _outcomes_by_tier(store, scope)
    finally:
        store.close()

    models = sorted({model for _, model in binned})
    unpriced = {
        model: sum(t.requests for (_, m), t in binned.items() if m == model)
        for model in models
        if pricing.get(model) is None
    }
    bins = sorted({bucket for bucket, _ in binned})
    mix = []
    cost = []
    for bucket in bins:
        row_cost = row_baseline = 0.0
        counts = {}
        for model in models:
            totals = binned.get((bucket, model))
            if totals is None:
                continue
            counts[model] = totals.requests
            price = pricing.get(model)
            if price is not None:
                row_cost += price.cost(totals.input_tokens, totals.output_tokens)
                row_baseline += baseline_price.cost(totals.input_tokens, totals.output_tokens)
        start = bucket * width
        mix.append({"start": _iso(start), "requests": counts})
        cost.append(
            {"start": _iso(start), "end": _iso(start + width), "cost_usd": row_cost, "baseline_cost_usd": row_baseline}
        )
    estimated = sum(row["cost_usd"] for row in cost)
    baseline_cost = sum(row["baseline_cost_usd"] for row in cost)
    return {
        "window": {
            "since": _iso(scope.start),
            "until": _iso(scope.end),
            "first_decision": _iso(first),
            "last_decision": _iso(last),
            "decisions": {False: "live", True: "shadow", None: "all"}[scope.shadow],
        },
        "total_requests": total,
        "bin_seconds": width,
        "baseline_model": baseline_id,
        "pricing": pricing.source,
        "model_mix": mix,
        "cost": cost,
        "estimated_cost_usd": estimated,
        "baseline_estimated_cost_usd": baseline_cost,
        "savings_percent": (baseline_cost - estimated) / baseline_cost * 100.0 if baseline_cost else None,
        "unpriced_models": unpriced,
        "scores": _score_histogram(scores),
        "unscored_requests": scores.get("none", 0),
        "thresholds": {"simple": settings.simple_threshold, "medium": settings.medium_threshold},
        "token_reduction": _token_reduction(agents),
        "failure_rate": outcomes,
    }


def _span(store: Store, scope: Window) -> tuple[float, float, int]:
    where, params = scope.where()
    first, last, count = store.query(
        f"SELECT MIN(d.ts), MAX(d.ts), COUNT(*) FROM claude_pm_decisions d {where}", params
    )[0]
    return (float(first or 0.0), float(last or 0.0), int(count or 0))


def _bin_width(span_seconds: float) -> int:
    for width in BIN_WIDTHS:
        if span_seconds / width < MAX_BINS:
            return width
    return BIN_WIDTHS[-1]


def _bucket(store: Store) -> str:
    """Index of the UTC-aligned time bin of `d.ts` (bins of `?` seconds): floor, never rounded."""
    if store.dialect == "postgres":
        return "CAST(FLOOR(d.ts / ?) AS BIGINT)"
    return "CAST(d.ts / ? AS INTEGER)"  # ts >= 0, so SQLite's truncation is the floor


def _binned_totals(store: Store, scope: Window, width: int) -> dict[tuple[int, str], Totals]:
    """Totals per (time bin, model id), the way `group_totals` counts them: a scan of the
    decisions, then a join from the usage table for the decisions with real usage."""
    bucket = _bucket(store)
    where, params = scope.where(whole_log=_covers_whole_log(store, scope))
    groups: dict[tuple[int, str], Totals] = {}
    for row in store.query(
        f"SELECT {bucket} AS bin, d.model_id, COUNT(*), COALESCE(SUM(d.prompt_tokens), 0), "
        f"COALESCE(SUM(COALESCE(d.full_prompt_tokens, d.prompt_tokens)), 0) "
        f"FROM claude_pm_decisions d {where} GROUP BY bin, d.model_id",
        (float(width), *params),
    ):
        groups[(int(row[0]), row[1])] = Totals(*(int(value) for value in row[2:]))
    for row in store.query(
        f"SELECT {bucket} AS bin, d.model_id, COUNT(*), COALESCE(SUM(d.prompt_tokens), 0), "
        f"SUM(u.input_tokens), SUM(u.output_tokens) FROM claude_pm_usage u "
        f"JOIN claude_pm_decisions d ON d.id = u.decision_id {where} GROUP BY bin, d.model_id",
        (float(width), *params),
    ):
        totals = groups[(int(row[0]), row[1])]
        totals.with_usage, totals.estimated_prompt_tokens_replaced = int(row[2]), int(row[3])
        totals.usage_input_tokens, totals.usage_output_tokens = int(row[4]), int(row[5])
    return groups


def _score_histogram(scores: dict[str, int]) -> list[dict[str, int]]:
    """Requests per score 0..100 (every score present, zeros included, so the bars line up)."""
    counts = {int(score): count for score, count in scores.items() if score != "none"}
    return [{"score": score, "requests": counts.get(score, 0)} for score in range(101)]


def _token_reduction(agents: dict[str, Totals]) -> list[dict[str, Any]]:
    rows = []
    for agent, totals in sorted(agents.items()):
        full, sent = totals.full_prompt_tokens, totals.prompt_tokens
        rows.append(
            {
                "agent": agent,
                "requests": totals.requests,
                "prompt_tokens": sent,
                "full_prompt_tokens": full,
                "reduction_percent": (full - sent) / full * 100.0 if full else None,
            }
        )
    return rows


def _outcome_columns(store: Store) -> set[str]:
    if store.dialect == "postgres":
        rows = store.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = ANY(current_schemas(false))",
            (OUTCOMES_TABLE,),
        )
    else:
        rows = store.query("SELECT name FROM pragma_table_info(?)", (OUTCOMES_TABLE,))
    return {str(row[0]) for row in rows}


def _outcomes_by_tier(store: Store, scope: Window) -> dict[str, Any]:
    """Failure rate per tier over the decisions with a known outcome, or why there is none."""
    columns = _outcome_columns(store)
    if not columns:
        return {
            "available": False,
            "note": "No outcomes in this decision log yet (it has no "
            f"{OUTCOMES_TABLE} table): the failure rate per tier appears once outcomes are recorded.",
        }
    missing = [column for column in OUTCOMES_COLUMNS if column not in columns]
    if missing:
        return {
            "available": False,
            "note": f"The {OUTCOMES_TABLE} table lacks the column(s) "
            f"{', '.join(missing)} this report reads; failure rate per tier left out.",
        }
    where, params = scope.where()
    rows = store.query(
        f"SELECT d.tier, COUNT(o.success), COALESCE(SUM(CASE WHEN o.success = ? THEN 1 ELSE 0 END), 0) "
        f"FROM {OUTCOMES_TABLE} o JOIN claude_pm_decisions d ON d.id = o.decision_id {where} "
        f"GROUP BY d.tier",
        (False, *params),
    )
    by_tier = {("none" if tier is None else str(tier)): (int(known), int(failed)) for tier, known, failed in rows}
    order = [tier for tier in TIERS if tier in by_tier] + sorted(set(by_tier) - set(TIERS))
    tiers = [
        {
            "tier": tier,
            "outcomes": by_tier[tier][0],
            "failures": by_tier[tier][1],
            "failure_rate": by_tier[tier][1] / by_tier[tier][0] if by_tier[tier][0] else None,
        }
        for tier in order
        if by_tier[tier][0]
    ]
    if not tiers:
        return {
            "available": False,
            "note": "No decision in this window has a known outcome yet: "
            "the failure rate per tier appears once outcomes are recorded.",
        }
    return {"available": True, "tiers": tiers}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")
