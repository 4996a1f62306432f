"""Prometheus metrics for claude-pm, computed when Prometheus scrapes.

The selection pipeline counts every decision in the native `SelectionStats` (counters
behind one short mutex in the Rust core), so a selection pays no Python metric cost. This module turns
those cumulative counters, the shared prompt cache's counters and the configuration into
Prometheus samples inside a custom collector: the work happens per scrape, not per call.

Label values are bounded: agents, models, complexity levels and rollout reasons outside
the known sets are reported as ``other``; no user id or task text ever becomes a label.

Multi-worker servers (``PROMETHEUS_MULTIPROC_DIR`` set): a collector only sees its own
process, so each worker runs a `MultiprocessWriter` that writes its cumulative samples to
its own file in that directory (periodically and at exit), and the exporting process adds
up every file. See docs/observability.md for the trade-offs.
"""

from claude_pm.metrics.exporter import ClaudePMCollector, register, start_metrics_server, unregister
from claude_pm.metrics.multiprocess import (
    MultiprocessWriter,
    ensure_multiprocess_writer,
    multiprocess_directory,
    read_multiprocess_directory,
)
from claude_pm.metrics.samples import HistogramSamples, ProcessSamples
from claude_pm.metrics.sources import (
    COMPLEXITY_LEVELS,
    OTHER,
    TOKEN_REDUCTION_BUCKETS,
    LabelSets,
    Sources,
    StatsSource,
)

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
