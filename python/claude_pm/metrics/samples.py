"""One process's cumulative samples with bounded labels, and how they add up across processes."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from claude_pm.errors import ConfigError
from claude_pm.metrics.sources import OTHER, LabelSets, Sources

__all__ = [
    "ACTIVE_OPTIMIZATIONS",
    "COUNTDOWN_GAUGES",
    "COUNTER_SERIES",
    "HISTOGRAM_SERIES",
    "LATEST_GAUGES",
    "PROCESS_GAUGES",
    "HistogramSamples",
    "ProcessSamples",
]

logger = logging.getLogger("claude_pm.metrics")


@dataclass
class HistogramSamples:
    """Cumulative bucket counts by upper bound (+Inf implied by `count`), sum and count."""

    buckets: dict[float, float]
    sum: float = 0.0
    count: float = 0.0

    @staticmethod
    def parse(raw: Mapping[str, Any]) -> HistogramSamples:
        # The +Inf bucket, when the source lists it, is `count` again.
        return HistogramSamples(
            buckets={
                float(bound): float(total) for bound, total in raw.get("buckets", ()) if not math.isinf(float(bound))
            },
            sum=float(raw.get("sum", 0.0)),
            count=float(raw.get("count", 0)),
        )

    def add(self, other: HistogramSamples) -> None:
        for bound, total in other.buckets.items():
            self.buckets[bound] = self.buckets.get(bound, 0.0) + total
        self.sum += other.sum
        self.count += other.count

    def prometheus_buckets(self) -> list[tuple[str, float]]:
        finite = [(_le(bound), total) for bound, total in sorted(self.buckets.items())]
        return [*finite, ("+Inf", self.count)]

    def to_json(self) -> dict[str, Any]:
        return {"buckets": sorted(self.buckets.items()), "sum": self.sum, "count": self.count}


def _le(bound: float) -> str:
    return str(float(bound))


# (metric name, help, label names) of every labelled counter and histogram the process owns.
COUNTER_SERIES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "claude_pm_optimizations": (
        "Selections decided by claude-pm (shadow decisions excluded).",
        ("agent", "model", "complexity"),
    ),
    "claude_pm_shadow_decisions": (
        "Selections decided in shadow mode (CLAUDE_PM_TEST_MODE): what would have been chosen.",
        ("agent", "model", "complexity"),
    ),
    "claude_pm_rollout_decisions": ("Rollout decisions by reason code.", ("reason",)),
    "claude_pm_config_errors": ("Selections that failed on a configuration error.", ()),
    "claude_pm_cache_hits": ("Shared prompt cache hits.", ()),
    "claude_pm_cache_misses": ("Shared prompt cache misses.", ()),
    "claude_pm_cache_evictions": ("Shared prompt cache evictions (entry or byte bound).", ()),
    "claude_pm_decision_log_written": ("Decisions committed to the decision log.", ()),
    "claude_pm_decision_log_failed_writes": ("Decision-log batch writes that failed (retried).", ()),
    "claude_pm_decision_log_dropped": (
        "Decisions dropped while the decision-log database was failing and the queue was full.",
        (),
    ),
    "claude_pm_session_pins": (
        "Selections that kept their session's stronger tier instead of the task's own lower one.",
        ("agent",),
    ),
    "claude_pm_session_upgrades": ("Selections that raised their session's tier.", ("agent",)),
    "claude_pm_api_responses": (
        "HTTP responses from the Messages API, every attempt (the SDK's retries included).",
        ("model", "key_slot", "status_class"),
    ),
    "claude_pm_api_rate_limited": ("429 (rate limited) responses from the Messages API.", ("model", "key_slot")),
    "claude_pm_api_overloaded": ("529 (overloaded) responses from the Messages API.", ("model", "key_slot")),
    "claude_pm_api_fallbacks": (
        "Calls sent on to the next tier of CLAUDE_PM_FALLBACK_CHAIN after a 429, 529 or 5xx.",
        ("from_model", "to_model", "reason"),
    ),
    "claude_pm_api_malformed_headers": (
        "Rate-limit headers from the Messages API that did not parse (left out of the gauges).",
        ("model", "key_slot", "header"),
    ),
}
HISTOGRAM_SERIES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "claude_pm_token_reduction_percent": ("Prompt token reduction versus the FULL prompt, percent.", ("agent",)),
    "claude_pm_selection_latency_seconds": ("Time one selection took inside claude-pm.", ()),
}
# Gauges that belong to one live process (summed over live processes only).
PROCESS_GAUGES: Mapping[str, str] = {
    "claude_pm_cache_bytes": "Bytes held by the shared prompt cache.",
    "claude_pm_cache_entries": "Entries held by the shared prompt cache.",
    "claude_pm_decision_log_queued": "Decisions waiting for the decision-log writer.",
}
# Readings of the Messages API's rate-limit headers: the latest one wins, across processes too.
LATEST_GAUGES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "claude_pm_api_ratelimit_remaining": (
        "Requests or tokens left in the rate-limit window, as the latest response said.",
        ("model", "key_slot", "resource"),
    ),
    "claude_pm_api_ratelimit_limit": (
        "Requests or tokens the rate-limit window allows, as the latest response said.",
        ("model", "key_slot", "resource"),
    ),
    "claude_pm_api_ratelimit_reset_seconds": (
        "Seconds until the rate-limit window resets (0 once it has).",
        ("model", "key_slot", "resource"),
    ),
    "claude_pm_api_retry_after_seconds": (
        "Seconds until the retry-after of the latest response that sent one has passed (0 once it has).",
        ("model", "key_slot"),
    ),
}
# Latest gauges that hold a POSIX time and are exported as the seconds left until then.
COUNTDOWN_GAUGES = frozenset({"claude_pm_api_ratelimit_reset_seconds", "claude_pm_api_retry_after_seconds"})
_API_COUNTERS_WITH_MODEL = ("claude_pm_api_responses", "claude_pm_api_rate_limited", "claude_pm_api_overloaded")
ACTIVE_OPTIMIZATIONS = (
    "claude_pm_active_optimizations",
    "Agents with complexity-based optimisation on for at least some requests now.",
)
_CACHECOUNTER_SERIES = {
    "claude_pm_cache_hits": "hits",
    "claude_pm_cache_misses": "misses",
    "claude_pm_cache_evictions": "evictions",
}
CACHE_GAUGES = {"claude_pm_cache_bytes": "bytes", "claude_pm_cache_entries": "entries"}
_DECISION_LOG_COUNTERS = {
    "claude_pm_decision_log_written": "written",
    "claude_pm_decision_log_failed_writes": "failed_writes",
    "claude_pm_decision_log_dropped": "dropped",
}


@dataclass
class ProcessSamples:
    """One process's cumulative samples with bounded labels; adds up across processes."""

    counters: dict[str, dict[tuple[str, ...], float]] = field(default_factory=dict)
    histograms: dict[str, dict[tuple[str, ...], HistogramSamples]] = field(default_factory=dict)
    gauges: dict[str, float] = field(default_factory=dict)
    # {series: {labels: (value, observed_at)}}: see LATEST_GAUGES.
    latest: dict[str, dict[tuple[str, ...], tuple[float, float]]] = field(default_factory=dict)

    @staticmethod
    def gather(sources: Sources) -> ProcessSamples:
        samples = ProcessSamples()
        samples._count("claude_pm_config_errors", (), sources.config_errors())
        try:
            stats = sources.stats()
            if stats is not None:
                samples._add_stats(stats.prometheus_samples(), sources.label_sets())
            cache = sources.cache_stats()
        except ConfigError as exc:
            # Selections fail too and are counted; the scrape still reports that count.
            logger.warning("selection and cache metrics unavailable: %s", exc)
            return samples
        for name, key in _CACHECOUNTER_SERIES.items():
            samples._count(name, (), cache.get(key, 0))
        for name, key in CACHE_GAUGES.items():
            samples.gauges[name] = float(cache.get(key, 0))
        log = sources.decision_log_stats()
        for name, key in _DECISION_LOG_COUNTERS.items():
            samples._count(name, (), log.get(key, 0))
        samples.gauges["claude_pm_decision_log_queued"] = float(log.get("queued", 0))
        samples._add_sessions(sources.session_stats(), sources.label_sets())
        api_calls = sources.api_calls()
        if api_calls is not None:
            samples._add_api_calls(api_calls, sources.label_sets())
        return samples

    def _add_api_calls(self, snapshot: Any, labels: LabelSets) -> None:
        """Counters and latest readings of `metrics.api_calls`, models and key slots folded."""

        def slot(value: str) -> str:
            if value in labels.key_slots or (value.startswith("agent:") and value[6:] in labels.agents):
                return value
            return OTHER

        for name, series in snapshot.counters.items():
            for values, total in series.items():
                if name in _API_COUNTERS_WITH_MODEL or name == "claude_pm_api_malformed_headers":
                    folded = (labels.fold(values[0], labels.models), slot(values[1]), *values[2:])
                elif name == "claude_pm_api_fallbacks":
                    folded = (labels.fold(values[0], labels.models), labels.fold(values[1], labels.models), values[2])
                else:
                    continue
                self._count(name, folded, total)
        for name, readings in snapshot.latest.items():
            for values, (value, observed_at) in readings.items():
                self._keep_latest(
                    name, (labels.fold(values[0], labels.models), slot(values[1]), *values[2:]), value, observed_at
                )

    def _keep_latest(self, name: str, labels: tuple[str, ...], value: float, observed_at: float) -> None:
        series = self.latest.setdefault(name, {})
        known = series.get(labels)
        if known is None or observed_at >= known[1]:
            series[labels] = (value, observed_at)

    def latest_values(self, name: str, now: float) -> dict[tuple[str, ...], float]:
        """The exported values of one latest gauge (countdowns as seconds from `now`, never below 0)."""
        readings = self.latest.get(name, {})
        if name in COUNTDOWN_GAUGES:
            return {labels: max(0.0, value - now) for labels, (value, _) in readings.items()}
        return {labels: value for labels, (value, _) in readings.items()}

    def _add_sessions(self, raw: Mapping[str, Any], labels: LabelSets) -> None:
        for name, key in (("claude_pm_session_pins", "pins"), ("claude_pm_session_upgrades", "upgrades")):
            for agent, total in raw.get(key, {}).items():
                self._count(name, (labels.fold(agent, labels.agents),), total)

    def _add_stats(self, raw: Mapping[str, Any], labels: LabelSets) -> None:
        for name, key in (
            ("claude_pm_optimizations", "optimizations"),
            ("claude_pm_shadow_decisions", "shadow_decisions"),
        ):
            for (agent, model, level), total in raw.get(key, {}).items():
                self._count(
                    name,
                    (
                        labels.fold(agent, labels.agents),
                        labels.fold(model, labels.models),
                        labels.fold(level, labels.complexities),
                    ),
                    total,
                )
        for reason, total in raw.get("rollout_reasons", {}).items():
            self._count("claude_pm_rollout_decisions", (labels.fold(reason, labels.reasons),), total)
        for agent, histogram in raw.get("token_reduction", {}).items():
            self._observe(
                "claude_pm_token_reduction_percent",
                (labels.fold(agent, labels.agents),),
                HistogramSamples.parse(histogram),
            )
        latency = raw.get("latency")
        if latency is not None:
            self._observe("claude_pm_selection_latency_seconds", (), HistogramSamples.parse(latency))

    def _count(self, name: str, labels: tuple[str, ...], total: float) -> None:
        series = self.counters.setdefault(name, {})
        series[labels] = series.get(labels, 0.0) + float(total)

    def _observe(self, name: str, labels: tuple[str, ...], histogram: HistogramSamples) -> None:
        series = self.histograms.setdefault(name, {})
        if labels in series:
            series[labels].add(histogram)
        else:
            series[labels] = HistogramSamples(dict(histogram.buckets), histogram.sum, histogram.count)

    def minus(self, baseline: ProcessSamples) -> ProcessSamples | None:
        """What was counted since `baseline`, or None when a counter went below it."""
        result = ProcessSamples(gauges=dict(self.gauges), latest={n: dict(s) for n, s in self.latest.items()})
        for name, series in self.counters.items():
            base = baseline.counters.get(name, {})
            for labels, total in series.items():
                delta = total - base.get(labels, 0.0)
                if delta < 0:
                    return None
                result._count(name, labels, delta)
        for name, histograms in self.histograms.items():
            base_histograms = baseline.histograms.get(name, {})
            for labels, histogram in histograms.items():
                base_histogram = base_histograms.get(labels, HistogramSamples({}))
                since = HistogramSamples(
                    {
                        bound: total - base_histogram.buckets.get(bound, 0.0)
                        for bound, total in histogram.buckets.items()
                    },
                    histogram.sum - base_histogram.sum,
                    histogram.count - base_histogram.count,
                )
                if since.count < 0 or any(total < 0 for total in since.buckets.values()):
                    return None
                result._observe(name, labels, since)
        return result

    def add(self, other: ProcessSamples, *, include_gauges: bool = True) -> None:
        for name, series in other.counters.items():
            for labels, total in series.items():
                self._count(name, labels, total)
        for name, histograms in other.histograms.items():
            for labels, histogram in histograms.items():
                self._observe(name, labels, histogram)
        if include_gauges:
            for name, value in other.gauges.items():
                self.gauges[name] = self.gauges.get(name, 0.0) + value
        # The latest reading of an exited worker is still what the API last said.
        for name, readings in other.latest.items():
            for labels, (value, observed_at) in readings.items():
                self._keep_latest(name, labels, value, observed_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "counters": {
                name: [[*labels, total] for labels, total in series.items()] for name, series in self.counters.items()
            },
            "histograms": {
                name: [[*labels, h.to_json()] for labels, h in series.items()]
                for name, series in self.histograms.items()
            },
            "gauges": self.gauges,
            "latest": {
                name: [[*labels, value, observed_at] for labels, (value, observed_at) in series.items()]
                for name, series in self.latest.items()
            },
        }

    @staticmethod
    def from_json(document: Any) -> ProcessSamples:
        """Samples from a worker file's ``samples`` object, checked field by field.

        Raises ValueError naming the first field of the wrong shape: a worker file is
        written by another process and may be stale, truncated by hand or not ours at all.
        Series this version does not know are ignored (a newer worker may export more).
        """
        samples = ProcessSamples()
        document = _mapping(document, "samples")
        for name, rows in _mapping(document.get("counters", {}), "counters").items():
            if name not in COUNTER_SERIES:
                continue
            arity = len(COUNTER_SERIES[name][1])
            for row in _rows(rows, name, arity):
                samples._count(name, _labels(row[:-1], name), _amount(row[-1], name))
        for name, rows in _mapping(document.get("histograms", {}), "histograms").items():
            if name not in HISTOGRAM_SERIES:
                continue
            arity = len(HISTOGRAM_SERIES[name][1])
            for row in _rows(rows, name, arity):
                samples._observe(name, _labels(row[:-1], name), _histogram(row[-1], name))
        for name, value in _mapping(document.get("gauges", {}), "gauges").items():
            if name in PROCESS_GAUGES:
                samples.gauges[name] = _amount(value, name)
        for name, rows in _mapping(document.get("latest", {}), "latest").items():
            if name not in LATEST_GAUGES:
                continue
            arity = len(LATEST_GAUGES[name][1])
            for row in _rows(rows, name, arity + 1):
                samples._keep_latest(name, _labels(row[:-2], name), _amount(row[-2], name), _finite(row[-1], name))
        return samples


def _mapping(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{field} is a {type(value).__name__}, expected an object")
    return value


def _rows(rows: Any, name: str, arity: int) -> Sequence[Sequence[Any]]:
    # Tuples too: `to_json()` output is read back before it goes through JSON.
    if not isinstance(rows, (list, tuple)) or not all(
        isinstance(row, (list, tuple)) and len(row) == arity + 1 for row in rows
    ):
        raise ValueError(f"{name} is not a list of [{arity} label value(s), sample] rows")
    return rows


def _labels(values: Sequence[Any], name: str) -> tuple[str, ...]:
    if not all(isinstance(value, str) for value in values):
        raise ValueError(f"{name} has a label value that is not a string")
    return tuple(values)


def _number(value: Any, name: str) -> float:
    # bool is an int subclass; a JSON true is not a count.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} has a sample that is a {type(value).__name__}, expected a number")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{name} has a sample beyond the float range") from None


def _finite(value: Any, name: str) -> float:
    number = _number(value, name)
    if not math.isfinite(number):
        raise ValueError(f"{name} has the sample {number!r}, expected a finite number")
    return number


def _amount(value: Any, name: str) -> float:
    """A counter, bucket count or gauge: finite and never negative."""
    amount = _finite(value, name)
    if amount < 0:
        raise ValueError(f"{name} has the sample {amount!r}, expected a number >= 0")
    return amount


def _histogram(raw: Any, name: str) -> HistogramSamples:
    raw = _mapping(raw, name)
    buckets = raw.get("buckets", [])
    if not isinstance(buckets, (list, tuple)) or not all(
        isinstance(pair, (list, tuple)) and len(pair) == 2 for pair in buckets
    ):
        raise ValueError(f"{name} buckets are not a list of [upper bound, count] pairs")
    for bound, total in buckets:
        if math.isnan(_number(bound, name)):
            raise ValueError(f"{name} has a bucket bound that is NaN")
        _amount(total, name)
    _finite(raw.get("sum", 0.0), name)  # a sum may be negative (a prompt that grew)
    _amount(raw.get("count", 0), name)
    return HistogramSamples.parse(raw)
