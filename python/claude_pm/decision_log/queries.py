"""Read side shared by cost reports, baselines and calibration: time windows and aggregates.

Everything is aggregated in SQL (GROUP BY model, score, agent, level), so a report
over millions of decisions moves a few hundred rows out of the database. Token counts
of a decision are its real usage when `record_usage` was called, otherwise the
estimated prompt tokens as input and no output.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Union

from claude_pm.config import get_settings
from claude_pm.decision_log.store import VARIABLE, DecisionLogError, Store, open_store

__all__ = [
    "ModelTotals",
    "Since",
    "Window",
    "counts_by",
    "covered_days",
    "first_timestamp",
    "model_totals",
    "open_log",
    "score_histogram",
    "window",
]

Since = Union[datetime, timedelta, str, None]
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_MIN_SPAN_DAYS = 1 / 24
_GROUPABLE = ("agent", "level", "tier", "model_id", "template", "selection_method", "rollout_reason")
_FROM = ("FROM claude_pm_decisions d LEFT JOIN claude_pm_usage u ON u.decision_id = d.id "
         "WHERE d.ts >= ? AND d.ts <= ?")


@dataclass(frozen=True)
class Window:
    """The analysed time range in POSIX seconds and which decisions count (live, shadow or both)."""

    start: float
    end: float
    shadow: bool | None = False

    def where(self) -> tuple[str, tuple]:
        if self.shadow is None:
            return _FROM, (self.start, self.end)
        return _FROM + " AND d.shadow = ?", (self.start, self.end, self.shadow)

    @property
    def days(self) -> float:
        return (self.end - self.start) / 86400.0


@dataclass(frozen=True)
class ModelTotals:
    model_id: str
    requests: int
    prompt_tokens: int
    full_prompt_tokens: int
    with_usage: int
    usage_input_tokens: int
    usage_output_tokens: int
    input_tokens: int
    output_tokens: int


def window(since: Since, *, shadow: bool | None = False, now: float | None = None) -> Window:
    """The window from `since` (datetime, timedelta, or "7d"/"24h"/"30m"/"2w") up to now."""
    end = time.time() if now is None else now
    if since is None:
        return Window(end - get_settings().metrics_retention_hours * 3600.0, end, shadow)
    if isinstance(since, datetime):
        return Window(since.timestamp(), end, shadow)
    if isinstance(since, timedelta):
        return Window(end - since.total_seconds(), end, shadow)
    if isinstance(since, str):
        match = _DURATION.match(since)
        if match:
            return Window(end - float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()], end, shadow)
        try:
            return Window(datetime.fromisoformat(since.strip()).timestamp(), end, shadow)
        except ValueError:
            pass
    raise ValueError(f"since={since!r} is not valid: expected a duration such as 7d, 24h, 30m or 2w, "
                     "an ISO date/time, a datetime or a timedelta")


def open_log(target: str | None = None) -> Store:
    """Open the configured decision log for reading; DecisionLogError when none is configured or found."""
    target = target if target is not None else get_settings().decision_log
    if target is None:
        raise DecisionLogError(f"{VARIABLE} is not set: point it at the SQLite file or postgresql:// DSN "
                               "the runners record decisions to")
    return open_store(target, create=False)


def model_totals(store: Store, scope: Window) -> list[ModelTotals]:
    where, params = scope.where()
    rows = store.query(
        "SELECT d.model_id, COUNT(*), COALESCE(SUM(d.prompt_tokens), 0), "
        "COALESCE(SUM(COALESCE(d.full_prompt_tokens, d.prompt_tokens)), 0), COUNT(u.decision_id), "
        "COALESCE(SUM(u.input_tokens), 0), COALESCE(SUM(u.output_tokens), 0), "
        "COALESCE(SUM(COALESCE(u.input_tokens, d.prompt_tokens)), 0), COALESCE(SUM(u.output_tokens), 0) "
        f"{where} GROUP BY d.model_id ORDER BY d.model_id", params)
    return [ModelTotals(row[0], *(int(value) for value in row[1:])) for row in rows]


def score_histogram(store: Store, scope: Window) -> list[tuple[int, int, int, int]]:
    """(score, requests, input tokens, output tokens) for every logged score, ascending."""
    where, params = scope.where()
    rows = store.query(
        "SELECT d.score, COUNT(*), COALESCE(SUM(COALESCE(u.input_tokens, d.prompt_tokens)), 0), "
        f"COALESCE(SUM(u.output_tokens), 0) {where} AND d.score IS NOT NULL GROUP BY d.score ORDER BY d.score",
        params)
    return [(int(score), int(requests), int(inp), int(out)) for score, requests, inp, out in rows]


def counts_by(store: Store, column: str, scope: Window) -> dict[str, int]:
    """Requests per value of `column` (an allowed decision column); NULL is reported as "none"."""
    if column not in _GROUPABLE:
        raise ValueError(f"column={column!r} is not valid: expected one of {', '.join(_GROUPABLE)}")
    where, params = scope.where()
    rows = store.query(f"SELECT d.{column}, COUNT(*) {where} GROUP BY d.{column}", params)
    return {("none" if value is None else str(value)): int(count)
            for value, count in sorted(rows, key=lambda row: (row[0] is None, str(row[0])))}


def first_timestamp(store: Store, scope: Window) -> float | None:
    where, params = scope.where()
    rows = store.query(f"SELECT MIN(d.ts) {where}", params)
    return None if not rows or rows[0][0] is None else float(rows[0][0])


def covered_days(store: Store, scope: Window) -> float:
    """Days the log covers inside `scope`: from its first decision there (at least one hour) to the end."""
    first = first_timestamp(store, scope)
    start = scope.end if first is None else max(scope.start, first)
    return max(_MIN_SPAN_DAYS, (scope.end - start) / 86400.0)
