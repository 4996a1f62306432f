"""Metrics over the real selection pipeline: what selections count, folding, metrics off, workers."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from claude_pm import metrics, selection
from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info
from claude_pm.errors import ConfigError
from conftest import sample_value as _value
from prometheus_client import CollectorRegistry, generate_latest


def _scrape() -> str:
    registry = CollectorRegistry()
    assert metrics.register(registry) is not None
    return generate_latest(registry).decode()


def _models() -> dict[str, str]:
    from claude_pm.config import get_settings

    return dict(get_settings().model_ids)


def test_selections_are_counted_with_the_guide_names():
    reductions = []
    for task in ("List files", "Refactor system", "List files"):
        _, _, config = get_agent_prompt_with_model_info("engineer", task_description=task)
        reductions.append(config["token_reduction_percentage"])
    text = _scrape()
    haiku, opus = _models()["haiku"], _models()["opus"]
    assert _value(text, f'claude_pm_optimizations_total{{agent="engineer",complexity="SIMPLE",model="{haiku}"}}') == 2
    assert _value(text, f'claude_pm_optimizations_total{{agent="engineer",complexity="COMPLEX",model="{opus}"}}') == 1
    assert _value(text, 'claude_pm_token_reduction_percent_count{agent="engineer"}') == 3
    assert _value(text, 'claude_pm_token_reduction_percent_sum{agent="engineer"}') == pytest.approx(sum(reductions))
    assert _value(text, "claude_pm_selection_latency_seconds_count") == 3
    assert _value(text, 'claude_pm_rollout_decisions_total{reason="global_switch_on"}') == 3
    assert _value(text, "claude_pm_active_optimizations") == 9
    assert _value(text, "claude_pm_cache_misses_total") >= 1


def test_shadow_mode_counts_apart(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_TEST_MODE", "true")
    get_agent_prompt_with_model_info("qa", task_description="List files")
    text = _scrape()
    assert 'claude_pm_shadow_decisions_total{agent="qa"' in text
    assert 'claude_pm_optimizations_total{agent="qa"' not in text


def test_switches_change_the_active_optimizations_gauge(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL_SELECTION", "false")
    monkeypatch.setenv("CLAUDE_PM_OPS_ROLLOUT_PERCENTAGE", "0")
    assert _value(_scrape(), "claude_pm_active_optimizations") == 7
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "false")
    assert _value(_scrape(), "claude_pm_active_optimizations") == 0


def test_a_model_outside_the_configured_tiers_is_reported_as_other(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ENGINEER_MODEL", "claude-private-finetune")
    _, model, _ = get_agent_prompt_with_model_info("engineer", task_description="List files")
    assert model == "claude-private-finetune"
    text = _scrape()
    assert "claude-private-finetune" not in text
    assert 'model="other"' in text


def test_metrics_off_records_nothing_and_registers_nothing(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_METRICS_ENABLED", "false")
    get_agent_prompt_with_model_info("engineer", task_description="List files")
    assert selection.selection_stats() is None
    registry = CollectorRegistry()
    assert metrics.register(registry) is None
    assert b"claude_pm_" not in generate_latest(registry)


def test_scrapes_with_broken_settings_count_only_failed_selections(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", "thirty")
    before = selection.config_error_count()
    with pytest.raises(ConfigError, match="CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD"):
        get_agent_prompt_with_model_info("engineer", task_description="List files")
    registry = CollectorRegistry()
    registry.register(metrics.ClaudePMCollector())
    for _ in range(3):
        text = generate_latest(registry).decode()
    assert _value(text, "claude_pm_config_errors_total") == before + 1
    assert not [line for line in text.splitlines() if line.startswith("claude_pm_active_optimizations")]


_WORKER = textwrap.dedent(
    """
    import sys
    from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info
    from claude_pm.metrics.multiprocess import own_writer

    # No wiring: the first selection starts this worker's writer.
    for _ in range(int(sys.argv[1])):
        get_agent_prompt_with_model_info("engineer", task_description="List files")
        get_agent_prompt_with_model_info("qa", task_description="Refactor system")
    assert own_writer() is not None
    """
)


def test_two_worker_processes_add_up(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    workers = [
        subprocess.Popen([sys.executable, "-c", _WORKER, count], stderr=subprocess.PIPE, text=True)
        for count in ("2", "3")
    ]
    for worker in workers:
        _, errors = worker.communicate(timeout=60)
        assert worker.returncode == 0, errors
    assert len(list(tmp_path.glob("claude_pm_samples_*.json"))) == 2
    text = _scrape()
    haiku, opus = _models()["haiku"], _models()["opus"]
    assert _value(text, f'claude_pm_optimizations_total{{agent="engineer",complexity="SIMPLE",model="{haiku}"}}') == 5
    assert _value(text, f'claude_pm_optimizations_total{{agent="qa",complexity="COMPLEX",model="{opus}"}}') == 5
    assert _value(text, "claude_pm_selection_latency_seconds_count") == 10
    # Each worker assembled each prompt once and then served it from its cache.
    assert _value(text, "claude_pm_cache_misses_total") == 4
    assert _value(text, "claude_pm_cache_hits_total") == 6


def test_decision_log_writes_are_exported(monkeypatch, tmp_path):
    from claude_pm import decision_log

    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", str(tmp_path / "decisions.sqlite3"))
    for _ in range(3):
        get_agent_prompt_with_model_info("engineer", task_description="List files")
    assert decision_log.flush(timeout=10)
    text = _scrape()
    assert _value(text, "claude_pm_decision_log_written_total") == 3
    assert _value(text, "claude_pm_decision_log_failed_writes_total") == 0
    assert _value(text, "claude_pm_decision_log_queued") == 0


def test_a_failing_decision_log_shows_in_the_metrics_and_selection_goes_on(monkeypatch, tmp_path):
    import time

    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the database directory should be")
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", str(blocked / "decisions.sqlite3"))
    _, model, _ = get_agent_prompt_with_model_info("engineer", task_description="List files")
    assert model == "claude-3-haiku-20240307"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _value(_scrape(), "claude_pm_decision_log_failed_writes_total") == 0:
        time.sleep(0.05)
    assert _value(_scrape(), "claude_pm_decision_log_failed_writes_total") >= 1
    # Retire the failing writer now rather than at interpreter exit.
    from claude_pm.decision_log import get_decision_log

    get_decision_log().close(timeout=0.5)
