"""Messages API metrics (claude_pm.metrics.api_calls): header parsing, folding, worker files, fork."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone

import pytest
from claude_pm import metrics
from claude_pm.metrics import ClaudePMCollector, LabelSets, ProcessSamples, Sources
from claude_pm.metrics.api_calls import ApiCallStats, api_call_stats, parse_reset, status_class
from conftest import sample_value as _value
from prometheus_client import CollectorRegistry, generate_latest

LABELS = LabelSets(agents=frozenset({"engineer"}), models=frozenset({"claude-3-haiku"}), reasons=frozenset())


def _sources(stats: ApiCallStats) -> Sources:
    return Sources(
        stats=lambda: None,
        cache_stats=dict,
        config_errors=lambda: 0,
        label_sets=lambda: LABELS,
        active_optimizations=lambda: 0,
        api_calls=stats.snapshot,
    )


def _exposition(samples_or_sources) -> str:
    registry = CollectorRegistry()
    registry.register(ClaudePMCollector(samples_or_sources))
    return generate_latest(registry).decode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T21:40:00Z", datetime(2026, 12, 1, 21, 40, tzinfo=timezone.utc).timestamp()),
        ("2026-12-01T21:40:00.25Z", datetime(2026, 12, 1, 21, 40, tzinfo=timezone.utc).timestamp() + 0.25),
        ("2026-12-01T23:40:00+02:00", datetime(2026, 12, 1, 21, 40, tzinfo=timezone.utc).timestamp()),
        (" 2026-12-01t21:40:00z ", datetime(2026, 12, 1, 21, 40, tzinfo=timezone.utc).timestamp()),
        ("2026-12-01T21:40:00", None),  # no zone: ambiguous
        ("2026-02-30T00:00:00Z", None),
        ("2026-12-01T21:40:00+24:00", None),
        ("in 30 seconds", None),
        ("", None),
    ],
)
def test_reset_times_are_rfc3339(text, expected):
    assert parse_reset(text) == (None if expected is None else pytest.approx(expected))


def test_status_classes():
    assert [status_class(code) for code in (200, 201, 301, 400, 429, 500, 529, 99, 600)] == [
        "2xx",
        "2xx",
        "3xx",
        "4xx",
        "4xx",
        "5xx",
        "5xx",
        "other",
        "other",
    ]


def test_models_and_key_slots_outside_the_known_sets_are_folded():
    stats = ApiCallStats()
    headers = {"anthropic-ratelimit-tokens-remaining": "7"}
    stats.observe_response("claude-3-haiku", "agent:engineer", 200, headers)
    stats.observe_response("made-up-model", "agent:intruder", 429, headers)
    stats.observe_response("claude-3-haiku", "weird-slot", 529, {})
    stats.observe_fallback("claude-3-haiku", "made-up-model", "rate_limit")
    text = _exposition(_sources(stats))

    assert (
        _value(
            text, 'claude_pm_api_responses_total{key_slot="agent:engineer",model="claude-3-haiku",status_class="2xx"}'
        )
        == 1
    )
    assert _value(text, 'claude_pm_api_rate_limited_total{key_slot="other",model="other"}') == 1
    assert _value(text, 'claude_pm_api_overloaded_total{key_slot="other",model="claude-3-haiku"}') == 1
    assert (
        _value(text, 'claude_pm_api_fallbacks_total{from_model="claude-3-haiku",reason="rate_limit",to_model="other"}')
        == 1
    )
    assert "intruder" not in text and "made-up" not in text


def test_a_countdown_never_goes_below_zero_and_counts_down_from_the_scrape():
    stats = ApiCallStats()
    now = time.time()
    stats.observe_response(
        "claude-3-haiku",
        "env",
        429,
        {
            "anthropic-ratelimit-requests-reset": datetime.fromtimestamp(now - 60, timezone.utc).isoformat(),
            "anthropic-ratelimit-tokens-reset": datetime.fromtimestamp(now + 120, timezone.utc).isoformat(),
            "retry-after": "30",
        },
        now=now,
    )
    text = _exposition(_sources(stats))
    labels = 'key_slot="env",model="claude-3-haiku"'
    assert _value(text, f'claude_pm_api_ratelimit_reset_seconds{{{labels},resource="requests"}}') == 0
    assert 100 < _value(text, f'claude_pm_api_ratelimit_reset_seconds{{{labels},resource="tokens"}}') <= 120
    assert 0 < _value(text, f"claude_pm_api_retry_after_seconds{{{labels}}}") <= 30


def test_a_broken_header_mapping_never_raises_into_the_caller():
    class Exploding(dict):
        def get(self, *args):
            raise RuntimeError("a header object that misbehaves")

    stats = ApiCallStats()
    stats.observe_response("claude-3-haiku", "env", 200, Exploding())
    assert stats.snapshot().counters == {}


def test_the_newest_reading_wins_across_worker_files(tmp_path):
    older, newer = ProcessSamples(), ProcessSamples()
    labels = ("claude-3-haiku", "env", "tokens")
    older._keep_latest("claude_pm_api_ratelimit_remaining", labels, 100.0, 1000.0)
    newer._keep_latest("claude_pm_api_ratelimit_remaining", labels, 7.0, 2000.0)
    newer._count("claude_pm_api_rate_limited", ("claude-3-haiku", "env"), 3)
    older._count("claude_pm_api_rate_limited", ("claude-3-haiku", "env"), 2)
    for name, samples in (("a", newer), ("b", older)):  # file order must not matter
        (tmp_path / f"claude_pm_samples_{name}.json").write_text(
            json.dumps({"pid": os.getpid(), "samples": samples.to_json()})
        )
    total = metrics.read_multiprocess_directory(tmp_path)

    assert total.latest["claude_pm_api_ratelimit_remaining"][labels] == (7.0, 2000.0)
    assert total.counters["claude_pm_api_rate_limited"][("claude-3-haiku", "env")] == 5
    # A worker file from before these series, and one of the wrong shape, are handled.
    assert ProcessSamples.from_json({"counters": {}}).latest == {}
    with pytest.raises(ValueError, match="claude_pm_api_ratelimit_limit"):
        ProcessSamples.from_json({"latest": {"claude_pm_api_ratelimit_limit": [["m", "env", "tokens", 5.0]]}})
    with pytest.raises(ValueError, match="claude_pm_api_ratelimit_limit"):
        ProcessSamples.from_json({"latest": {"claude_pm_api_ratelimit_limit": [["m", "env", "tokens", -1, 5.0]]}})


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_counts_its_own_calls_from_zero():
    api_call_stats().reset()
    api_call_stats().observe_response("claude-3-haiku", "env", 200, {})
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            counts = api_call_stats().snapshot().counters
            api_call_stats().observe_response("claude-3-haiku", "env", 429, {})
            after = api_call_stats().snapshot().counters
            os.write(write, json.dumps([len(counts), sum(after["claude_pm_api_responses"].values())]).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read) as pipe:
        before, after = json.loads(pipe.read())
    assert (before, after) == (0, 1)
    assert sum(api_call_stats().snapshot().counters["claude_pm_api_responses"].values()) == 1
    api_call_stats().reset()
