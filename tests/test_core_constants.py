"""The constants the native engine owns are exported from ``_core``, the Python modules
use those very objects (through ``claude_pm.definitions``), and the engine acts on them."""

import pytest
from claude_pm import _core, config, definitions
from claude_pm.cli import run_cmd
from claude_pm.metrics import sources
from claude_pm.services import task_complexity_analyzer


def test_level_names_are_the_python_tier_names():
    assert _core.LEVEL_NAMES == ("SIMPLE", "MEDIUM", "COMPLEX")
    for name in ("LEVEL_NAMES", "DEFAULT_SIMPLE_THRESHOLD", "DEFAULT_MEDIUM_THRESHOLD", "FACT_NAMES", "OTHER_LABEL"):
        assert getattr(definitions, name) is getattr(_core, name)
    assert sources.COMPLEXITY_LEVELS == _core.LEVEL_NAMES


def test_level_names_label_the_levels_the_stats_record():
    stats = _core.SelectionStats(retention_hours=1)
    for level in range(3):
        stats.record("a", "m", "m", "method", "T", level, 10.0, "reason", False, 0.0)
    levels = {key[2] for key in stats.prometheus_samples()["optimizations"]}
    assert levels == set(_core.LEVEL_NAMES)


def test_default_thresholds_are_the_scorers_and_the_settings_defaults():
    scorer = _core.Scorer()
    assert (scorer.simple_threshold, scorer.medium_threshold) == (
        _core.DEFAULT_SIMPLE_THRESHOLD,
        _core.DEFAULT_MEDIUM_THRESHOLD,
    )
    assert (_core.DEFAULT_SIMPLE_THRESHOLD, _core.DEFAULT_MEDIUM_THRESHOLD) == (30, 70)
    settings = config.Settings()
    assert (settings.simple_threshold, settings.medium_threshold) == (30, 70)


def test_fact_names_are_the_analyze_keywords():
    assert _core.FACT_NAMES == task_complexity_analyzer.FACT_NAMES
    scorer = _core.Scorer()
    for name in _core.FACT_NAMES[:3]:
        with pytest.raises(ValueError, match=f"^{name}=-1 is not valid"):
            scorer.analyze("fix it", **{name: -1})


def test_technical_depths_are_the_accepted_names_in_index_order():
    assert _core.TECHNICAL_DEPTHS == run_cmd._DEPTHS
    scorer = _core.Scorer()
    for index, name in enumerate(_core.TECHNICAL_DEPTHS):
        by_name = scorer.analyze("fix it", technical_depth=name).depth_points
        assert by_name == scorer.analyze("fix it", technical_depth=index).depth_points


def test_other_label_is_where_labels_beyond_the_limit_go():
    assert _core.OTHER_LABEL == sources.OTHER == "other"
    stats = _core.SelectionStats(retention_hours=1)
    for i in range(_core.MAX_LABELS + 5):
        stats.record(f"agent{i}", "m", "m", "method", "T", 0, 10.0, "reason", False, 0.0)
    by_agent = stats.snapshot()["by_agent"]
    assert len(by_agent) == _core.MAX_LABELS
    assert by_agent[_core.OTHER_LABEL] == 6


def test_max_retention_hours_is_the_settings_limit_and_the_engines_bound():
    assert _core.MAX_RETENTION_HOURS == config.RETENTION_HOURS_LIMIT
    assert _core.SelectionStats(retention_hours=_core.MAX_RETENTION_HOURS).retention_hours == _core.MAX_RETENTION_HOURS
    with pytest.raises(ValueError, match=f"from 1 to {_core.MAX_RETENTION_HOURS}"):
        _core.SelectionStats(retention_hours=_core.MAX_RETENTION_HOURS + 1)


def test_histogram_buckets_are_the_default_bounds():
    assert _core.TOKEN_REDUCTION_BUCKETS == sources.TOKEN_REDUCTION_BUCKETS
    samples = _core.SelectionStats(retention_hours=1).prometheus_samples()
    assert tuple(bound for bound, _ in samples["latency"]["buckets"][:-1]) == _core.LATENCY_BUCKETS
