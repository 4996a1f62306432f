"""`claude-pm cost`, `baseline capture|compare` and `calibrate`: output and one-line errors (exit 2)."""

from __future__ import annotations

import json

import pytest
from claude_pm.cli import main
from conftest import cli_runner
from decision_log_support import decision, log_target, record_all

__all__ = ["log_target"]


def _run(*args: str):
    return cli_runner().invoke(main, list(args))


def _seed(target: str) -> None:
    record_all(
        target,
        [
            decision(model_id="claude-3-haiku-20240307", tier="haiku", level="SIMPLE", score=score, prompt_tokens=400)
            for score in range(0, 30, 3)
        ]
        + [decision(score=score) for score in range(31, 71, 4)]
        + [
            decision(model_id="claude-4-opus", tier="opus", level="COMPLEX", score=score, prompt_tokens=1400)
            for score in range(71, 100, 6)
        ],
        usage={0: (500, 100)},
    )


def _one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_cost_json_has_the_guides_keys(log_target):
    _seed(log_target)
    result = _run("cost", "--since", "7d", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["total_requests"] == 25
    assert report["model_distribution"] == {
        "claude-3-haiku-20240307": 10,
        "claude-4-opus": 5,
        "claude-sonnet-4-20250514": 10,
    }
    assert report["complexity_distribution"] == {"0-30": 10, "31-70": 10, "71-100": 5}
    assert report["usage"]["decisions_with_usage"] == 1


def test_cost_table(log_target):
    _seed(log_target)
    result = _run("cost")
    assert result.exit_code == 0, result.output
    for text in ("weighted cost / M tokens", "savings", "claude-4-opus", "0-30", "token reduction"):
        assert text in result.stdout


def test_cost_can_price_live_or_shadow_decisions_only(log_target):
    record_all(log_target, [decision(), decision(shadow=True), decision(shadow=True)])
    for choice, expected in (("all", 3), ("live", 1), ("shadow", 2)):
        result = _run("cost", "--decisions", choice, "--json")
        assert json.loads(result.stdout)["total_requests"] == expected


def test_cost_names_unpriced_models_on_stderr(log_target):
    record_all(log_target, [decision(model_id="in-house-model")])
    result = _run("cost")
    assert result.exit_code == 0
    assert "in-house-model (unpriced)" in result.stdout and "Unpriced models" in result.stderr


def test_baseline_capture_then_compare(log_target, tmp_path):
    _seed(log_target)
    path = tmp_path / "baseline.json"
    captured = _run("baseline", "capture", "--output", str(path))
    assert captured.exit_code == 0, captured.output
    assert captured.stdout.startswith("Baseline captured: ") and "tokens/day" in captured.stdout
    assert set(json.loads(path.read_text())) >= {
        "date",
        "daily_tokens",
        "daily_cost",
        "agent_distribution",
        "task_types",
    }
    compared = _run("baseline", "compare", str(path), "--json")
    assert compared.exit_code == 0, compared.output
    assert json.loads(compared.stdout)["daily_tokens"]["change_percent"] == pytest.approx(0.0, abs=1.0)
    table = _run("baseline", "compare", str(path))
    assert "tokens/day" in table.stdout and "Agent mix" in table.stdout


def test_calibrate_target_prints_thresholds_and_exports(log_target):
    _seed(log_target)
    result = _run("calibrate", "--target", "haiku=40,sonnet=40,opus=20")
    assert result.exit_code == 0, result.output
    assert "simple threshold" in result.stdout and "cost / day" in result.stdout
    assert "export CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD=" in result.stdout
    as_json = json.loads(_run("calibrate", "--target", "haiku=40,sonnet=40,opus=20", "--json").stdout)
    assert as_json["proposed"]["requests"] == {"haiku": 10, "sonnet": 10, "opus": 5}


def test_calibrate_budget(log_target):
    _seed(log_target)
    result = _run("calibrate", "--budget", "100", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["proposed"]["cost_per_day"] <= 100


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("calibrate", "--target", "haiku=50,sonnet=40,opus=20"), ("--target", "sum to 110")),
        (("calibrate", "--target", "haiku=50,gemini=50"), ("--target", "unknown tier 'gemini'")),
        (("calibrate",), ("--target", "--budget")),
        (("calibrate", "--budget", "-5"), ("--budget",)),
        (("cost", "--since", "last week"), ("since='last week'",)),
        (("cost", "--baseline-model", "gpt-9"), ("baseline_model='gpt-9'",)),
    ],
)
def test_bad_arguments_are_one_line_errors(log_target, args, needles):
    _seed(log_target)
    _one_line_error(_run(*args), *needles)


def test_an_unwritable_output_is_named(log_target, tmp_path):
    _seed(log_target)
    _one_line_error(_run("baseline", "capture", "--output", str(tmp_path / "missing" / "b.json")), "--output", "b.json")


def test_a_missing_baseline_file_is_named(log_target, tmp_path):
    _seed(log_target)
    _one_line_error(_run("baseline", "compare", str(tmp_path / "nope.json")), "baseline file", "nope.json")


def test_no_configured_log_is_named(monkeypatch):
    monkeypatch.delenv("CLAUDE_PM_DECISION_LOG", raising=False)
    _one_line_error(_run("cost"), "CLAUDE_PM_DECISION_LOG is not set")


@pytest.mark.parametrize(
    ("target", "needles"),
    [
        ("postgresql://u:pw@127.0.0.1:1/x", ("CLAUDE_PM_DECISION_LOG", "cannot connect", "u:***@")),
        ("postgresql://u@[::1/x", ("CLAUDE_PM_DECISION_LOG",)),
        ("mysql://u@h/x", ("CLAUDE_PM_DECISION_LOG", "postgresql://")),
    ],
)
def test_unusable_databases_are_named(monkeypatch, target, needles):
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", target)
    result = _run("cost")
    _one_line_error(result, *needles)
    assert "pw@" not in result.stderr


def test_a_missing_sqlite_log_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", str(tmp_path / "absent.db"))
    _one_line_error(
        _run("calibrate", "--target", "haiku=40,sonnet=40,opus=20"), "absent.db", "no decision log at this path"
    )


def test_a_malformed_pricing_file_is_named(log_target, tmp_path, monkeypatch):
    _seed(log_target)
    prices = tmp_path / "prices.toml"
    prices.write_text("[models.x]\ninput = 'free'\noutput = 0\n")
    monkeypatch.setenv("CLAUDE_PM_PRICING_FILE", str(prices))
    _one_line_error(_run("cost"), "CLAUDE_PM_PRICING_FILE", "models.x.input")
