"""The Grafana dashboard and the Prometheus alert rules query only series the collector emits."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from claude_pm.metrics import ClaudePMCollector, Sources

REPO_ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = REPO_ROOT / "deploy" / "grafana" / "claude-pm-dashboard.json"
ALERTS = REPO_ROOT / "deploy" / "prometheus" / "alerts.yaml"
ALERT_TESTS = REPO_ROOT / "deploy" / "prometheus" / "alerts.test.yaml"

needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None and os.environ.get("CI") != "true",
    reason="promtool not installed (scripts/install-system-deps.sh installs it; CI requires it)",
)

_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def _emitted_series_names() -> set[str]:
    def unused():
        raise AssertionError("describe() must not read sources")

    sources = Sources(
        stats=unused, cache_stats=unused, config_errors=unused, label_sets=unused, active_optimizations=unused
    )
    return {
        family.name + suffix for family in ClaudePMCollector(sources).describe() for suffix in _SUFFIXES[family.type]
    }


def _dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def _dashboard_exprs() -> list[str]:
    return [target["expr"] for panel in _dashboard()["panels"] for target in panel.get("targets", ())]


def _alert_rules() -> list[dict]:
    return [rule for group in yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"] for rule in group["rules"]]


def test_dashboard_is_an_importable_grafana_model():
    dashboard = _dashboard()
    assert isinstance(dashboard["schemaVersion"], int) and dashboard["uid"]
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}
        if panel["type"] == "row":  # a row groups the panels below it and queries nothing
            assert panel["title"] and "targets" not in panel
            continue
        assert panel["datasource"]["uid"] == "${datasource}"
        assert panel["targets"] and all(t["refId"] and t["expr"] for t in panel["targets"])


def test_dashboard_has_the_guide_panels_and_the_operator_panels():
    titles = {panel["title"] for panel in _dashboard()["panels"]}
    assert {
        "Token Reduction by Agent",
        "Model Selection Distribution",
        "Complexity Distribution",
        "Selection latency",
        "Cache hit rate",
        "Shadow decisions",
    } <= titles


@pytest.mark.parametrize("expr", _dashboard_exprs() + [rule["expr"] for rule in _alert_rules()])
def test_every_query_names_only_emitted_series(expr):
    names = set(re.findall(r"\bclaude_pm_\w+", expr))
    assert names, expr
    assert names <= _emitted_series_names(), sorted(names - _emitted_series_names())


def test_histograms_are_read_through_their_series_not_their_family_name():
    families = {"claude_pm_token_reduction_percent", "claude_pm_selection_latency_seconds"}
    for expr in _dashboard_exprs() + [rule["expr"] for rule in _alert_rules()]:
        assert not set(re.findall(r"\bclaude_pm_\w+", expr)) & families, expr


def test_the_messages_api_row_and_its_alerts():
    panels = _dashboard()["panels"]
    (row,) = [panel for panel in panels if panel["type"] == "row" and "Messages API" in panel["title"]]
    below = [panel for panel in panels if panel["gridPos"]["y"] > row["gridPos"]["y"]]
    exprs = " ".join(target["expr"] for panel in below for target in panel.get("targets", []))
    for series in (
        "claude_pm_api_responses_total",
        "claude_pm_api_rate_limited_total",
        "claude_pm_api_overloaded_total",
        "claude_pm_api_ratelimit_remaining",
        "claude_pm_api_ratelimit_limit",
        "claude_pm_api_ratelimit_reset_seconds",
        "claude_pm_api_fallbacks_total",
    ):
        assert series in exprs, series
    rules = {rule["alert"]: rule for rule in _alert_rules()}
    assert rules["HighRateLimitRatio"]["for"] == "10m" and "> 0.05" in rules["HighRateLimitRatio"]["expr"]
    assert "by (model)" in rules["HighRateLimitRatio"]["expr"]
    assert rules["RateLimitTokensLow"]["for"] == "5m" and "< 0.1" in rules["RateLimitTokensLow"]["expr"]


def test_the_sessions_budget_and_guard_row_and_the_budget_alert():
    panels = _dashboard()["panels"]
    (row,) = [panel for panel in panels if panel["type"] == "row" and "spend caps" in panel["title"]]
    below = [panel for panel in panels if panel["gridPos"]["y"] > row["gridPos"]["y"]]
    exprs = " ".join(target["expr"] for panel in below for target in panel.get("targets", []))
    for series in (
        "claude_pm_session_pins_total",
        "claude_pm_session_upgrades_total",
        "claude_pm_budget_spent_usd",
        "claude_pm_budget_usd",
        "claude_pm_quality_guard_engaged",
    ):
        assert series in exprs, series
    rules = {rule["alert"]: rule for rule in _alert_rules()}
    budget = rules["DailyBudgetExhausted"]["expr"]
    assert "claude_pm_budget_spent_usd" in budget and ">=" in budget and "claude_pm_budget_usd" in budget


def test_alerts_keep_the_guide_thresholds():
    rules = {rule["alert"]: rule for rule in _alert_rules()}
    assert rules["LowTokenReduction"]["for"] == "1h" and "< 30" in rules["LowTokenReduction"]["expr"]
    assert rules["HighComplexityRatio"]["for"] == "30m" and "> 0.5" in rules["HighComplexityRatio"]["expr"]


@needs_promtool
def test_every_dashboard_query_is_valid_promql(tmp_path):
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"claude_pm_dashboard:query_{index}", "expr": expr}
                    for index, expr in enumerate(_dashboard_exprs())
                ],
            }
        ]
    }
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    done = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@needs_promtool
def test_alert_rules_pass_promtool_check_and_unit_tests():
    for command in (["check", "rules", str(ALERTS)], ["test", "rules", str(ALERT_TESTS)]):
        done = subprocess.run(["promtool", *command], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
