"""Secret-bearing values never leave the process in clear: config check, errors, repr, logs."""

from __future__ import annotations

import dataclasses
import json

import pytest
from claude_pm import config
from claude_pm.cli import main
from claude_pm.config import REDACTED, get_settings, redact
from claude_pm.errors import ConfigError
from conftest import cli_runner
from hypothesis import given, settings
from hypothesis import strategies as st

SECRET = "s3cr3t-audit-key-XYZ"
PASSWORD = "hunter2-pw-QQ"
DSN = f"postgresql://pm:{PASSWORD}@db.internal:5432/claude_pm"
ENV = {"CLAUDE_PM_AUDIT_SECRET": SECRET, "CLAUDE_PM_DECISION_LOG": DSN}


def _leaks(text: str) -> bool:
    return SECRET in text or PASSWORD in text


def test_config_check_json_redacts_secrets():
    result = cli_runner().invoke(main, ["config", "check", "--json"], env=ENV)
    assert not _leaks(result.output)
    values = {row["variable"]: row["value"] for row in json.loads(result.stdout)["variables"]}
    assert values["CLAUDE_PM_AUDIT_SECRET"] == REDACTED
    assert values["CLAUDE_PM_DECISION_LOG"] == f"postgresql://pm:{REDACTED}@db.internal:5432/claude_pm"


def test_config_check_table_redacts_secrets():
    # Wide enough that no value is wrapped (a wrapped secret would hide a leak).
    result = cli_runner().invoke(main, ["config", "check"], env={**ENV, "COLUMNS": "250"})
    assert result.exit_code == 0
    assert not _leaks(result.output)
    assert f"postgresql://pm:{REDACTED}@db.internal:5432/claude_pm" in result.output


def test_config_check_errors_redact_secrets():
    env = {"CLAUDE_PM_DECISION_LOG": f"mysql://pm:{PASSWORD}@db/claude_pm"}
    result = cli_runner().invoke(main, ["config", "check", "--json"], env=env)
    assert result.exit_code == 2
    assert not _leaks(result.output)
    assert json.loads(result.stdout)["errors"][0].startswith("CLAUDE_PM_DECISION_LOG=")


def test_settings_repr_redacts_secrets(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    settings = get_settings()
    assert settings.audit_secret == SECRET and settings.decision_log == DSN  # the values themselves stay usable
    assert not _leaks(repr(settings)) and not _leaks(str(settings))
    assert "db.internal" in repr(settings)


def test_config_error_message_and_value_are_redacted():
    error = ConfigError("CLAUDE_PM_DECISION_LOG", f"mysql://pm:{PASSWORD}@db/x", "a DSN")
    assert not _leaks(str(error)) and not _leaks(repr(error.value)) and not _leaks(repr(error.args))
    assert "mysql://pm:" in str(error)
    assert not _leaks(str(ConfigError("CLAUDE_PM_AUDIT_SECRET", SECRET, "a string")))


def test_errors_raised_again_from_the_cache_stay_redacted(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", f"http://pm:{PASSWORD}@db/x")
    for _ in range(2):
        with pytest.raises(ConfigError) as raised:
            get_settings()
        assert not _leaks(str(raised.value))


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (DSN, f"postgresql://pm:{REDACTED}@db.internal:5432/claude_pm"),
        (f"postgres://pm:{PASSWORD}@db/x?sslmode=require", f"postgres://pm:{REDACTED}@db/x?sslmode=require"),
        (f"postgresql://pm:p@ss/w:rd{PASSWORD}@db/x", f"postgresql://pm:{REDACTED}@db/x"),
        (
            f"postgresql://pm@db/x?password={PASSWORD}&sslmode=require",
            f"postgresql://pm@db/x?password={REDACTED}&sslmode=require",
        ),
        (f"postgresql:///x?host=/run&sslpassword={PASSWORD}", f"postgresql:///x?host=/run&sslpassword={REDACTED}"),
        ("postgresql://pm@db/claude_pm", "postgresql://pm@db/claude_pm"),
        (f"host=db password={PASSWORD} user=pm", f"host=db password={REDACTED} user=pm"),
        (f"host=db password = 'a b {PASSWORD}' user=pm", f"host=db password = {REDACTED} user=pm"),
        ("/var/lib/claude-pm/decisions.db", "/var/lib/claude-pm/decisions.db"),
    ],
)
def test_dsn_redaction(raw, shown):
    assert redact("CLAUDE_PM_DECISION_LOG", raw) == shown


def test_public_values_are_shown_as_they_are():
    assert redact("CLAUDE_PM_LOG_LEVEL", "DEBUG") == "DEBUG"
    assert redact("CLAUDE_PM_QA_MODEL", "haiku") == "haiku"


def test_a_secret_variable_only_declares_itself_in_the_table(monkeypatch):
    # The redaction follows the variable table: a new secret variable needs nothing else.
    extra = config.Variable("CLAUDE_PM_EXAMPLE_API_KEY", "unset", "string", "An API key.", secrecy=config.SECRET)
    monkeypatch.setattr(config, "KNOWN_VARIABLES", (*config.KNOWN_VARIABLES, extra))
    assert redact("CLAUDE_PM_EXAMPLE_API_KEY", "sk-live-123") == REDACTED
    assert "sk-live-123" not in str(ConfigError("CLAUDE_PM_EXAMPLE_API_KEY", "sk-live-123", "a key"))


def test_every_secret_variable_is_redacted_in_settings_repr():
    secret_variables = {v.name for v in config.KNOWN_VARIABLES if v.secrecy != config.PUBLIC}
    assert {"CLAUDE_PM_AUDIT_SECRET", "CLAUDE_PM_DECISION_LOG"} <= secret_variables
    fields_by_variable = {f.metadata.get("variable"): f.name for f in dataclasses.fields(config.Settings)}
    # API keys live in Settings.api_keys as KeySource objects, whose repr never shows the key
    # (tests/test_api_keys.py checks it with a sentinel key).
    api_keys = {name for name in secret_variables if config._API_KEY_VARIABLE.match(name.replace("<AGENT>", "QA"))}
    assert api_keys, "the API-key variables are secret"
    assert secret_variables - api_keys <= set(fields_by_variable), "give the Settings field metadata={'variable': ...}"


_PASSWORDS = st.text(min_size=6, max_size=40).filter(lambda pw: pw.strip() and "\x00" not in pw)


@settings(max_examples=300, deadline=None)
@given(password=_PASSWORDS, query=st.sampled_from(["", "?sslmode=require", "?application_name=x"]))
def test_no_password_survives_dsn_redaction(password, query):
    shown = redact("CLAUDE_PM_DECISION_LOG", f"postgresql://pm:{password}@db.internal:5432/claude_pm{query}")
    assert shown == f"postgresql://pm:{REDACTED}@db.internal:5432/claude_pm{query}"


@settings(max_examples=300, deadline=None)
@given(password=_PASSWORDS.filter(lambda pw: "&" not in pw and "#" not in pw))
def test_no_password_parameter_survives_dsn_redaction(password):
    shown = redact("CLAUDE_PM_DECISION_LOG", f"postgresql://pm@db/claude_pm?password={password}&sslmode=require")
    assert shown == f"postgresql://pm@db/claude_pm?password={REDACTED}&sslmode=require"
