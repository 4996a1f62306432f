"""`claude-pm quality`: failure and escalation rates per group, aggregated in SQL.

Every figure comes from two GROUP BY queries over the decisions left-joined to their
outcomes, so a report over millions of decisions moves a few hundred rows out of the
database, on SQLite and PostgreSQL alike.

- A decision's outcome is *known* when its `success` is not NULL; the failure rate is
  failures / known outcomes, with a 95 % Wilson interval.
- The escalation rate is escalated / outcomes recorded (success known or not).
- The tier comparison puts the tiers side by side on each score band: a band where a
  cheaper tier's interval lies wholly above a stronger tier's is listed in
  `worse_on_cheaper_tier`, the evidence that the cheaper tier is routed tasks it fails.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from claude_pm.config import get_settings
from claude_pm.decision_log import Store
from claude_pm.decision_log.outcomes import OUTCOMES_TABLE
from claude_pm.decision_log.queries import Since, Window, open_log, window
from claude_pm.definitions import LEVEL_NAMES, TIERS
from claude_pm.quality.interval import wilson_interval

__all__ = ["DEFAULT_BAND_WIDTH", "GROUPINGS", "collect_quality", "score_bands"]

GROUPINGS = ("agent", "tier", "level", "score-band")
DEFAULT_BAND_WIDTH = 10
_MAX_SCORE = 100
_NONE = "none"


def collect_quality(
    since: Since = "7d",
    by: str = "tier",
    *,
    band_width: int = DEFAULT_BAND_WIDTH,
    shadow: bool | None = None,
    decision_log: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The quality report over decisions since `since`, grouped `by` one of GROUPINGS.

    ValueError for a bad argument or a window without decisions; DecisionLogError when
    the log is unusable.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by={by!r} is not valid: expected one of {', '.join(GROUPINGS)}")
    if isinstance(band_width, bool) or not isinstance(band_width, int) or not 1 <= band_width <= _MAX_SCORE:
        raise ValueError(f"band_width={band_width!r} is not valid: expected an integer from 1 to {_MAX_SCORE}")
    scope = window(since, shadow=shadow, now=now)
    settings = get_settings()
    store = open_log(decision_log)
    try:
        by_group = _grouped(store, scope, (_key(by, band_width),))
        total = sum(counts[0] for counts in by_group.values())
        if not total:
            raise ValueError(f"since={since!r}: the decision log holds no decisions in this window, nothing to report")
        by_band_tier = _grouped(store, scope, (_key("score-band", band_width), _key("tier", band_width)))
    finally:
        store.close()

    groups = [
        _summary(_label(by, key[0], band_width), counts)
        for key, counts in sorted(by_group.items(), key=lambda item: _order(by, item[0][0]))
    ]
    thresholds = (settings.simple_threshold, settings.medium_threshold)
    comparison = _tier_comparison(by_band_tier, band_width, thresholds)
    known = sum(counts[1] for counts in by_group.values())
    return {
        "window": {
            "since": _iso(scope.start),
            "until": _iso(scope.end),
            "decisions": {False: "live", True: "shadow", None: "all"}[scope.shadow],
        },
        "by": by,
        "band_width": band_width,
        "thresholds": {"simple": thresholds[0], "medium": thresholds[1]},
        "decisions": total,
        "outcomes_known": known,
        "groups": groups,
        "tier_comparison": comparison,
        "worse_on_cheaper_tier": [
            {"band": band["band"], "cheaper": pair[0], "stronger": pair[1]}
            for band in comparison
            for pair in band["worse_on_cheaper_tier"]
        ],
    }


def score_bands(band_width: int) -> list[tuple[int, int]]:
    """(low, high) inclusive score bands of `band_width`; the last one reaches 100."""
    bands = [(low, min(low + band_width - 1, _MAX_SCORE)) for low in range(0, _MAX_SCORE + 1, band_width)]
    if len(bands) > 1 and bands[-1][0] == bands[-1][1] == _MAX_SCORE:
        bands[-2] = (bands[-2][0], _MAX_SCORE)  # 100 alone would be a band of one score
        bands.pop()
    return bands


def _key(by: str, band_width: int) -> str:
    if by == "score-band":
        return f"CAST(d.score / {int(band_width)} AS INTEGER)"
    return {"agent": "d.agent", "tier": "d.tier", "level": "d.level"}[by]


def _grouped(store: Store, scope: Window, keys: tuple[str, ...]) -> dict[tuple, tuple[int, int, int, int, int]]:
    """(decisions, known outcomes, failures, outcomes recorded, escalated) per distinct key."""
    where, params = scope.where()
    columns = ", ".join(f"{key} AS k{index}" for index, key in enumerate(keys))
    names = ", ".join(f"k{index}" for index in range(len(keys)))
    rows = store.query(
        f"SELECT {columns}, COUNT(*), COUNT(o.success), "
        "COALESCE(SUM(CASE WHEN o.success = ? THEN 1 ELSE 0 END), 0), COUNT(o.decision_id), "
        "COALESCE(SUM(CASE WHEN o.escalated = ? THEN 1 ELSE 0 END), 0) "
        f"FROM claude_pm_decisions d LEFT JOIN {OUTCOMES_TABLE} o ON o.decision_id = d.id {where} "
        f"GROUP BY {names}",
        (False, True, *params),
    )
    width = len(keys)
    grouped: dict[tuple, tuple[int, int, int, int, int]] = {}
    for row in rows:
        key = tuple(row[:width])
        counts = tuple(int(value) for value in row[width:])
        previous = grouped.get(key)
        grouped[key] = counts if previous is None else tuple(a + b for a, b in zip(previous, counts))  # type: ignore[assignment]
    return grouped


def _summary(group: str, counts: tuple[int, int, int, int, int]) -> dict[str, Any]:
    decisions, known, failures, recorded, escalated = counts
    interval = wilson_interval(failures, known)
    return {
        "group": group,
        "decisions": decisions,
        "outcomes": recorded,
        "outcomes_known": known,
        "failures": failures,
        "failure_rate": failures / known if known else None,
        "failure_rate_low": None if interval is None else interval[0],
        "failure_rate_high": None if interval is None else interval[1],
        "escalations": escalated,
        "escalation_rate": escalated / recorded if recorded else None,
    }


def _band_index(value: Any, band_width: int) -> int | None:
    if value is None:
        return None
    return min(int(value), (_MAX_SCORE - 1) // band_width)  # 100 joins the last band (score_bands)


def _label(by: str, value: Any, band_width: int) -> str:
    if value is None:
        return _NONE
    if by == "score-band":
        low, high = score_bands(band_width)[_band_index(value, band_width)]  # type: ignore[index]
        return f"{low}-{high}"
    return str(value)


def _order(by: str, value: Any) -> tuple:
    if value is None:
        return (2, "")
    if by == "score-band":
        return (0, int(value))
    ranked = {"tier": TIERS, "level": LEVEL_NAMES}.get(by, ())
    if value in ranked:
        return (0, ranked.index(value))
    return (1, str(value))


def _tier_comparison(
    grouped: dict[tuple, tuple[int, int, int, int, int]], band_width: int, thresholds: tuple[int, int]
) -> list[dict[str, Any]]:
    """Per score band with outcomes on more than one tier: each tier's rate, side by side."""
    bands: dict[int, dict[str, tuple[int, int, int, int, int]]] = {}
    for (band_value, tier), counts in grouped.items():
        index = _band_index(band_value, band_width)
        if index is None or tier is None:
            continue
        tiers = bands.setdefault(index, {})
        previous = tiers.get(tier)
        tiers[tier] = counts if previous is None else tuple(a + b for a, b in zip(previous, counts))  # type: ignore[assignment]
    ranges = score_bands(band_width)
    result = []
    for index in sorted(bands):
        summaries = {tier: _summary(tier, counts) for tier, counts in bands[index].items() if counts[1]}
        if len(summaries) < 2:
            continue
        ordered = [tier for tier in TIERS if tier in summaries]
        worse = [
            (cheaper, stronger)
            for position, cheaper in enumerate(ordered)
            for stronger in ordered[position + 1 :]
            if summaries[cheaper]["failure_rate_low"] > summaries[stronger]["failure_rate_high"]
        ]
        low, high = ranges[index]
        result.append(
            {
                "band": f"{low}-{high}",
                "boundary": [name for name, value in zip(("simple", "medium"), thresholds) if low <= value <= high],
                "tiers": {tier: summaries[tier] for tier in ordered},
                "worse_on_cheaper_tier": worse,
            }
        )
    return result


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")
