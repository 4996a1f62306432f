"""A malformed worker file in PROMETHEUS_MULTIPROC_DIR never breaks a scrape."""

from __future__ import annotations

import json
import logging
import os

import pytest
from claude_pm import metrics
from claude_pm.metrics import ClaudePMCollector, LabelSets, Sources
from claude_pm.metrics.multiprocess import MAX_SAMPLES_FILE_BYTES
from conftest import sample_value
from prometheus_client import CollectorRegistry, generate_latest

ENGINEER_COMPLEX = 'claude_pm_optimizations_total{agent="engineer",complexity="COMPLEX",model="claude-4-opus"}'
LABELS = LabelSets(agents=frozenset({"engineer"}), models=frozenset({"claude-4-opus"}), reasons=frozenset())


def _empty_sources() -> Sources:
    return Sources(
        stats=lambda: None,
        cache_stats=dict,
        config_errors=lambda: 0,
        label_sets=lambda: LABELS,
        active_optimizations=lambda: 0,
    )


def _good_document(count: float = 7, pid: int | None = None) -> dict:
    return {
        "pid": os.getpid() if pid is None else pid,
        "written_at": 0.0,
        "samples": {
            "counters": {
                "claude_pm_optimizations": [["engineer", "claude-4-opus", "COMPLEX", count]],
                "claude_pm_cache_hits": [[3.0]],
            },
            "histograms": {
                "claude_pm_selection_latency_seconds": [
                    [{"buckets": [[0.001, 2.0], [0.01, 3.0]], "sum": 0.004, "count": 3.0}]
                ]
            },
            "gauges": {"claude_pm_cache_bytes": 10.0},
        },
    }


def _scrape(directory) -> str:
    registry = CollectorRegistry()
    registry.register(ClaudePMCollector(_empty_sources(), multiprocess_dir=directory))
    return generate_latest(registry).decode()


_DEEP = 100_000

MALFORMED = {
    "samples_is_a_list": json.dumps({"pid": 1, "samples": []}),
    "counters_is_a_list": json.dumps({"pid": 1, "samples": {"counters": [1, 2]}}),
    "document_is_a_list": json.dumps([1, 2, 3]),
    "pid_is_huge": json.dumps({"pid": 10**30, "samples": {}}),
    "pid_is_infinite": '{"pid": 1e999, "samples": {}}',
    "pid_is_zero": json.dumps({"pid": 0, "samples": {}}),
    "pid_is_negative": json.dumps({"pid": -1, "samples": {}}),
    "pid_is_a_bool": json.dumps({"pid": True, "samples": {}}),
    "nested_very_deep": '{"pid": 1, "samples": ' + "[" * _DEEP + "]" * _DEEP + "}",
    "wrong_label_count": json.dumps(
        {"pid": 1, "samples": {"counters": {"claude_pm_optimizations": [["engineer", 5]]}}}
    ),
    "label_not_a_string": json.dumps({"pid": 1, "samples": {"counters": {"claude_pm_optimizations": [[1, 2, 3, 5]]}}}),
    "counter_not_finite": '{"pid": 1, "samples": {"counters": {"claude_pm_cache_hits": [[NaN]]}}}',
    "counter_negative": json.dumps({"pid": 1, "samples": {"counters": {"claude_pm_cache_hits": [[-4]]}}}),
    "counter_a_string": json.dumps({"pid": 1, "samples": {"counters": {"claude_pm_cache_hits": [["4"]]}}}),
    "gauge_a_dict": json.dumps({"pid": 1, "samples": {"gauges": {"claude_pm_cache_bytes": {}}}}),
    "bucket_not_a_pair": json.dumps(
        {
            "pid": 1,
            "samples": {
                "histograms": {
                    "claude_pm_selection_latency_seconds": [[{"buckets": [[1, 2, 3]], "sum": 0, "count": 1}]]
                }
            },
        }
    ),
    "histogram_sum_infinite": '{"pid": 1, "samples": {"histograms": {"claude_pm_selection_latency_seconds": '
    '[[{"buckets": [], "sum": Infinity, "count": 1}]]}}}',
    "not_utf8": b"\xff\xfe{}".decode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_worker_file_is_skipped_and_the_scrape_answers(tmp_path, caplog, name):
    (tmp_path / "claude_pm_samples_1_good.json").write_text(json.dumps(_good_document()))
    (tmp_path / "claude_pm_samples_2_bad.json").write_text(MALFORMED[name], encoding="latin-1")
    with caplog.at_level(logging.WARNING, logger="claude_pm.metrics"):
        text = _scrape(tmp_path)
    assert sample_value(text, ENGINEER_COMPLEX) == 7
    assert sample_value(text, "claude_pm_cache_hits_total") == 3
    warnings = [r for r in caplog.records if "claude_pm_samples_2_bad.json" in r.getMessage()]
    assert len(warnings) == 1


def test_a_file_over_the_size_bound_is_skipped_without_reading_it_whole(tmp_path, caplog):
    (tmp_path / "claude_pm_samples_1_good.json").write_text(json.dumps(_good_document()))
    huge = tmp_path / "claude_pm_samples_2_huge.json"
    with huge.open("wb") as out:  # sparse: the size is there, the disk blocks are not
        out.truncate(MAX_SAMPLES_FILE_BYTES * 64)
    with caplog.at_level(logging.WARNING, logger="claude_pm.metrics"):
        text = _scrape(tmp_path)
    assert sample_value(text, ENGINEER_COMPLEX) == 7
    assert any(
        "claude_pm_samples_2_huge.json" in r.getMessage() and str(MAX_SAMPLES_FILE_BYTES) in r.getMessage()
        for r in caplog.records
    )


def test_a_fifo_named_like_a_worker_file_does_not_block_the_scrape(tmp_path, caplog):
    (tmp_path / "claude_pm_samples_1_good.json").write_text(json.dumps(_good_document()))
    os.mkfifo(tmp_path / "claude_pm_samples_2_fifo.json")
    with caplog.at_level(logging.WARNING, logger="claude_pm.metrics"):
        text = _scrape(tmp_path)
    assert sample_value(text, ENGINEER_COMPLEX) == 7
    assert any("claude_pm_samples_2_fifo.json" in r.getMessage() for r in caplog.records)


def test_a_broken_file_warns_once_not_on_every_scrape(tmp_path, caplog):
    bad = tmp_path / "claude_pm_samples_2_bad.json"
    bad.write_text(MALFORMED["samples_is_a_list"])
    with caplog.at_level(logging.WARNING, logger="claude_pm.metrics"):
        for _ in range(3):
            _scrape(tmp_path)
    assert len([r for r in caplog.records if bad.name in r.getMessage()]) == 1
    # Rewritten (still broken): that is a new file version, worth one more warning.
    bad.write_text(MALFORMED["pid_is_huge"])
    os.utime(bad, ns=(1, 1))
    with caplog.at_level(logging.WARNING, logger="claude_pm.metrics"):
        _scrape(tmp_path)
    assert len([r for r in caplog.records if bad.name in r.getMessage()]) == 2


def test_a_good_file_still_adds_up_exactly(tmp_path):
    (tmp_path / "claude_pm_samples_1_a.json").write_text(json.dumps(_good_document(2)))
    (tmp_path / "claude_pm_samples_1_b.json").write_text(json.dumps(_good_document(5)))
    samples = metrics.read_multiprocess_directory(tmp_path)
    assert samples.counters["claude_pm_optimizations"][("engineer", "claude-4-opus", "COMPLEX")] == 7
    assert samples.histograms["claude_pm_selection_latency_seconds"][()].count == 6
    assert samples.gauges["claude_pm_cache_bytes"] == 20  # this pid is alive


def test_a_missing_multiprocess_directory_warns_once(tmp_path, caplog):
    missing = tmp_path / "not-there"
    with caplog.at_level(logging.WARNING, logger="claude_pm.metrics"):
        for _ in range(3):
            _scrape(missing)
    warnings = [r for r in caplog.records if "PROMETHEUS_MULTIPROC_DIR" in r.getMessage()]
    assert len(warnings) == 1
    assert str(missing) in warnings[0].getMessage()


def test_a_multiprocess_path_that_is_a_file_warns_once(tmp_path, caplog):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    with caplog.at_level(logging.WARNING, logger="claude_pm.metrics"):
        for _ in range(2):
            _scrape(not_a_directory)
    assert len([r for r in caplog.records if "PROMETHEUS_MULTIPROC_DIR" in r.getMessage()]) == 1
