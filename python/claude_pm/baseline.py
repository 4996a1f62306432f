"""Baselines from the decision log, for 1.x baseline-collection scripts.

Such a script runs as written once it imports its four metrics from here:
``from claude_pm.baseline import get_token_usage, get_api_costs, get_agent_usage_stats,
get_task_type_distribution``. A baseline file holds::

    {"date": ISO time, "daily_tokens": tokens/day, "daily_cost": USD/day,
     "agent_distribution": {agent: requests}, "task_types": {level: requests}, ...}

``task_types`` is the complexity-level distribution (SIMPLE/MEDIUM/COMPLEX, "none" for
decisions taken without an analysis). Daily figures are totals divided by the days the
log covers inside the window (from the first decision in it, at least one hour), so a
log younger than the window is not diluted. Tokens are real usage where recorded, else
estimated prompt tokens; cost leaves unpriced models out and lists them.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from claude_pm.decision_log.queries import Since, collapse, counts_by, covered_days, group_totals, open_log, window
from claude_pm.pricing import PricingTable, load_pricing

__all__ = [
    "capture_baseline",
    "compare_baseline",
    "get_agent_usage_stats",
    "get_api_costs",
    "get_task_type_distribution",
    "get_token_usage",
    "read_baseline",
]

_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "date": str,
    "daily_tokens": (int, float),
    "daily_cost": (int, float),
    "agent_distribution": dict,
    "task_types": dict,
}


def capture_baseline(
    since: Since = "7d",
    *,
    shadow: bool | None = None,
    decision_log: str | None = None,
    pricing: PricingTable | None = None,
) -> dict[str, Any]:
    """Daily tokens, daily cost, agent and task-type distributions of the decisions since `since`."""
    pricing = pricing if pricing is not None else load_pricing()
    scope = window(since, shadow=shadow)
    store = open_log(decision_log)
    try:
        by_model = collapse(group_totals(store, scope, ("model_id",)), 0)
        agents = counts_by(store, "agent", scope)
        levels = counts_by(store, "level", scope)
        days = covered_days(store, scope)
    finally:
        store.close()
    tokens = sum(row.input_tokens + row.output_tokens for row in by_model.values())
    cost = 0.0
    unpriced = {}
    for model, row in sorted(by_model.items()):
        price = pricing.get(model)
        if price is None:
            unpriced[model] = row.requests
        else:
            cost += price.cost(row.input_tokens, row.output_tokens)
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "daily_tokens": tokens / days,
        "daily_cost": cost / days,
        "agent_distribution": agents,
        "task_types": levels,
        "requests": sum(row.requests for row in by_model.values()),
        "window_days": round(scope.days, 6),
        "covered_days": round(days, 6),
        "unpriced_models": unpriced,
    }


def get_token_usage(days: float = 7) -> float:
    """Tokens per day over the last `days` days of the decision log."""
    return float(capture_baseline(timedelta(days=days))["daily_tokens"])


def get_api_costs(days: float = 7) -> float:
    """USD per day over the last `days` days, priced models only."""
    return float(capture_baseline(timedelta(days=days))["daily_cost"])


def get_agent_usage_stats(days: float = 7) -> dict[str, int]:
    """Requests per agent over the last `days` days."""
    return dict(capture_baseline(timedelta(days=days))["agent_distribution"])


def get_task_type_distribution(days: float = 7) -> dict[str, int]:
    """Requests per complexity level over the last `days` days."""
    return dict(capture_baseline(timedelta(days=days))["task_types"])


def read_baseline(path: str) -> dict[str, Any]:
    """Load and check a baseline file; ValueError naming the file and the offending key."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"baseline file {path!r} cannot be read: {error.strerror or error}") from None
    except ValueError as error:
        raise ValueError(f"baseline file {path!r} is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise ValueError(
            f"baseline file {path!r} is not valid: expected a JSON object with keys {', '.join(_REQUIRED)}"
        )
    for key, kind in _REQUIRED.items():
        value = document.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(
                f"baseline file {path!r}: {key}={value!r} is not valid: expected "
                f"{_kind_name(kind)} (the shape `claude-pm baseline capture` writes)"
            )
    for key in ("agent_distribution", "task_types"):
        for name, count in document[key].items():
            if isinstance(count, bool) or not isinstance(count, (int, float)) or not math.isfinite(count):
                raise ValueError(f"baseline file {path!r}: {key}.{name}={count!r} is not valid: expected a number")
    return document


def compare_baseline(
    path: str,
    *,
    since: Since = None,
    shadow: bool | None = None,
    decision_log: str | None = None,
    pricing: PricingTable | None = None,
) -> dict[str, Any]:
    """The baseline in `path` against the log now, over a window as long as the baseline's (default 7d)."""
    before = read_baseline(path)
    if since is None:
        since = f"{float(before.get('window_days') or 7)}d"
    after = capture_baseline(since, shadow=shadow, decision_log=decision_log, pricing=pricing)
    return {
        "baseline_date": before["date"],
        "current_date": after["date"],
        "daily_tokens": _change(before["daily_tokens"], after["daily_tokens"]),
        "daily_cost": _change(before["daily_cost"], after["daily_cost"]),
        "agent_distribution": _shares(before["agent_distribution"], after["agent_distribution"]),
        "task_types": _shares(before["task_types"], after["task_types"]),
        "requests": {"baseline": before.get("requests"), "current": after["requests"]},
        "unpriced_models": after["unpriced_models"],
    }


def _change(before: float, after: float) -> dict[str, float | None]:
    return {
        "baseline": before,
        "current": after,
        "change_percent": (after - before) / before * 100.0 if before else None,
    }


def _shares(before: dict, after: dict) -> dict[str, dict[str, float]]:
    """Per key: share of requests (percent) then and now, and the change in percentage points."""
    before_total = sum(before.values()) or 1
    after_total = sum(after.values()) or 1
    result = {}
    for key in sorted(set(before) | set(after)):
        then = before.get(key, 0) / before_total * 100.0
        now = after.get(key, 0) / after_total * 100.0
        result[key] = {"baseline_share": then, "current_share": now, "change_points": now - then}
    return result


def _kind_name(kind: Any) -> str:
    return {str: "a string", dict: "an object"}.get(kind, "a number")
