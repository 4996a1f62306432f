"""Prometheus metrics for claude-pm, computed when Prometheus scrapes.

The selection pipeline counts every decision in the native `SelectionStats` (atomic
counters in the Rust core), so a selection pays no Python metric cost. This module turns
those cumulative counters, the shared prompt cache's counters and the configuration into
Prometheus samples inside a custom collector: the work happens per scrape, not per call.

Label values are bounded: agents, models, complexity levels and rollout reasons outside
the known sets are reported as ``other``; no user id or task text ever becomes a label.

Multi-worker servers (``PROMETHEUS_MULTIPROC_DIR`` set): a collector only sees its own
process, so each worker runs a `MultiprocessWriter` that writes its cumulative samples to
its own file in that directory (periodically and at exit), and the exporting process adds
up every file. See docs/observability.md for the trade-offs.
"""

from __future__ import annotations

import atexit
import errno
import json
import logging
import math
import os
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from claude_pm.config import get_settings
from claude_pm.errors import ConfigError

__all__ = [
    "COMPLEXITY_LEVELS",
    "OTHER",
    "TOKEN_REDUCTION_BUCKETS",
    "ClaudePMCollector",
    "HistogramSamples",
    "LabelSets",
    "MultiprocessWriter",
    "ProcessSamples",
    "Sources",
    "StatsSource",
    "ensure_multiprocess_writer",
    "multiprocess_directory",
    "read_multiprocess_directory",
    "register",
    "start_metrics_server",
    "unregister",
]

logger = logging.getLogger("claude_pm.metrics")

OTHER = "other"
COMPLEXITY_LEVELS = ("SIMPLE", "MEDIUM", "COMPLEX")
#: The deployment guide's buckets for claude_pm_token_reduction_percent.
TOKEN_REDUCTION_BUCKETS = (10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0)
_FILE_PREFIX = "claude_pm_samples_"
_DEFAULT_FLUSH_INTERVAL = 5.0


class StatsSource(Protocol):
    """What the collector reads from `claude_pm._core.SelectionStats`.

    `prometheus_samples()` returns cumulative values::

        {"optimizations":    {(agent, model, level_name): count},   # non-shadow selections
         "shadow_decisions": {(agent, model, level_name): count},
         "token_reduction":  {agent: histogram},                    # buckets 10..90 (percent)
         "latency":          histogram,                             # seconds
         "rollout_reasons":  {reason: count}}

    where a histogram is ``{"buckets": [(upper_bound, cumulative_count), ...], "sum": float,
    "count": int}`` (a trailing ``(inf, count)`` bucket is optional).
    """

    def prometheus_samples(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class LabelSets:
    """The label values reported as themselves; anything else becomes ``other``."""

    agents: frozenset[str]
    models: frozenset[str]
    reasons: frozenset[str]
    complexities: frozenset[str] = frozenset(COMPLEXITY_LEVELS)

    @staticmethod
    def from_library() -> LabelSets:
        from claude_pm.agents.base_agent_loader import AGENT_NAMES
        from claude_pm.rollout import REASONS

        return LabelSets(
            agents=frozenset(AGENT_NAMES),
            models=frozenset(get_settings().model_ids.values()),
            reasons=frozenset(REASONS),
        )

    def fold(self, value: object, known: frozenset[str]) -> str:
        return value if isinstance(value, str) and value in known else OTHER


@dataclass(frozen=True)
class Sources:
    """Where one process's numbers come from; `from_library()` reads the real pipeline."""

    stats: Callable[[], StatsSource | None]
    cache_stats: Callable[[], Mapping[str, Any]]
    config_errors: Callable[[], int]
    label_sets: Callable[[], LabelSets]
    active_optimizations: Callable[[], int]

    @staticmethod
    def from_library() -> Sources:
        return Sources(
            stats=_library_stats,
            cache_stats=_library_cache_stats,
            config_errors=_library_config_errors,
            label_sets=LabelSets.from_library,
            active_optimizations=_library_active_optimizations,
        )


def _library_stats() -> StatsSource | None:
    from claude_pm.selection import selection_stats

    # Broken settings raise here first, so a scrape is never counted as a failed selection.
    get_settings()
    return selection_stats()


def _library_cache_stats() -> Mapping[str, Any]:
    from claude_pm.services.shared_prompt_cache import SharedPromptCache

    return SharedPromptCache.get_instance().get_stats()


def _library_config_errors() -> int:
    from claude_pm.selection import config_error_count

    return config_error_count()


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
            buckets={float(bound): float(total) for bound, total in raw.get("buckets", ())
                     if not math.isinf(float(bound))},
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
_COUNTERS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "claude_pm_optimizations": ("Selections decided by claude-pm (shadow decisions excluded).",
                                ("agent", "model", "complexity")),
    "claude_pm_shadow_decisions": ("Selections decided in shadow mode (CLAUDE_PM_TEST_MODE): "
                                   "what would have been chosen.", ("agent", "model", "complexity")),
    "claude_pm_rollout_decisions": ("Rollout decisions by reason code.", ("reason",)),
    "claude_pm_config_errors": ("Selections that failed on a configuration error.", ()),
    "claude_pm_cache_hits": ("Shared prompt cache hits.", ()),
    "claude_pm_cache_misses": ("Shared prompt cache misses.", ()),
    "claude_pm_cache_evictions": ("Shared prompt cache evictions (entry or byte bound).", ()),
}
_HISTOGRAMS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "claude_pm_token_reduction_percent": ("Prompt token reduction versus the FULL prompt, percent.",
                                          ("agent",)),
    "claude_pm_selection_latency_seconds": ("Time one selection took inside claude-pm.", ()),
}
# Gauges that belong to one live process (summed over live processes only).
_PROCESS_GAUGES: Mapping[str, str] = {
    "claude_pm_cache_bytes": "Bytes held by the shared prompt cache.",
    "claude_pm_cache_entries": "Entries held by the shared prompt cache.",
}
_ACTIVE_OPTIMIZATIONS = ("claude_pm_active_optimizations",
                         "Agents with complexity-based optimisation on for at least some requests now.")
_CACHE_COUNTERS = {"claude_pm_cache_hits": "hits", "claude_pm_cache_misses": "misses",
                   "claude_pm_cache_evictions": "evictions"}
_CACHE_GAUGES = {"claude_pm_cache_bytes": "bytes", "claude_pm_cache_entries": "entries"}


@dataclass
class ProcessSamples:
    """One process's cumulative samples with bounded labels; adds up across processes."""

    counters: dict[str, dict[tuple[str, ...], float]] = field(default_factory=dict)
    histograms: dict[str, dict[tuple[str, ...], HistogramSamples]] = field(default_factory=dict)
    gauges: dict[str, float] = field(default_factory=dict)

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
        for name, key in _CACHE_COUNTERS.items():
            samples._count(name, (), cache.get(key, 0))
        for name, key in _CACHE_GAUGES.items():
            samples.gauges[name] = float(cache.get(key, 0))
        return samples

    def _add_stats(self, raw: Mapping[str, Any], labels: LabelSets) -> None:
        for name, key in (("claude_pm_optimizations", "optimizations"),
                          ("claude_pm_shadow_decisions", "shadow_decisions")):
            for (agent, model, level), total in raw.get(key, {}).items():
                self._count(name, (labels.fold(agent, labels.agents), labels.fold(model, labels.models),
                                   labels.fold(level, labels.complexities)), total)
        for reason, total in raw.get("rollout_reasons", {}).items():
            self._count("claude_pm_rollout_decisions", (labels.fold(reason, labels.reasons),), total)
        for agent, histogram in raw.get("token_reduction", {}).items():
            self._observe("claude_pm_token_reduction_percent", (labels.fold(agent, labels.agents),),
                          HistogramSamples.parse(histogram))
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
        result = ProcessSamples(gauges=dict(self.gauges))
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
                    {bound: total - base_histogram.buckets.get(bound, 0.0)
                     for bound, total in histogram.buckets.items()},
                    histogram.sum - base_histogram.sum, histogram.count - base_histogram.count,
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

    def to_json(self) -> dict[str, Any]:
        return {
            "counters": {name: [[*labels, total] for labels, total in series.items()]
                         for name, series in self.counters.items()},
            "histograms": {name: [[*labels, h.to_json()] for labels, h in series.items()]
                           for name, series in self.histograms.items()},
            "gauges": self.gauges,
        }

    @staticmethod
    def from_json(document: Mapping[str, Any]) -> ProcessSamples:
        samples = ProcessSamples()
        for name, rows in document.get("counters", {}).items():
            for *labels, total in rows:
                samples._count(name, tuple(labels), total)
        for name, rows in document.get("histograms", {}).items():
            for *labels, histogram in rows:
                samples._observe(name, tuple(labels), HistogramSamples.parse(histogram))
        samples.gauges = {name: float(value) for name, value in document.get("gauges", {}).items()}
        return samples


def multiprocess_directory() -> Path | None:
    """prometheus_client's own convention: the directory multi-worker servers share."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(directory) if directory else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_multiprocess_directory(directory: Path, *, exclude: Path | None = None) -> ProcessSamples:
    """Add up every worker's samples file in `directory`.

    Counters of exited workers stay in the total (Prometheus counters never go down);
    their cache gauges do not (the memory is gone). Unreadable or half-written files are
    skipped with a warning rather than failing the scrape.
    """
    total = ProcessSamples()
    for path in sorted(directory.glob(f"{_FILE_PREFIX}*.json")):
        if exclude is not None and path == exclude:
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            samples = ProcessSamples.from_json(document["samples"])
            pid = int(document["pid"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("skipping unreadable metrics file %s: %s", path, exc)
            continue
        total.add(samples, include_gauges=_pid_alive(pid))
    return total


class MultiprocessWriter:
    """Writes what this process counted to its own file in the shared directory.

    The file name carries the pid and a random token, so a recycled pid never overwrites
    an exited worker's totals. Writes are atomic (temporary file + rename). `baseline` is
    what the process had counted before the writer started: a forked worker inherits its
    parent's counters, and writing them again would count them twice.
    """

    def __init__(self, directory: Path, *, sources: Sources | None = None,
                 interval: float = _DEFAULT_FLUSH_INTERVAL, baseline: ProcessSamples | None = None) -> None:
        if interval <= 0:
            raise ValueError(f"interval={interval!r} is not valid: expected seconds > 0")
        self.directory = Path(directory)
        self.sources = sources or Sources.from_library()
        self.interval = interval
        self.pid = os.getpid()
        self.path = self.directory / f"{_FILE_PREFIX}{self.pid}_{uuid.uuid4().hex[:12]}.json"
        self._baseline = baseline or ProcessSamples()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def own_samples(self) -> ProcessSamples:
        current = ProcessSamples.gather(self.sources)
        own = current.minus(self._baseline)
        if own is None:  # counters went down: the statistics were reset or replaced
            self._baseline = ProcessSamples()
            return current
        return own

    def flush(self) -> None:
        if os.getpid() != self.pid:  # a forked child's copy; the child has its own writer
            return
        document = {"pid": self.pid, "written_at": time.time(), "samples": self.own_samples().to_json()}
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".claude_pm_tmp_")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(document, out)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def start(self) -> MultiprocessWriter:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="claude-pm-metrics-writer", daemon=True)
            self._thread.start()
            atexit.register(self.stop)
        return self

    def stop(self) -> None:
        """Stop the periodic writes and write the final totals."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.interval + 1)
        try:
            self.flush()
        except Exception as exc:  # at exit a failed write must not mask the real exit status
            logger.warning("could not write final metrics to %s: %s", self.path, exc)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception as exc:  # a full disk must not kill the worker's metrics thread
                logger.warning("could not write metrics to %s: %s", self.path, exc)


_writer_lock = threading.Lock()
_writer: MultiprocessWriter | None = None


def ensure_multiprocess_writer(interval: float = _DEFAULT_FLUSH_INTERVAL, *,
                               sources: Sources | None = None) -> MultiprocessWriter | None:
    """Start this process's writer once when PROMETHEUS_MULTIPROC_DIR is set; cheap afterwards.

    Returns None when the variable is unset or metrics are off. A process forked from one
    with a writer gets its own writer at once (new pid, new file, counting from the fork).
    """
    global _writer
    writer = _own_writer()
    if writer is not None:
        return writer
    directory = multiprocess_directory()
    if directory is None or not get_settings().metrics_enabled:
        return None
    with _writer_lock:
        writer = _own_writer()
        if writer is None:
            writer = _writer = MultiprocessWriter(directory, sources=sources, interval=interval).start()
        return writer


def _own_writer() -> MultiprocessWriter | None:
    """The writer started by this process (a fork inherits its parent's, which is not ours)."""
    writer = _writer
    return writer if writer is not None and writer.pid == os.getpid() else None


def _start_writer_in_forked_child() -> None:
    """A pre-forking server's workers each get a writer that counts only their own work."""
    global _writer, _writer_lock
    parent = _writer
    _writer_lock = threading.Lock()  # the parent's lock may have been held by another thread
    if parent is None:
        return
    _writer = None
    try:
        baseline = ProcessSamples.gather(parent.sources)
        _writer = MultiprocessWriter(parent.directory, sources=parent.sources, interval=parent.interval,
                                     baseline=baseline).start()
    except Exception as exc:  # never break a fork over metrics
        logger.warning("could not start the metrics writer in worker %d: %s", os.getpid(), exc)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_start_writer_in_forked_child)


def _library_active_optimizations() -> int:
    """Agents for which optimisation applies to at least some requests right now."""
    from claude_pm.agents.base_agent_loader import AGENT_NAMES
    from claude_pm.rollout import should_enable_optimization

    settings = get_settings()
    active = 0
    for agent in AGENT_NAMES:
        decision = should_enable_optimization(agent, None, settings=settings)
        share = settings.agent_rollout_percentage.get(agent, settings.rollout_percentage)
        # A percentage gate needs a user id to decide; it is on for part of the users.
        if decision.enabled or (decision.reason == "no_user_id" and share > 0):
            active += 1
    return active


class ClaudePMCollector(Collector):
    """A prometheus_client collector: every number is read when Prometheus scrapes."""

    def __init__(self, sources: Sources | None = None, *, multiprocess_dir: Path | None = None) -> None:
        self.sources = sources or Sources.from_library()
        self.multiprocess_dir = multiprocess_dir

    def describe(self) -> Iterator[Metric]:
        # Names only, so registering never touches the pipeline.
        yield from self._families(ProcessSamples(), active=None)

    def collect(self) -> Iterator[Metric]:
        writer = _own_writer() if self.multiprocess_dir is not None else None
        # A forked worker's own numbers start at the fork; its parent reports the rest.
        samples = writer.own_samples() if writer is not None else ProcessSamples.gather(self.sources)
        if self.multiprocess_dir is not None:
            samples.add(read_multiprocess_directory(self.multiprocess_dir,
                                                    exclude=None if writer is None else writer.path))
        try:
            active: int | None = self.sources.active_optimizations()
        except ConfigError:
            active = None
        yield from self._families(samples, active=active)

    @staticmethod
    def _families(samples: ProcessSamples, *, active: int | None) -> Iterator[Metric]:
        for name, (documentation, label_names) in _COUNTERS.items():
            counter = CounterMetricFamily(name, documentation, labels=label_names)
            for labels, total in sorted(samples.counters.get(name, {}).items()):
                counter.add_metric(labels, total)
            yield counter
        for name, (documentation, label_names) in _HISTOGRAMS.items():
            histogram = HistogramMetricFamily(name, documentation, labels=label_names)
            for labels, values in sorted(samples.histograms.get(name, {}).items()):
                histogram.add_metric(labels, values.prometheus_buckets(), values.sum)
            yield histogram
        for name, documentation in _PROCESS_GAUGES.items():
            yield GaugeMetricFamily(name, documentation, value=samples.gauges.get(name))
        name, documentation = _ACTIVE_OPTIMIZATIONS
        yield GaugeMetricFamily(name, documentation, value=None if active is None else float(active))


_registered: weakref.WeakKeyDictionary[CollectorRegistry, ClaudePMCollector] = weakref.WeakKeyDictionary()
_register_lock = threading.Lock()


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


def start_metrics_server(port: int, addr: str = "127.0.0.1", *,
                         registry: CollectorRegistry = REGISTRY) -> Any:
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
            raise OSError(errno.EADDRINUSE,
                          f"cannot serve metrics on {addr}:{port}: port {port} is already in use") from exc
        raise OSError(exc.errno, f"cannot serve metrics on {addr}:{port}: {exc.strerror or exc}") from exc
    return server
