"""The prometheus_client collector, its registration and the HTTP exporter."""

from __future__ import annotations

import errno
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from claude_pm import runtime
from claude_pm.config import get_settings
from claude_pm.errors import ConfigError
from claude_pm.metrics.multiprocess import multiprocess_directory, own_writer, read_multiprocess_directory
from claude_pm.metrics.samples import (
    ACTIVE_OPTIMIZATIONS,
    COUNTER_SERIES,
    HISTOGRAM_SERIES,
    LATEST_GAUGES,
    PROCESS_GAUGES,
    ProcessSamples,
)
from claude_pm.metrics.sources import Sources

# The gauge the quality-guard alert (deploy/prometheus/alerts.yaml) watches.
QUALITY_GUARD_GAUGE = "claude_pm_quality_guard_engaged"

__all__ = ["QUALITY_GUARD_GAUGE", "ClaudePMCollector", "register", "start_metrics_server", "unregister"]


class ClaudePMCollector(Collector):
    """A prometheus_client collector: every number is read when Prometheus scrapes."""

    def __init__(self, sources: Sources | None = None, *, multiprocess_dir: Path | None = None) -> None:
        self.sources = sources or Sources.from_library()
        self.multiprocess_dir = multiprocess_dir

    def describe(self) -> Iterator[Metric]:
        # Names only, so registering never touches the pipeline.
        yield from self._families(ProcessSamples(), active=None)
        yield from _budget_families({})
        yield _quality_guard_family({})

    def collect(self) -> Iterator[Metric]:
        writer = own_writer() if self.multiprocess_dir is not None else None
        # A forked worker's own numbers start at the fork; its parent reports the rest.
        samples = writer.own_samples() if writer is not None else ProcessSamples.gather(self.sources)
        if self.multiprocess_dir is not None:
            samples.add(
                read_multiprocess_directory(self.multiprocess_dir, exclude=None if writer is None else writer.path)
            )
        try:
            active: int | None = self.sources.active_optimizations()
        except ConfigError:
            active = None
        yield from self._families(samples, active=active)
        # This process's view: with a PostgreSQL decision log, the fleet's spend.
        yield from _budget_families(self.sources.budgets())
        # This process's guard; every process reading one log computes the same state.
        yield _quality_guard_family(self.sources.quality_guard())

    @staticmethod
    def _families(samples: ProcessSamples, *, active: int | None) -> Iterator[Metric]:
        for name, (documentation, label_names) in COUNTER_SERIES.items():
            counter = CounterMetricFamily(name, documentation, labels=label_names)
            for labels, total in sorted(samples.counters.get(name, {}).items()):
                counter.add_metric(labels, total)
            yield counter
        for name, (documentation, label_names) in HISTOGRAM_SERIES.items():
            histogram = HistogramMetricFamily(name, documentation, labels=label_names)
            for labels, values in sorted(samples.histograms.get(name, {}).items()):
                histogram.add_metric(labels, values.prometheus_buckets(), values.sum)
            yield histogram
        for name, documentation in PROCESS_GAUGES.items():
            yield GaugeMetricFamily(name, documentation, value=samples.gauges.get(name))
        now = time.time()
        for name, (documentation, label_names) in LATEST_GAUGES.items():
            gauge = GaugeMetricFamily(name, documentation, labels=label_names)
            for labels, value in sorted(samples.latest_values(name, now).items()):
                gauge.add_metric(labels, value)
            yield gauge
        name, documentation = ACTIVE_OPTIMIZATIONS
        yield GaugeMetricFamily(name, documentation, value=None if active is None else float(active))


def _budget_families(budgets: Mapping[str, tuple[float, float]]) -> Iterator[Metric]:
    spent = GaugeMetricFamily(
        "claude_pm_budget_spent_usd", "USD the agent spent today (UTC), against its daily budget.", labels=("agent",)
    )
    limit = GaugeMetricFamily("claude_pm_budget_usd", "The agent's daily budget in USD.", labels=("agent",))
    for agent, (used, budget) in sorted(budgets.items()):
        spent.add_metric((agent,), used)
        limit.add_metric((agent,), budget)
    yield spent
    yield limit


def _quality_guard_family(states: Mapping[tuple[str, str], float]) -> Metric:
    gauge = GaugeMetricFamily(
        QUALITY_GUARD_GAUGE,
        "1 while the quality guard sends the agent's tasks for this tier one tier up, else 0.",
        labels=("agent", "tier"),
    )
    for labels, engaged in sorted(states.items()):
        gauge.add_metric(labels, engaged)
    return gauge


_registered: weakref.WeakKeyDictionary[CollectorRegistry, ClaudePMCollector] = weakref.WeakKeyDictionary()
_register_lock = threading.Lock()


def _new_register_lock_in_child() -> None:
    # A parent thread may have held it inside register() at the fork.
    global _register_lock
    _register_lock = threading.Lock()


def _unregister_all() -> None:
    with _register_lock:
        registered = list(_registered.items())
        _registered.clear()
    for registry, collector in registered:
        registry.unregister(collector)


runtime.register("metrics_exporter", after_fork_in_child=_new_register_lock_in_child, reset=_unregister_all)


def register(registry: CollectorRegistry = REGISTRY, *, sources: Sources | None = None) -> ClaudePMCollector | None:
    """Register the claude-pm collector with `registry` once; later calls return the same one.

    Returns None and registers nothing when CLAUDE_PM_METRICS_ENABLED=false. Under
    PROMETHEUS_MULTIPROC_DIR the collector adds up every worker's samples file.
    """
    if not get_settings().metrics_enabled:
        return None
    with _register_lock:
        collector = _registered.get(registry)
        if collector is None:
            collector = ClaudePMCollector(sources, multiprocess_dir=multiprocess_directory())
            registry.register(collector)
            _registered[registry] = collector
        return collector


def unregister(registry: CollectorRegistry = REGISTRY) -> None:
    """Remove the collector `register` added to `registry` (no-op when there is none)."""
    with _register_lock:
        collector = _registered.pop(registry, None)
        if collector is not None:
            registry.unregister(collector)


def start_metrics_server(port: int, addr: str = "127.0.0.1", *, registry: CollectorRegistry = REGISTRY) -> Any:
    """Serve /metrics on addr:port from a daemon thread; returns the HTTP server.

    Registers the collector first (nothing when metrics are off). Raises ValueError for a
    port outside 0..65535 and OSError naming the port when it is already in use.
    """
    if type(port) is not int or not 0 <= port <= 65535:
        raise ValueError(f"port={port!r} is not valid: expected an integer 0..65535")
    register(registry)
    try:
        server, _thread = start_http_server(port, addr=addr, registry=registry)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise OSError(
                errno.EADDRINUSE, f"cannot serve metrics on {addr}:{port}: port {port} is already in use"
            ) from exc
        raise OSError(exc.errno, f"cannot serve metrics on {addr}:{port}: {exc.strerror or exc}") from exc
    return server
