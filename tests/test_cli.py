"""The `claude-pm` command line: summaries, JSON output, and exit code 2 for user errors."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import pytest
from claude_pm.cli import main
from conftest import cli_runner


@pytest.fixture
def cli():
    runner = cli_runner()

    def invoke(*args: str, env: dict | None = None):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def test_version_prints_one_line_with_the_installed_release():
    out = subprocess.run([sys.executable, "-m", "claude_pm", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines() == [f"claude-pm {importlib.metadata.version('claude-pm')}"]


def test_bare_task_is_routed(cli):
    result = cli("Refactor the payment service")
    assert result.exit_code == 0
    for field in ("agent:", "score:", "level:", "model:", "signals:"):
        assert field in result.output
    assert "COMPLEX" in result.output and "claude-4-opus" in result.output


def test_run_json_summary(cli):
    result = cli("run", "List files", "--agent", "ops", "--json")
    summary = json.loads(result.output)
    assert summary["agent"] == "ops"
    assert summary["level"] == "SIMPLE"
    assert summary["model"] == "claude-3-haiku-20240307"
    assert summary["template"] == "MINIMAL"
    assert all({"signal", "points"} <= set(s) for s in summary["signals"])


def test_run_accepts_caller_facts(cli):
    bare = json.loads(cli("run", "Implement feature", "--json").output)
    heavy = json.loads(
        cli(
            "run",
            "Implement feature",
            "--file-count",
            "15",
            "--context-size",
            "20000",
            "--technical-depth",
            "deep",
            "--json",
        ).output
    )
    assert heavy["score"] > bare["score"]


def test_explain_lists_signals_and_parts(cli):
    result = cli("explain", "Check the logs and then redesign the retry policy")
    assert result.exit_code == 0
    assert "description_complexity" in result.output
    assert "Signals" in result.output
    data = json.loads(cli("explain", "Check the logs and then redesign the retry policy", "--json").output)
    assert data["level"] == "COMPLEX"
    assert sum(data["scoring_breakdown"].values()) >= data["score"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("run", "List files", "--agent", "wizard"), "engineer"),
        (("run", "   "), "empty"),
        (("run", "List files", "--file-count", "-3"), "file-count"),
        (("run", "List files", "--no-such-flag"), "no-such-flag"),
    ],
)
def test_user_errors_exit_2_with_one_line(args, needle):
    result = subprocess.run([sys.executable, "-m", "claude_pm", *args], capture_output=True, text=True)
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_environment_is_a_one_line_error():
    env = {"PATH": "/usr/bin:/bin", "CLAUDE_PM_TEST_MODE": "sometimes"}
    result = subprocess.run([sys.executable, "-m", "claude_pm", "List files"], capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert "CLAUDE_PM_TEST_MODE" in result.stderr and "Traceback" not in result.stderr


def test_config_check_passes_on_defaults(cli):
    result = cli("config", "check", "--json")
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["valid"] is True
    names = {row["variable"] for row in report["variables"]}
    assert "ENABLE_DYNAMIC_MODEL_SELECTION" in names and "CLAUDE_PM_METRICS_RETENTION_HOURS" in names


def test_config_check_reports_every_bad_variable(cli):
    env = {
        "CLAUDE_PM_METRICS_ENABLED": "maybe",
        "CLAUDE_PM_ROLLOUT_PERCENTAGE": "150",
        "CLAUDE_PM_ENGINER_MODEL": "opus",
    }
    result = cli_runner().invoke(main, ["config", "check", "--json"], env=env)
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert any("CLAUDE_PM_METRICS_ENABLED" in e for e in report["errors"])
    assert any("CLAUDE_PM_ROLLOUT_PERCENTAGE" in e for e in report["errors"])
    assert "CLAUDE_PM_ENGINER_MODEL" in report["unrecognised"]
    assert "CLAUDE_PM_METRICS_ENABLED" not in report["unrecognised"]


def test_completion_script_is_printed(cli):
    result = cli("completion", "bash")
    assert "_CLAUDE_PM_COMPLETE" in result.output


def test_eval_on_the_labelled_dev_set(cli, shared_dir):
    path = shared_dir / "data" / "routing_dev.jsonl"
    report = json.loads(cli("eval", str(path), "--json").output)
    assert report["accuracy"] >= 0.90
    assert report["under_routing_rate"] == 0.0
    text = cli("eval", str(path)).output
    assert "accuracy" in text.lower() and "COMPLEX" in text


def test_loadtest_reproduces_the_guide(cli):
    result = cli("loadtest", "-n", "30", "--concurrency", "4", "--json")
    summary = json.loads(result.output)
    assert summary["requests"] == 30
    assert set(summary["model_distribution"]) == {
        "claude-3-haiku-20240307",
        "claude-sonnet-4-20250514",
        "claude-4-opus",
    }
    assert summary["latency_ms"]["p50"] <= summary["latency_ms"]["p99"]
    assert summary["throughput_per_second"] > 0


def test_loadtest_ctrl_c_prints_what_it_measured():
    import signal
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "claude_pm", "loadtest", "-n", "50000000", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.0)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    summary = json.loads(out)
    assert summary["interrupted"] is True
    assert 0 < summary["requests"] < 50000000
