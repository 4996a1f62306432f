"""Every numeric variable has a documented upper bound checked at parse time, and a
forced model is a tier name or a model id, never a boolean or a number."""

from __future__ import annotations

import json

import pytest
from claude_pm import config
from claude_pm.cli import main
from claude_pm.config import DEFAULT_MODEL_IDS, get_settings
from claude_pm.errors import ConfigError
from conftest import cli_runner

NUMERIC = [variable for variable in config.KNOWN_VARIABLES if variable.bounds is not None]


def concrete(name: str) -> str:
    return name.replace("<AGENT>", "QA")


def _text(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(number)


def test_every_numeric_variable_declares_bounds():
    numeric_words = ("integer", "number", "seconds")
    for variable in config.KNOWN_VARIABLES:
        if any(word in variable.allowed for word in numeric_words):
            assert variable.bounds is not None, variable.name
    assert {v.name for v in NUMERIC} >= {
        "CLAUDE_PM_CACHE_MAX_ENTRIES",
        "CLAUDE_PM_CACHE_DEFAULT_TTL",
        "CLAUDE_PM_CACHE_MAX_MB",
        "CLAUDE_PM_METRICS_RETENTION_HOURS",
    }


@pytest.mark.parametrize("variable", NUMERIC, ids=lambda v: v.name)
def test_upper_bound_is_documented(variable):
    high = variable.bounds[1]
    assert _text(high) in variable.allowed
    assert f"| {variable.allowed} |" in config_table()


def config_table() -> str:
    from claude_pm.cli.config_cmd import markdown_table

    return markdown_table()


@pytest.mark.parametrize("variable", NUMERIC, ids=lambda v: v.name)
def test_the_upper_bound_itself_is_accepted(monkeypatch, variable):
    high = variable.bounds[1]
    if variable.name == "CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD":
        monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD", "100")
    if variable.name == "CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE":
        monkeypatch.setenv("CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE", "1")  # the release rate may not exceed it
    monkeypatch.setenv(concrete(variable.name), _text(high))
    get_settings()


@pytest.mark.parametrize("variable", NUMERIC, ids=lambda v: v.name)
@pytest.mark.parametrize("above", ["next", "9223372036854775808", "1e308", "inf", "1" + "0" * 5000])
def test_values_above_the_upper_bound_name_the_variable(monkeypatch, variable, above):
    high = variable.bounds[1]
    value = _text(high + 1) if above == "next" else above
    name = concrete(variable.name)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        get_settings()
    assert raised.value.variable == name
    assert _text(high) in raised.value.allowed
    assert [error.variable for error in config.validate_environment({name: value})] == [name]


def test_huge_cache_entry_bound_is_a_config_error_not_an_overflow(monkeypatch):
    from claude_pm import selection

    monkeypatch.setenv("CLAUDE_PM_CACHE_MAX_ENTRIES", "9223372036854775808")
    with pytest.raises(ConfigError, match="CLAUDE_PM_CACHE_MAX_ENTRIES"):
        selection.select("engineer", task_description="List files")


def test_config_check_reports_a_value_above_its_bound():
    result = cli_runner().invoke(
        main, ["config", "check", "--json"], env={"CLAUDE_PM_CACHE_MAX_ENTRIES": "9223372036854775808"}
    )
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert any(error.startswith("CLAUDE_PM_CACHE_MAX_ENTRIES=") for error in report["errors"])


# --- forced models ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["false", "true", "off", "on", "0", "1", "yes", "No", "NaN", "1e3", "-1", "inf", "12.5"]
)
def test_forced_model_rejects_booleans_and_numbers(monkeypatch, value):
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL", value)
    with pytest.raises(ConfigError) as raised:
        get_settings()
    assert raised.value.variable == "CLAUDE_PM_QA_MODEL"
    assert "CLAUDE_PM_QA_MODEL_SELECTION" in str(raised.value)
    assert [error.variable for error in config.validate_environment({"CLAUDE_PM_QA_MODEL": value})] == [
        "CLAUDE_PM_QA_MODEL"
    ]


@pytest.mark.parametrize("value", ["gpt-4o", "sonet", "model", "claude", "claude-", "llama-3-70b"])
def test_forced_model_rejects_ids_of_an_unknown_shape(monkeypatch, value):
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL", value)
    with pytest.raises(ConfigError, match=r"tier name \(haiku, sonnet, opus\)") as raised:
        get_settings()
    assert raised.value.variable == "CLAUDE_PM_QA_MODEL"


@pytest.mark.parametrize(
    "value",
    [
        "claude-3-haiku-20240307",
        "claude-sonnet-4-20250514",
        "claude-4-opus",
        "claude-opus-4-1",
        "claude-3-5-haiku-latest",
        "claude-3-haiku@20240307",
        "anthropic.claude-3-sonnet-20240229-v1:0",
        "us.anthropic.claude-sonnet-4-20250514-v1:0",
    ],
)
def test_forced_model_accepts_claude_model_ids(monkeypatch, value):
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL", value)
    assert get_settings().agent_forced_model == {"qa": value}


def test_forced_model_accepts_a_configured_tier_id_of_any_shape(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_HAIKU_MODEL_ID", "gateway-small")
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL", "gateway-small")
    monkeypatch.setenv("CLAUDE_PM_OPS_MODEL", "haiku")
    assert get_settings().agent_forced_model == {"qa": "gateway-small", "ops": "gateway-small"}


@pytest.mark.parametrize("tier", ["haiku", "sonnet", "opus"])
@pytest.mark.parametrize("value", ["false", "0", "1e3", "NaN"])
def test_tier_model_ids_reject_booleans_and_numbers(monkeypatch, tier, value):
    name = f"CLAUDE_PM_{tier.upper()}_MODEL_ID"
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        get_settings()
    assert raised.value.variable == name
    assert DEFAULT_MODEL_IDS[tier] in raised.value.allowed


def test_config_check_rejects_a_boolean_forced_model():
    result = cli_runner().invoke(main, ["config", "check", "--json"], env={"CLAUDE_PM_QA_MODEL": "false"})
    assert result.exit_code == 2
    (error,) = json.loads(result.stdout)["errors"]
    assert error.startswith("CLAUDE_PM_QA_MODEL='false' is not valid") and "CLAUDE_PM_QA_MODEL_SELECTION" in error
