"""SelectionStats: windowed snapshot, cumulative Prometheus samples, exactness under threads."""

from __future__ import annotations

import math
import threading

import pytest
from claude_pm._core import SelectionStats

NOW = 1_800_000_000.0  # on an hour boundary
HOUR = 3600.0
MODELS = {
    0: ("claude-3-haiku-20240307", "haiku"),
    1: ("claude-sonnet-4-20250514", "sonnet"),
    2: ("claude-4-opus", "opus"),
}
TEMPLATES = {0: "MINIMAL", 1: "STANDARD", 2: "FULL"}


def record(
    stats: SelectionStats,
    *,
    agent="engineer",
    level=1,
    reduction=40.0,
    shadow=False,
    reason="enabled",
    latency=3e-6,
    now=NOW,
):
    model, metric_model = MODELS[level]
    stats.record(
        agent=agent,
        model=model,
        metric_model=metric_model,
        method="dynamic_complexity_based",
        template=TEMPLATES[level],
        level=level,
        token_reduction=reduction,
        rollout_reason=reason,
        shadow=shadow,
        latency_seconds=latency,
        now=now,
    )


def test_every_key_is_present_with_zeros_before_the_first_record():
    snapshot = SelectionStats(retention_hours=168).snapshot(now=NOW)
    assert snapshot == {
        "total_selections": 0,
        "by_model": {},
        "by_agent": {},
        "by_method": {},
        "by_template": {},
        "by_level": [0, 0, 0],
        "by_rollout_reason": {},
        "shadow_decisions": 0,
        "average_token_reduction": 0.0,
    }
    samples = SelectionStats(retention_hours=168).prometheus_samples()
    assert samples["optimizations"] == {} and samples["shadow_decisions"] == {}
    assert samples["token_reduction"] == {} and samples["rollout_reasons"] == {}
    assert samples["latency"]["count"] == 0
    assert samples["latency"]["buckets"][-1] == (math.inf, 0)


def test_snapshot_counts_each_dimension():
    stats = SelectionStats(retention_hours=168)
    record(stats, agent="engineer", level=2, reduction=0.0)
    record(stats, agent="qa", level=0, reduction=70.0)
    record(stats, agent="qa", level=0, reduction=50.0, shadow=True, reason="test_mode")
    snapshot = stats.snapshot(now=NOW)
    assert snapshot["total_selections"] == 3
    assert snapshot["by_model"] == {"claude-4-opus": 1, "claude-3-haiku-20240307": 2}
    assert snapshot["by_agent"] == {"engineer": 1, "qa": 2}
    assert snapshot["by_method"] == {"dynamic_complexity_based": 3}
    assert snapshot["by_template"] == {"FULL": 1, "MINIMAL": 2}
    assert snapshot["by_level"] == [2, 0, 1]
    assert snapshot["by_rollout_reason"] == {"enabled": 2, "test_mode": 1}
    assert snapshot["shadow_decisions"] == 1
    assert snapshot["average_token_reduction"] == pytest.approx(35.0)  # shadow excluded


def test_windowing_drops_hours_older_than_the_retention():
    stats = SelectionStats(retention_hours=3)
    for hours_ago in (5, 3, 2, 1, 0):
        record(stats, now=NOW - hours_ago * HOUR + 10)
    assert stats.snapshot(now=NOW + 10)["total_selections"] == 3
    assert stats.snapshot(now=NOW + HOUR)["total_selections"] == 2
    assert stats.snapshot(now=NOW + 3 * HOUR)["total_selections"] == 0
    assert stats.prometheus_samples()["latency"]["count"] == 5, "Prometheus samples are never windowed"


def test_retention_can_shrink_at_runtime():
    stats = SelectionStats(retention_hours=24)
    record(stats, now=NOW - 5 * HOUR)
    record(stats, now=NOW)
    assert stats.snapshot(now=NOW)["total_selections"] == 2
    stats.set_retention_hours(2)
    assert stats.retention_hours == 2
    assert stats.snapshot(now=NOW)["total_selections"] == 1


def test_token_reduction_histogram_is_cumulative_with_inclusive_bounds():
    stats = SelectionStats(retention_hours=168)
    for reduction in (5.0, 10.0, 10.5, 55.0, 95.0):
        record(stats, agent="qa", reduction=reduction)
    histogram = stats.prometheus_samples()["token_reduction"]["qa"]
    assert [le for le, _ in histogram["buckets"]] == [10, 20, 30, 40, 50, 60, 70, 80, 90, math.inf]
    assert [n for _, n in histogram["buckets"]] == [2, 3, 3, 3, 3, 4, 4, 4, 4, 5]
    assert (histogram["sum"], histogram["count"]) == (175.5, 5)


def test_custom_buckets_and_latency_histogram():
    stats = SelectionStats(retention_hours=1, histogram_buckets=(25, 50, 75), latency_buckets=(1e-6, 1e-5))
    for latency in (5e-7, 1e-6, 2e-6, 1.0):
        record(stats, latency=latency)
    latency = stats.prometheus_samples()["latency"]
    assert latency["buckets"] == [(1e-6, 2), (1e-5, 3), (math.inf, 4)]
    assert latency["sum"] == pytest.approx(1.0000035)
    assert len(stats.prometheus_samples()["token_reduction"]["engineer"]["buckets"]) == 4


def test_optimizations_and_shadow_decisions_are_separate_series():
    stats = SelectionStats(retention_hours=168)
    record(stats, agent="qa", level=2)
    record(stats, agent="qa", level=2)
    record(stats, agent="qa", level=2, shadow=True, reason="test_mode")
    samples = stats.prometheus_samples()
    assert samples["optimizations"] == {("qa", "opus", "COMPLEX"): 2}
    assert samples["shadow_decisions"] == {("qa", "opus", "COMPLEX"): 1}
    assert samples["token_reduction"]["qa"]["count"] == 2
    assert samples["rollout_reasons"] == {"enabled": 2, "test_mode": 1}


def test_reset_forgets_everything():
    stats = SelectionStats(retention_hours=168)
    record(stats)
    stats.reset()
    assert stats.snapshot(now=NOW)["total_selections"] == 0
    assert stats.prometheus_samples()["optimizations"] == {}


def test_updates_are_exact_under_eight_threads():
    stats = SelectionStats(retention_hours=168)
    barrier = threading.Barrier(8)

    def worker(seed: int) -> None:
        barrier.wait()
        for i in range(2000):
            record(stats, agent=("qa", "ops")[i % 2], level=seed % 3, shadow=i % 10 == 0, now=NOW)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snapshot = stats.snapshot(now=NOW)
    assert snapshot["total_selections"] == 16_000
    assert snapshot["by_agent"] == {"qa": 8000, "ops": 8000}
    assert snapshot["by_level"] == [6000, 6000, 4000]
    assert snapshot["shadow_decisions"] == 1600
    samples = stats.prometheus_samples()
    assert sum(samples["optimizations"].values()) == 14_400
    assert samples["latency"]["count"] == 16_000


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"retention_hours": 0}, "retention_hours"),
        ({"retention_hours": -3}, "retention_hours"),
        ({"retention_hours": 1, "histogram_buckets": (20, 10)}, "histogram_buckets"),
        ({"retention_hours": 1, "histogram_buckets": ()}, "histogram_buckets"),
        ({"retention_hours": 1, "latency_buckets": (math.inf,)}, "latency_buckets"),
    ],
)
def test_bad_constructor_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SelectionStats(**kwargs)


@pytest.mark.parametrize(
    ("override", "name"),
    [({"level": 3}, "level"), ({"reduction": math.nan}, "token_reduction"), ({"latency": -1.0}, "latency_seconds")],
)
def test_bad_record_arguments_name_themselves_and_record_nothing(override, name):
    stats = SelectionStats(retention_hours=1)
    arguments = {"level": 1, "reduction": 40.0, "latency": 1e-6, **override}
    model, metric_model = MODELS[1]
    with pytest.raises(ValueError, match=name):
        stats.record(
            agent="qa",
            model=model,
            metric_model=metric_model,
            method="m",
            template="STANDARD",
            level=arguments["level"],
            token_reduction=arguments["reduction"],
            rollout_reason="enabled",
            shadow=False,
            latency_seconds=arguments["latency"],
            now=NOW,
        )
    assert stats.snapshot(now=NOW)["total_selections"] == 0


def test_record_defaults_to_the_current_time():
    stats = SelectionStats(retention_hours=2)  # 2: the snapshot may fall in the next hour
    model, metric_model = MODELS[0]
    stats.record(
        agent="qa",
        model=model,
        metric_model=metric_model,
        method="m",
        template="MINIMAL",
        level=0,
        token_reduction=60.0,
        rollout_reason="enabled",
        shadow=False,
        latency_seconds=1e-6,
    )
    assert stats.snapshot()["total_selections"] == 1


def test_positional_arguments_follow_the_documented_order():
    stats = SelectionStats(retention_hours=2)
    stats.record("qa", "claude-4-opus", "opus", "dynamic_complexity_based", "FULL", 2, 12.5, "enabled", True, 1e-6, NOW)
    snapshot = stats.snapshot(now=NOW)
    assert snapshot["by_agent"] == {"qa": 1}
    assert snapshot["by_model"] == {"claude-4-opus": 1}
    assert snapshot["by_template"] == {"FULL": 1}
    assert snapshot["by_level"] == [0, 0, 1]
    assert snapshot["shadow_decisions"] == 1
    assert stats.prometheus_samples()["shadow_decisions"] == {("qa", "opus", "COMPLEX"): 1}


def test_a_snapshot_never_loses_data_and_rejects_non_finite_times():
    stats = SelectionStats(retention_hours=2)
    record(stats, now=NOW)
    assert stats.snapshot(now=NOW + 10 * HOUR)["total_selections"] == 0
    assert stats.snapshot(now=NOW)["total_selections"] == 1
    with pytest.raises(ValueError, match="now"):
        stats.snapshot(now=math.nan)
