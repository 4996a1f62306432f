"""`claude-pm rollout status`: per-agent state and reason, JSON output, one-line errors."""

from __future__ import annotations

import json

import pytest
from claude_pm.agents.base_agent_loader import AGENT_NAMES
from claude_pm.cli import main
from claude_pm.rollout import user_bucket
from conftest import cli_runner


@pytest.fixture
def rollout():
    runner = cli_runner()

    def invoke(*args: str, **env: str):
        return runner.invoke(main, ["rollout", *args], env=env, catch_exceptions=False)

    return invoke


def status_json(rollout, *args: str, **env: str) -> dict:
    result = rollout("status", "--json", *args, **env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def by_agent(payload: dict) -> dict[str, dict]:
    return {row["agent"]: row for row in payload["agents"]}


def test_status_table_lists_every_agent_with_state_and_reason(rollout):
    result = rollout("status", ENABLE_DYNAMIC_MODEL_SELECTION="false", CLAUDE_PM_QA_MODEL_SELECTION="true")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("claude-pm rollout status")
    for agent in AGENT_NAMES:
        row = next(line for line in lines if line.startswith(f"│ {agent} "))
        expected = ("on", "agent_switch_on") if agent == "qa" else ("off", "global_switch_off")
        assert [cell.strip() for cell in row.split("│")[2:4]] == list(expected), row
    assert "without a user id" in result.output
    assert "shadow mode" not in result.output


def test_status_json_shape_and_defaults(rollout):
    payload = status_json(rollout)
    assert set(payload) == {"time", "user_id", "user_bucket", "shadow", "agents"}
    assert [row["agent"] for row in payload["agents"]] == list(AGENT_NAMES)
    for row in payload["agents"]:
        assert (row["enabled"], row["reason"], row["shadow"]) == (True, "global_switch_on", False)
        assert row["detail"] == "ENABLE_DYNAMIC_MODEL_SELECTION=true (default)"


def test_status_user_id_evaluates_the_percentage_gate(rollout):
    enrolled = next(f"user-{n}" for n in range(1000) if user_bucket(f"user-{n}") < 20)
    left_out = next(f"user-{n}" for n in range(1000) if user_bucket(f"user-{n}") >= 20)
    env = {"CLAUDE_PM_ROLLOUT_PERCENTAGE": "20", "CLAUDE_PM_OPS_MODEL": "haiku"}
    assert {row["reason"] for row in status_json(rollout, **env)["agents"]} == {"no_user_id", "forced_model"}
    payload = status_json(rollout, "--user-id", enrolled, **env)
    assert payload["user_bucket"] == user_bucket(enrolled)
    assert by_agent(payload)["qa"]["reason"] == "percentage_in"
    assert by_agent(payload)["ops"]["reason"] == "forced_model"
    assert by_agent(status_json(rollout, "--user-id", left_out, **env))["qa"]["reason"] == "percentage_out"
    text = rollout("status", "--user-id", enrolled, **env).output
    assert f"for user id {enrolled!r} (bucket {user_bucket(enrolled)})" in text


def test_status_at_evaluates_time_windows(rollout):
    env = {"CLAUDE_PM_ROLLOUT_WINDOWS": "02:00-06:59"}
    night = status_json(rollout, "--at", "03:00", **env)
    assert night["time"].split("T")[1].startswith("03:00")
    assert {row["reason"] for row in night["agents"]} == {"inside_window"}
    day = status_json(rollout, "--at", "2026-06-01T12:00", **env)
    assert day["time"].startswith("2026-06-01T12:00")
    assert {row["reason"] for row in day["agents"]} == {"outside_window"}


def test_status_shows_shadow_mode(rollout):
    payload = status_json(rollout, CLAUDE_PM_TEST_MODE="true")
    assert payload["shadow"] is True
    assert all(row["shadow"] for row in payload["agents"])
    assert "shadow mode (CLAUDE_PM_TEST_MODE=true)" in rollout("status", CLAUDE_PM_TEST_MODE="true").output


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CLAUDE_PM_ROLLOUT_WINDOWS", "25:00-3"),
        ("CLAUDE_PM_ROLLOUT_PERCENTAGE", "150"),
        ("CLAUDE_PM_QA_MODEL_SELECTION", "maybe"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(rollout, variable, value):
    result = rollout("status", **{variable: value})
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"Error: {variable}={value!r} is not valid: expected ")


def test_bad_at_is_a_usage_error(rollout):
    result = rollout("status", "--at", "25:99")
    assert result.exit_code == 2
    assert "--at" in result.output
