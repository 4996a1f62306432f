"""OpenTelemetry: every selection as a span, and the metrics through an OpenTelemetry meter.

On only with CLAUDE_PM_OTEL=true (and ``opentelemetry-api`` installed:
``pip install 'claude-pm[otel]'``). The selection pipeline then calls `record_selection`
once per selection; with the variable off it pays one attribute test and nothing here is
imported.

Each selection becomes a short INTERNAL span named ``claude_pm.selection``, a child of
the caller's current span, timed from the start of the selection. It carries the GenAI
semantic-convention attributes that apply (``gen_ai.request.model``,
``gen_ai.agent.name``) and ``claude_pm.*`` attributes for the decision (level, score,
tier, template, method, rollout reason, shadow, token reduction, decision id). The task
text never becomes an attribute.

Metrics: the counters and gauges Prometheus scrapes (see `claude_pm.metrics`) are
observable instruments read at each collection, so they cost nothing per selection;
the two histograms (token reduction, selection duration) are recorded per selection,
because OpenTelemetry has no observable histogram. Instrument names are the Prometheus
names with ``claude_pm.`` for ``claude_pm_``. Metrics follow
CLAUDE_PM_METRICS_ENABLED like the Prometheus ones.

Spans and instruments use the global tracer and meter providers unless `configure`
was given others.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from claude_pm import __version__, runtime
from claude_pm._core import SelectionStats
from claude_pm.config import get_settings
from claude_pm.definitions import TOKEN_REDUCTION_BUCKETS
from claude_pm.errors import ConfigError
from claude_pm.metrics.samples import (
    ACTIVE_OPTIMIZATIONS,
    COUNTER_SERIES,
    LATEST_GAUGES,
    PROCESS_GAUGES,
    ProcessSamples,
)
from claude_pm.metrics.sources import Sources

__all__ = [
    "DURATION_HISTOGRAM",
    "GEN_AI_AGENT_NAME",
    "GEN_AI_REQUEST_MODEL",
    "INSTRUMENTATION_SCOPE",
    "SPAN_NAME",
    "TOKEN_REDUCTION_HISTOGRAM",
    "configure",
    "instrument_name",
    "record_selection",
    "require_opentelemetry",
]

INSTRUMENTATION_SCOPE = "claude_pm"
SPAN_NAME = "claude_pm.selection"
# GenAI semantic-convention attribute names (the spec's strings; the incubating
# semconv module that defines them is not a stable import).
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_AGENT_NAME = "gen_ai.agent.name"
TOKEN_REDUCTION_HISTOGRAM = "claude_pm.token_reduction"
DURATION_HISTOGRAM = "claude_pm.selection.duration"
_INSTALL_HINT = "false, or install OpenTelemetry first: pip install 'claude-pm[otel]'"

# Selection config key -> claude_pm.* attribute name.
_DECISION_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("complexity_level", "claude_pm.level"),
    ("complexity_score", "claude_pm.score"),
    ("confidence", "claude_pm.confidence"),
    ("model_tier", "claude_pm.tier"),
    ("template_used", "claude_pm.template"),
    ("selection_method", "claude_pm.selection_method"),
    ("token_reduction_percentage", "claude_pm.token_reduction_percent"),
)


def require_opentelemetry(variable: str, raw: str) -> None:
    """ConfigError naming `variable` when the OpenTelemetry API is not importable."""
    try:
        for module in ("opentelemetry.trace", "opentelemetry.metrics"):
            importlib.import_module(module)
    except ImportError:
        raise ConfigError(variable, raw, _INSTALL_HINT) from None


def instrument_name(prometheus_name: str) -> str:
    """The OpenTelemetry instrument name of a Prometheus series (claude_pm_x -> claude_pm.x)."""
    return prometheus_name.replace("claude_pm_", "claude_pm.", 1)


class _Instruments:
    """The tracer and the meter's instruments, built once per provider pair."""

    def __init__(self, tracer_provider: Any, meter_provider: Any) -> None:
        from opentelemetry import metrics, trace

        self.tracer = trace.get_tracer(INSTRUMENTATION_SCOPE, __version__, tracer_provider=tracer_provider)
        meter = metrics.get_meter(INSTRUMENTATION_SCOPE, __version__, meter_provider=meter_provider)
        self.token_reduction = meter.create_histogram(
            TOKEN_REDUCTION_HISTOGRAM,
            unit="%",
            description="Prompt token reduction versus the FULL prompt, percent.",
            explicit_bucket_boundaries_advisory=_token_reduction_buckets(),
        )
        self.duration = meter.create_histogram(
            DURATION_HISTOGRAM,
            unit="s",
            description="Time one selection took inside claude-pm.",
            explicit_bucket_boundaries_advisory=_latency_buckets(),
        )
        _observe_process_samples(meter)


def _token_reduction_buckets() -> list[float]:
    return list(TOKEN_REDUCTION_BUCKETS)


def _latency_buckets() -> list[float]:
    # The native statistics own the latency buckets; an empty instance lists them.
    latency = SelectionStats(retention_hours=1).prometheus_samples()["latency"]
    return [float(bound) for bound, _count in latency["buckets"] if bound != float("inf")]


def _observe_process_samples(meter: Any) -> None:
    """Observable counters and gauges over the same samples the Prometheus collector reads."""
    from opentelemetry.metrics import Observation

    sources = Sources.from_library()

    def gather() -> ProcessSamples | None:
        if not _metrics_enabled():
            return None
        return ProcessSamples.gather(sources)

    def counter(name: str, label_names: tuple[str, ...]):
        def observe(_options: Any) -> Iterable[Observation]:
            samples = gather()
            if samples is None:
                return []
            return [
                Observation(total, dict(zip(label_names, labels)))
                for labels, total in samples.counters.get(name, {}).items()
            ]

        return observe

    def gauge(name: str):
        def observe(_options: Any) -> Iterable[Observation]:
            samples = gather()
            if samples is None or name not in samples.gauges:
                return []
            return [Observation(samples.gauges[name])]

        return observe

    def latest(name: str, label_names: tuple[str, ...]):
        def observe(_options: Any) -> Iterable[Observation]:
            samples = gather()
            if samples is None:
                return []
            return [
                Observation(value, dict(zip(label_names, labels)))
                for labels, value in samples.latest_values(name, time.time()).items()
            ]

        return observe

    def active(_options: Any) -> Iterable[Observation]:
        if not _metrics_enabled():
            return []
        try:
            return [Observation(sources.active_optimizations())]
        except ConfigError:
            return []

    for name, (documentation, label_names) in COUNTER_SERIES.items():
        meter.create_observable_counter(
            instrument_name(name), callbacks=[counter(name, label_names)], description=documentation
        )
    for name, documentation in PROCESS_GAUGES.items():
        meter.create_observable_gauge(instrument_name(name), callbacks=[gauge(name)], description=documentation)
    for name, (documentation, label_names) in LATEST_GAUGES.items():
        meter.create_observable_gauge(
            instrument_name(name), callbacks=[latest(name, label_names)], description=documentation
        )
    name, documentation = ACTIVE_OPTIMIZATIONS
    meter.create_observable_gauge(instrument_name(name), callbacks=[active], description=documentation)


def _metrics_enabled() -> bool:
    try:
        return get_settings().metrics_enabled
    except ConfigError:
        return False


_lock = threading.Lock()
_instruments: _Instruments | None = None
_providers: tuple[Any, Any] = (None, None)


def _reset_after_fork() -> None:
    # A parent thread may have held the lock at the fork; it does not exist in the child.
    global _lock
    _lock = threading.Lock()


def _forget_instruments() -> None:
    global _instruments, _providers
    with _lock:
        _instruments, _providers = None, (None, None)


runtime.register("otel", after_fork_in_child=_reset_after_fork, reset=_forget_instruments)


def configure(*, tracer_provider: Any = None, meter_provider: Any = None) -> None:
    """Use these providers instead of the global ones (None: the global provider)."""
    global _instruments, _providers
    with _lock:
        _providers = (tracer_provider, meter_provider)
        _instruments = None


def _current_instruments() -> _Instruments:
    global _instruments
    with _lock:
        if _instruments is None:
            _instruments = _Instruments(*_providers)
        return _instruments


def record_selection(
    agent: str, model_id: str, config: Mapping[str, Any], decision_id: str | None, started: float
) -> None:
    """Record one selection: a span with its decision, and the per-selection histograms.

    `config` is the Selection's config dict; `started` the selection's
    `time.perf_counter()` at its start.
    """
    instruments = _instruments or _current_instruments()
    elapsed = time.perf_counter() - started
    attributes: dict[str, Any] = {GEN_AI_REQUEST_MODEL: model_id, GEN_AI_AGENT_NAME: agent}
    for key, attribute in _DECISION_ATTRIBUTES:
        value = config.get(key)
        if value is not None:
            attributes[attribute] = value
    rollout = config.get("rollout") or {}
    attributes["claude_pm.rollout_reason"] = rollout.get("reason", "")
    attributes["claude_pm.shadow"] = bool(rollout.get("shadow", False))
    if decision_id is not None:
        attributes["claude_pm.decision_id"] = decision_id
    start_time = time.time_ns() - int(elapsed * 1e9)
    span = instruments.tracer.start_span(SPAN_NAME, attributes=attributes, start_time=start_time)
    span.end()
    if _metrics_enabled():
        instruments.duration.record(elapsed)
        reduction = config.get("token_reduction_percentage")
        if reduction is not None:
            instruments.token_reduction.record(reduction, {"agent": agent})
