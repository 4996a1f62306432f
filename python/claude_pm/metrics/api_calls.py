"""What the Messages API told this process: responses by status, rate-limit headers, fallbacks.

`AnthropicExecutor` reports every HTTP response it sees (each attempt, retries of the
SDK included) to `api_call_stats()`, with the model and the key slot it was sent with.
The collector turns the cumulative counts and the latest rate-limit readings into
Prometheus samples per model and key slot (see `claude_pm.metrics.samples`).

Rate-limit headers come from a remote server: a value that does not parse is left out
of the gauges and counted in ``claude_pm_api_malformed_headers_total``; nothing here
ever raises into the caller.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from claude_pm import runtime
from claude_pm.definitions import OTHER_LABEL

__all__ = [
    "RATE_LIMIT_RESOURCES",
    "ApiCallSnapshot",
    "ApiCallStats",
    "api_call_stats",
    "parse_reset",
    "status_class",
]

logger = logging.getLogger("claude_pm.metrics")

#: The rate-limited resources Anthropic reports, as they appear in the header names
#: (``anthropic-ratelimit-<resource>-remaining``) and in the ``resource`` label.
RATE_LIMIT_RESOURCES: tuple[str, ...] = ("requests", "tokens", "input_tokens", "output_tokens")
_HEADER_PREFIX = "anthropic-ratelimit-"
# Header suffix -> the series its reading goes to (reset: the POSIX time of the reset).
_READINGS = (
    ("-remaining", "claude_pm_api_ratelimit_remaining"),
    ("-limit", "claude_pm_api_ratelimit_limit"),
    ("-reset", "claude_pm_api_ratelimit_reset_seconds"),
)
# Far above any real limit, and exactly representable as a float.
_MAX_READING = 2.0**53
_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$")


def status_class(status: int) -> str:
    """'2xx', '4xx', '5xx' (and '1xx', '3xx'); 'other' for anything outside 100..599."""
    return f"{status // 100}xx" if 100 <= status <= 599 else OTHER_LABEL


def parse_reset(value: str) -> float | None:
    """POSIX seconds of an RFC 3339 reset time (``2026-12-01T21:40:00Z``); None if it does not parse."""
    match = _RFC3339.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        if offset in ("Z", "z"):
            zone = timezone.utc
        else:
            sign = 1 if offset[0] == "+" else -1
            zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=zone)
    except ValueError:  # month 13, an offset of 24 hours or more, ...
        return None
    return moment.timestamp() + (float("0." + fraction) if fraction else 0.0)


def _reading(value: str) -> float | None:
    """A non-negative finite count or number of seconds; None if `value` is not one."""
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0 or number > _MAX_READING:
        return None
    return number


@dataclass
class ApiCallSnapshot:
    """Copies of the cumulative counters and the latest readings.

    counters: {series: {labels: count}} with labels as `samples.COUNTER_SERIES` names them;
    latest: {series: {labels: (value, observed_at)}}, where the reset series holds the
    POSIX time of the reset (the exporter turns it into seconds from now).
    """

    counters: dict[str, dict[tuple[str, ...], float]] = field(default_factory=dict)
    latest: dict[str, dict[tuple[str, ...], tuple[float, float]]] = field(default_factory=dict)


class ApiCallStats:
    """Thread-safe counters and latest readings of one process; label values as given."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[tuple[str, ...], float]] = {}
        self._latest: dict[str, dict[tuple[str, ...], tuple[float, float]]] = {}

    def observe_response(
        self, model: str, slot: str, status: int, headers: Mapping[str, str], now: float | None = None
    ) -> None:
        """Count one HTTP response and keep its rate-limit readings; never raises."""
        try:
            self._observe(model, slot, status, headers, time.time() if now is None else now)
        except Exception:  # a metrics bug must never fail an API call
            logger.debug("could not record an API response in the metrics", exc_info=True)

    def observe_fallback(self, from_model: str, to_model: str, reason: str) -> None:
        with self._lock:
            self._add("claude_pm_api_fallbacks", (from_model, to_model, reason))

    def _observe(self, model: str, slot: str, status: int, headers: Mapping[str, str], now: float) -> None:
        readings: list[tuple[str, tuple[str, ...], float]] = []
        malformed: list[str] = []
        for resource in RATE_LIMIT_RESOURCES:
            base = _HEADER_PREFIX + resource.replace("_", "-")
            for suffix, series in _READINGS:
                raw = headers.get(base + suffix)
                if raw is None:
                    continue
                value = parse_reset(raw) if suffix == "-reset" else _reading(raw)
                if value is None:
                    malformed.append(base + suffix)
                else:
                    readings.append((series, (model, slot, resource), value))
        retry_after = headers.get("retry-after")
        if retry_after is not None:
            seconds = _reading(retry_after)
            if seconds is None:
                malformed.append("retry-after")
            else:
                readings.append(("claude_pm_api_retry_after_seconds", (model, slot), now + seconds))
        with self._lock:
            self._add("claude_pm_api_responses", (model, slot, status_class(status)))
            if status == 429:
                self._add("claude_pm_api_rate_limited", (model, slot))
            elif status == 529:
                self._add("claude_pm_api_overloaded", (model, slot))
            for header in malformed:
                self._add("claude_pm_api_malformed_headers", (model, slot, header))
            for series, labels, value in readings:
                self._latest.setdefault(series, {})[labels] = (value, now)

    def _add(self, series: str, labels: tuple[str, ...]) -> None:
        counts = self._counters.setdefault(series, {})
        counts[labels] = counts.get(labels, 0.0) + 1.0

    def snapshot(self) -> ApiCallSnapshot:
        with self._lock:
            return ApiCallSnapshot(
                counters={name: dict(series) for name, series in self._counters.items()},
                latest={name: dict(series) for name, series in self._latest.items()},
            )

    def reset(self) -> None:
        with self._lock:
            self._counters.clear()
            self._latest.clear()


_stats = ApiCallStats()


def api_call_stats() -> ApiCallStats:
    """The process's API-call statistics."""
    return _stats


def _fresh_after_fork() -> None:
    # A forked child counts its own calls from zero (its parent reports what came before),
    # and a lock another parent thread held at the fork would stay held.
    global _stats
    _stats = ApiCallStats()


def _reset() -> None:
    _stats.reset()


runtime.register("api_calls", after_fork_in_child=_fresh_after_fork, reset=_reset)
