"""Read side shared by cost reports, baselines and calibration: time windows and aggregates.

Everything is aggregated in SQL, so a report over millions of decisions moves a few
hundred rows out of the database. Token counts of a decision are its real usage when
`record_usage` was called, otherwise the estimated prompt tokens as input and no
output. Decisions and usage are aggregated by two queries (a scan of the decisions,
and a join from the usually much smaller usage table) rather than one outer join.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Union

from claude_pm.config import get_settings
from claude_pm.decision_log.backends import open_reader
from claude_pm.decision_log.store import VARIABLE, DecisionLogError, Store

__all__ = [
    "Since",
    "Totals",
    "Window",
    "collapse",
    "counts_by",
    "covered_days",
    "group_totals",
    "open_log",
    "window",
]

Since = Union[datetime, timedelta, str, None]
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_MIN_SPAN_DAYS = 1 / 24
_GROUPABLE = ("agent", "level", "tier", "model_id", "score", "template", "selection_method", "rollout_reason")


@dataclass(frozen=True)
class Window:
    """The analysed time range in POSIX seconds and which decisions count (live, shadow or both)."""

    start: float
    end: float
    shadow: bool | None = False

    def where(self, *, whole_log: bool = False) -> tuple[str, tuple]:
        """The WHERE clause on decisions `d`. When the window holds the whole log, the ts index
        only adds a lookup per row, so the comparison is written to bypass it (``+d.ts``)."""
        column = "+d.ts" if whole_log else "d.ts"
        clause, params = f"WHERE {column} >= ? AND {column} <= ?", (self.start, self.end)
        if self.shadow is None:
            return clause, params
        return clause + " AND d.shadow = ?", (*params, self.shadow)

    @property
    def days(self) -> float:
        return (self.end - self.start) / 86400.0


@dataclass
class Totals:
    """Aggregates of a group of decisions."""

    requests: int = 0
    prompt_tokens: int = 0
    full_prompt_tokens: int = 0
    with_usage: int = 0
    estimated_prompt_tokens_replaced: int = 0
    usage_input_tokens: int = 0
    usage_output_tokens: int = 0

    @property
    def input_tokens(self) -> int:
        """Real input tokens where known, else the estimated prompt."""
        return self.prompt_tokens - self.estimated_prompt_tokens_replaced + self.usage_input_tokens

    @property
    def output_tokens(self) -> int:
        return self.usage_output_tokens

    def add(self, other: Totals) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


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
    raise ValueError(
        f"since={since!r} is not valid: expected a duration such as 7d, 24h, 30m or 2w, "
        "an ISO date/time, a datetime or a timedelta"
    )


def open_log(target: str | None = None) -> Store:
    """Open the configured decision log read-only; DecisionLogError when none is configured or found.

    Reports never create or migrate a log (a report pointed at the wrong file must not
    turn it into an empty decision log).
    """
    target = target if target is not None else get_settings().decision_log
    if target is None:
        raise DecisionLogError(
            f"{VARIABLE} is not set: point it at the SQLite file or postgresql:// DSN the runners record decisions to"
        )
    return open_reader(target)


def group_totals(store: Store, scope: Window, columns: tuple[str, ...]) -> dict[tuple, Totals]:
    """Totals per distinct value of `columns` (decision columns) inside `scope`."""
    keys = ", ".join(f"d.{_checked(column)}" for column in columns)
    where, params = scope.where(whole_log=_covers_whole_log(store, scope))
    groups: dict[tuple, Totals] = {}
    width = len(columns)
    for row in store.query(
        f"SELECT {keys}, COUNT(*), COALESCE(SUM(d.prompt_tokens), 0), "
        f"COALESCE(SUM(COALESCE(d.full_prompt_tokens, d.prompt_tokens)), 0) "
        f"FROM claude_pm_decisions d {where} GROUP BY {keys}",
        params,
    ):
        groups[tuple(row[:width])] = Totals(*(int(value) for value in row[width:]))
    for row in store.query(
        f"SELECT {keys}, COUNT(*), COALESCE(SUM(d.prompt_tokens), 0), SUM(u.input_tokens), "
        f"SUM(u.output_tokens) FROM claude_pm_usage u JOIN claude_pm_decisions d ON d.id = u.decision_id "
        f"{where} GROUP BY {keys}",
        params,
    ):
        totals = groups[tuple(row[:width])]
        totals.with_usage, totals.estimated_prompt_tokens_replaced = int(row[width]), int(row[width + 1])
        totals.usage_input_tokens, totals.usage_output_tokens = int(row[width + 2]), int(row[width + 3])
    return groups


def collapse(groups: dict[tuple, Totals], position: int) -> dict:
    """Re-group totals keyed by several columns on the key at `position` only."""
    result: dict = {}
    for key, totals in groups.items():
        result.setdefault(key[position], Totals()).add(totals)
    return result


def counts_by(store: Store, column: str, scope: Window) -> dict[str, int]:
    """Requests per value of `column`; NULL is reported as "none"."""
    where, params = scope.where(whole_log=_covers_whole_log(store, scope))
    rows = store.query(
        f"SELECT d.{_checked(column)}, COUNT(*) FROM claude_pm_decisions d {where} GROUP BY d.{column}", params
    )
    return {
        ("none" if value is None else str(value)): int(count)
        for value, count in sorted(rows, key=lambda row: (row[0] is None, str(row[0])))
    }


def covered_days(store: Store, scope: Window) -> float:
    """Days the log covers inside `scope`: from its first decision there (at least one hour) to the end."""
    where, params = scope.where()
    rows = store.query(f"SELECT MIN(d.ts) FROM claude_pm_decisions d {where}", params)
    first = None if not rows or rows[0][0] is None else float(rows[0][0])
    start = scope.end if first is None else max(scope.start, first)
    return max(_MIN_SPAN_DAYS, (scope.end - start) / 86400.0)


def _covers_whole_log(store: Store, scope: Window) -> bool:
    rows = store.query("SELECT MIN(ts), MAX(ts) FROM claude_pm_decisions")
    first, last = rows[0] if rows else (None, None)
    return first is None or (scope.start <= first and last <= scope.end)


def _checked(column: str) -> str:
    if column not in _GROUPABLE:
        raise ValueError(f"column={column!r} is not valid: expected one of {', '.join(_GROUPABLE)}")
    return column
