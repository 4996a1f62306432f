"""The Prometheus collector over a fake statistics source: names, labels, folding, registration."""

from __future__ import annotations

import errno
import math
import os
import socket
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest
from claude_pm import metrics
from claude_pm.metrics import ClaudePMCollector, LabelSets, ProcessSamples, Sources
from conftest import sample_value as _value
from prometheus_client import CollectorRegistry, generate_latest

ENGINEER_COMPLEX = 'claude_pm_optimizations_total{agent="engineer",complexity="COMPLEX",model="claude-4-opus"}'
ENGINEER_SIMPLE = 'claude_pm_optimizations_total{agent="engineer",complexity="SIMPLE",model="claude-3-haiku"}'
LABELS = LabelSets(
    agents=frozenset({"engineer", "qa"}),
    models=frozenset({"claude-3-haiku", "claude-4-opus"}),
    reasons=frozenset({"global_switch_on", "percentage_out"}),
)


def _histogram(values: list[float], bounds: tuple[float, ...]) -> dict:
    return {  # the native statistics list the +Inf bucket too
        "buckets": [(bound, sum(1 for v in values if v <= bound)) for bound in (*bounds, math.inf)],
        "sum": sum(values),
        "count": len(values),
    }


class FakeStats:
    def __init__(self, scale: int = 1) -> None:
        self.scale = scale

    def prometheus_samples(self) -> dict:
        s = self.scale
        return {
            "optimizations": {
                ("engineer", "claude-4-opus", "COMPLEX"): 3 * s,
                ("engineer", "claude-3-haiku", "SIMPLE"): 2 * s,
                ("intruder", "gpt-x", "WEIRD"): 1 * s,
                ("mystery", "claude-4-opus", "COMPLEX"): 1 * s,
            },
            "shadow_decisions": {("qa", "claude-3-haiku", "SIMPLE"): 4 * s},
            "token_reduction": {
                "engineer": _histogram([65.0, 15.0] * s, metrics.TOKEN_REDUCTION_BUCKETS),
                "someone_else": _histogram([45.0] * s, metrics.TOKEN_REDUCTION_BUCKETS),
            },
            "latency": _histogram([0.000002, 0.00004] * s, (0.000005, 0.00001, 0.0001)),
            "rollout_reasons": {"global_switch_on": 5 * s, "made_up": 1 * s},
        }


def fake_sources(scale: int = 1, *, active: int = 9) -> Sources:
    cache_stats = {"hits": 7 * scale, "misses": 3 * scale, "evictions": scale, "bytes": 1000, "entries": 4}
    return Sources(
        stats=lambda: FakeStats(scale),
        cache_stats=lambda: cache_stats,
        config_errors=lambda: 2 * scale,
        label_sets=lambda: LABELS,
        active_optimizations=lambda: active,
    )


def empty_sources() -> Sources:
    return Sources(
        stats=lambda: None,
        cache_stats=lambda: {},
        config_errors=lambda: 0,
        label_sets=lambda: LABELS,
        active_optimizations=lambda: 0,
    )


def _exposition(collector: ClaudePMCollector) -> str:
    registry = CollectorRegistry()
    registry.register(collector)
    return generate_latest(registry).decode()


def test_optimizations_counter_has_the_guide_name_and_labels():
    text = _exposition(ClaudePMCollector(fake_sources()))
    assert "# TYPE claude_pm_optimizations_total counter" in text
    assert _value(text, ENGINEER_COMPLEX) == 3
    assert _value(text, ENGINEER_SIMPLE) == 2
    assert _value(text, 'claude_pm_shadow_decisions_total{agent="qa",complexity="SIMPLE",model="claude-3-haiku"}') == 4
    assert _value(text, "claude_pm_active_optimizations") == 9


def test_unknown_label_values_fold_into_other():
    text = _exposition(ClaudePMCollector(fake_sources()))
    assert _value(text, 'claude_pm_optimizations_total{agent="other",complexity="other",model="other"}') == 1
    assert _value(text, 'claude_pm_optimizations_total{agent="other",complexity="COMPLEX",model="claude-4-opus"}') == 1
    assert _value(text, 'claude_pm_rollout_decisions_total{reason="other"}') == 1
    assert _value(text, 'claude_pm_token_reduction_percent_count{agent="other"}') == 1
    for forbidden in ("intruder", "gpt-x", "WEIRD", "mystery", "made_up", "someone_else"):
        assert forbidden not in text


def test_token_reduction_histogram_uses_the_guide_buckets_per_agent():
    text = _exposition(ClaudePMCollector(fake_sources()))
    assert "# TYPE claude_pm_token_reduction_percent histogram" in text
    bucket = 'claude_pm_token_reduction_percent_bucket{agent="engineer",le="%s"}'
    assert _value(text, bucket % "10.0") == 0
    assert _value(text, bucket % "20.0") == 1
    assert _value(text, bucket % "70.0") == 2
    assert _value(text, bucket % "+Inf") == 2
    assert _value(text, 'claude_pm_token_reduction_percent_sum{agent="engineer"}') == 80
    les = {
        line.split('le="')[1].split('"')[0]
        for line in text.splitlines()
        if line.startswith('claude_pm_token_reduction_percent_bucket{agent="engineer"')
    }
    assert les == {f"{b:.1f}" for b in metrics.TOKEN_REDUCTION_BUCKETS} | {"+Inf"}


def test_latency_cache_and_config_error_series():
    text = _exposition(ClaudePMCollector(fake_sources()))
    assert _value(text, 'claude_pm_selection_latency_seconds_bucket{le="5e-06"}') == 1
    assert _value(text, 'claude_pm_selection_latency_seconds_bucket{le="+Inf"}') == 2
    assert _value(text, "claude_pm_selection_latency_seconds_count") == 2
    assert _value(text, "claude_pm_cache_hits_total") == 7
    assert _value(text, "claude_pm_cache_misses_total") == 3
    assert _value(text, "claude_pm_cache_evictions_total") == 1
    assert _value(text, "claude_pm_cache_bytes") == 1000
    assert _value(text, "claude_pm_cache_entries") == 4
    assert _value(text, "claude_pm_config_errors_total") == 2
    assert _value(text, 'claude_pm_rollout_decisions_total{reason="global_switch_on"}') == 5


def test_metrics_off_in_the_pipeline_still_exposes_cache_and_zero_counters():
    text = _exposition(ClaudePMCollector(empty_sources()))
    assert "claude_pm_optimizations_total{" not in text
    assert _value(text, "claude_pm_cache_hits_total") == 0


def test_describe_does_not_read_the_sources():
    def explode():
        raise AssertionError("read at registration")

    sources = Sources(
        stats=explode, cache_stats=explode, config_errors=explode, label_sets=explode, active_optimizations=explode
    )
    names = {family.name for family in ClaudePMCollector(sources).describe()}
    assert {"claude_pm_optimizations", "claude_pm_token_reduction_percent", "claude_pm_active_optimizations"} <= names


def test_register_is_idempotent_and_unregister_removes_it():
    registry = CollectorRegistry()
    first = metrics.register(registry, sources=fake_sources())
    assert first is not None
    assert metrics.register(registry, sources=fake_sources()) is first
    metrics.unregister(registry)
    assert b"claude_pm_" not in generate_latest(registry)


def test_metrics_disabled_registers_nothing(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_METRICS_ENABLED", "false")
    registry = CollectorRegistry()
    assert metrics.register(registry, sources=fake_sources()) is None
    assert generate_latest(registry) == b""


def test_samples_round_trip_through_json_and_add_up():
    one = ProcessSamples.gather(fake_sources())
    total = ProcessSamples.from_json(one.to_json())
    total.add(ProcessSamples.gather(fake_sources(2)))
    assert total.counters["claude_pm_optimizations"][("engineer", "claude-4-opus", "COMPLEX")] == 9
    engineer = total.histograms["claude_pm_token_reduction_percent"][("engineer",)]
    assert engineer.count == 6 and engineer.buckets[20.0] == 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_metrics_server_serves_the_collector():
    registry = CollectorRegistry()
    metrics.register(registry, sources=fake_sources())
    server = metrics.start_metrics_server(_free_port(), registry=registry)
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert "claude_pm_optimizations_total{" in body


def test_port_in_use_names_the_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=f"port {port} is already in use") as info:
            metrics.start_metrics_server(port, registry=CollectorRegistry())
    assert info.value.errno == errno.EADDRINUSE


@pytest.mark.parametrize("port", [-1, 65536, "9090", 1.5, True])
def test_bad_port_is_rejected_naming_the_argument(port):
    with pytest.raises(ValueError, match="port="):
        metrics.start_metrics_server(port, registry=CollectorRegistry())


_WORKER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from claude_pm.metrics import MultiprocessWriter
    from test_metrics import fake_sources
    MultiprocessWriter(Path({directory!r}), sources=fake_sources(int(sys.argv[1])), interval=60).start()
    """
)


def test_two_worker_processes_add_up(tmp_path):
    script = _WORKER.format(tests=str(Path(__file__).parent), directory=str(tmp_path))
    for scale in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", script, scale], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    assert len(list(tmp_path.glob("claude_pm_samples_*.json"))) == 2
    text = _exposition(ClaudePMCollector(empty_sources(), multiprocess_dir=tmp_path))
    assert _value(text, ENGINEER_COMPLEX) == 9
    assert _value(text, 'claude_pm_token_reduction_percent_count{agent="engineer"}') == 6
    assert _value(text, "claude_pm_cache_hits_total") == 21
    assert _value(text, "claude_pm_config_errors_total") == 6
    # Both workers exited: their counters stay, their cache memory does not.
    assert _value(text, "claude_pm_cache_bytes") == 0


def test_unreadable_worker_file_is_skipped(tmp_path):
    (tmp_path / "claude_pm_samples_1_broken.json").write_text("{not json")
    samples = metrics.read_multiprocess_directory(tmp_path)
    assert samples.counters == {}


_FORKING_SERVER = textwrap.dedent(
    """
    import os
    import sys
    from claude_pm import metrics

    counted = {"n": 0}


    class Stats:
        def prometheus_samples(self):
            return {"optimizations": {("engineer", "claude-4-opus", "COMPLEX"): counted["n"]}}


    sources = metrics.Sources(stats=Stats, cache_stats=dict, config_errors=lambda: 0,
                              label_sets=lambda: metrics.LabelSets(frozenset({"engineer"}),
                                                                   frozenset({"claude-4-opus"}), frozenset()),
                              active_optimizations=lambda: 0)
    assert metrics.ensure_multiprocess_writer(60, sources=sources) is not None
    counted["n"] += 5
    worker = os.fork()
    if worker == 0:
        counted["n"] += 3
        sys.exit(0)
    os.waitpid(worker, 0)
    counted["n"] += 1
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_worker_counts_only_its_own_work(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    done = subprocess.run([sys.executable, "-c", _FORKING_SERVER], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(list(tmp_path.glob("claude_pm_samples_*.json"))) == 2
    text = _exposition(ClaudePMCollector(empty_sources(), multiprocess_dir=tmp_path))
    # 5 before the fork and 1 after in the parent, 3 in the worker; none counted twice.
    assert _value(text, ENGINEER_COMPLEX) == 9


def test_no_writer_without_the_directory_or_with_metrics_off(tmp_path, monkeypatch):
    assert metrics.ensure_multiprocess_writer(sources=empty_sources()) is None
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setenv("CLAUDE_PM_METRICS_ENABLED", "false")
    assert metrics.ensure_multiprocess_writer(sources=empty_sources()) is None


def test_reset_statistics_restart_the_worker_file_from_zero(tmp_path):
    counted = {"n": 4}

    class Stats:
        def prometheus_samples(self):
            return {"optimizations": {("engineer", "claude-4-opus", "COMPLEX"): counted["n"]}}

    sources = Sources(
        stats=Stats,
        cache_stats=dict,
        config_errors=lambda: 0,
        label_sets=lambda: LABELS,
        active_optimizations=lambda: 0,
    )
    writer = metrics.MultiprocessWriter(tmp_path, sources=sources, baseline=ProcessSamples.gather(sources))
    counted["n"] = 6
    assert writer.own_samples().counters["claude_pm_optimizations"][("engineer", "claude-4-opus", "COMPLEX")] == 2
    counted["n"] = 1
    assert writer.own_samples().counters["claude_pm_optimizations"][("engineer", "claude-4-opus", "COMPLEX")] == 1


def test_broken_settings_still_report_the_error_count():
    from claude_pm.errors import ConfigError

    def broken():
        raise ConfigError("CLAUDE_PM_SIMPLE_THRESHOLD", "high", "an integer 0..100")

    sources = Sources(
        stats=broken,
        cache_stats=lambda: {"hits": 1},
        config_errors=lambda: 5,
        label_sets=broken,
        active_optimizations=broken,
    )
    text = _exposition(ClaudePMCollector(sources))
    assert _value(text, "claude_pm_config_errors_total") == 5
    # Unknown, rather than a reset to zero.
    assert not [line for line in text.splitlines() if line.startswith("claude_pm_cache_hits_total")]
    assert not [line for line in text.splitlines() if line.startswith("claude_pm_active_optimizations")]
