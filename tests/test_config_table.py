"""The variable table is the one source: defaults, parsing, messages and `config check`
all come from its rows."""

from __future__ import annotations

import dataclasses
import json

import pytest
from claude_pm import config
from claude_pm.cli import main
from claude_pm.config import AGENT, KNOWN_VARIABLES, Settings, get_settings, variable_of
from claude_pm.errors import ConfigError
from conftest import cli_runner

FILLING = [row for row in KNOWN_VARIABLES if row.setting is not None and AGENT not in row.name]


def _setting_value(settings: Settings, row: config.Variable) -> object:
    value = getattr(settings, row.setting)
    if row.setting == "rollout_windows":
        return (value, settings.rollout_timezone)
    return value if row.key is None else value[row.key]


@pytest.mark.parametrize("row", FILLING, ids=lambda row: row.name)
def test_a_rows_value_is_the_setting_when_the_variable_is_unset(row):
    assert _setting_value(get_settings(), row) == row.value
    assert _setting_value(Settings(), row) == row.value  # the dataclass defaults come from the rows


@pytest.mark.parametrize("row", [row for row in FILLING if row.default != config.UNSET], ids=lambda row: row.name)
def test_a_rows_documented_default_parses_to_its_value(row):
    assert row.kind.parse(row.name, row.default, {"model_ids": config.DEFAULT_MODEL_IDS}) == row.value


def test_every_settings_field_is_filled_by_a_row_or_an_explicit_step():
    filled = {row.setting for row in KNOWN_VARIABLES if row.setting is not None}
    explicit = {"api_keys", "set_variables", "rollout_timezone"}
    assert {item.name for item in dataclasses.fields(Settings)} == filled | explicit


@pytest.mark.parametrize("row", [row for row in KNOWN_VARIABLES if row.bounds is not None], ids=lambda row: row.name)
def test_a_numeric_error_names_the_rows_bounds_and_an_example(monkeypatch, row):
    name = row.name.replace(AGENT, "QA")
    monkeypatch.setenv(name, "lots")
    with pytest.raises(ConfigError) as raised:
        get_settings()
    low, high = (config._number_text(bound) for bound in row.bounds)
    assert f"from {low} to {high}, e.g. " in raised.value.allowed
    assert f"e.g. {row.kind.example}" in raised.value.allowed
    # The example is the default, except for percentages (100 % would be a dull example).
    if row.default != config.UNSET and not row.name.endswith("_ROLLOUT_PERCENTAGE"):
        assert row.kind.example == row.default


@pytest.mark.parametrize(
    ("name", "row_name", "agent"),
    [
        ("CLAUDE_PM_TEST_MODE", "CLAUDE_PM_TEST_MODE", None),
        ("CLAUDE_PM_HAIKU_API_KEY", "CLAUDE_PM_HAIKU_API_KEY", None),  # the tier's row, not the agent pattern
        ("CLAUDE_PM_DATA_ENGINEER_MODEL_SELECTION", "CLAUDE_PM_<AGENT>_MODEL_SELECTION", "data_engineer"),
        ("CLAUDE_PM_QA_MODEL", "CLAUDE_PM_<AGENT>_MODEL", "qa"),
        ("CLAUDE_PM_ORCHESTRATOR_DAILY_BUDGET_USD", "CLAUDE_PM_<AGENT>_DAILY_BUDGET_USD", "orchestrator"),
        ("CLAUDE_PM_QA_API_KEY_FILE", "CLAUDE_PM_<AGENT>_API_KEY_FILE", "qa"),
    ],
)
def test_variable_of_finds_the_row_of_a_name(name, row_name, agent):
    found = variable_of(name)
    assert found is not None
    assert (found[0].name, found[1]) == (row_name, agent)


@pytest.mark.parametrize("name", ["CLAUDE_PM_TEST_MOD", "CLAUDE_PM_QA_MODEL_ID", "CLAUDE_PM__MODEL", "PATH"])
def test_variable_of_a_name_no_row_configures(name):
    assert variable_of(name) is None


def test_config_check_lists_every_per_agent_variable_that_is_set():
    env = {"CLAUDE_PM_QA_DAILY_BUDGET_USD": "5", "CLAUDE_PM_QA_MODEL": "haiku"}
    result = cli_runner().invoke(main, ["config", "check", "--json"], env=env)
    assert result.exit_code == 0, result.output
    rows = {row["variable"]: row for row in json.loads(result.stdout)["variables"]}
    assert rows["CLAUDE_PM_QA_DAILY_BUDGET_USD"]["value"] == "5"
    assert rows["CLAUDE_PM_QA_DAILY_BUDGET_USD"]["meaning"].startswith("Daily (UTC) spend cap")
    assert rows["CLAUDE_PM_QA_MODEL"]["source"] == "environment"
