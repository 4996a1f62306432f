"""The settings module: every documented variable's default, effect and bad values; live reload."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import time
from importlib import resources

import pytest
from claude_pm import config
from claude_pm.config import DEFAULT_MODEL_IDS, RolloutWindow, get_settings
from claude_pm.errors import ConfigError

MIB = 1024 * 1024
# The rules file is loaded when the settings are built, so a good value is a real file.
PACKAGED_RULES = str(resources.files("claude_pm") / "data" / "scoring_rules.toml")


@dataclass(frozen=True)
class Case:
    """One variable: how to read its effect from Settings, one good value, and bad values."""

    variable: str
    read: object  # Callable[[Settings], object]
    default: object
    good: str
    effect: object
    bad: tuple[str, ...]


def _window(text: str) -> RolloutWindow:
    start, end = text.split("-")
    return RolloutWindow(time.fromisoformat(start), time.fromisoformat(end))


_BOOL_BAD = ("maybe", "2", "tru", "enabled", "y")
# Per-agent variables are exercised through one concrete agent each.
CASES = (
    Case("ENABLE_DYNAMIC_MODEL_SELECTION", lambda s: s.dynamic_model_selection, True, "false", False, _BOOL_BAD),
    Case("ENABLE_DYNAMIC_PROMPT_TEMPLATES", lambda s: s.dynamic_prompt_templates, True, "off", False, _BOOL_BAD),
    Case(
        "CLAUDE_PM_<AGENT>_MODEL_SELECTION",
        lambda s: dict(s.agent_model_selection),
        {},
        "no",
        {"data_engineer": False},
        _BOOL_BAD,
    ),
    Case(
        "CLAUDE_PM_<AGENT>_MODEL",
        lambda s: dict(s.agent_forced_model),
        {},
        "claude-custom-1",
        {"data_engineer": "claude-custom-1"},
        ("not a model", "-leading-dash", "claude 4", "x;rm -rf"),
    ),
    Case(
        "CLAUDE_PM_<AGENT>_ROLLOUT_PERCENTAGE",
        lambda s: dict(s.agent_rollout_percentage),
        {},
        "12.5",
        {"data_engineer": 12.5},
        ("-1", "100.1", "half", "10%", "nan"),
    ),
    Case(
        "CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD",
        lambda s: s.simple_threshold,
        30,
        "20",
        20,
        ("-1", "100", "twenty", "20.5", "70"),
    ),
    Case(
        "CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD",
        lambda s: s.medium_threshold,
        70,
        "80",
        80,
        ("0", "101", "high", "80.5", "30"),
    ),
    Case(
        "CLAUDE_PM_HAIKU_MODEL_ID",
        lambda s: s.model_id("haiku"),
        DEFAULT_MODEL_IDS["haiku"],
        "claude-3-5-haiku-latest",
        "claude-3-5-haiku-latest",
        ("has space", "-x", "é-model"),
    ),
    Case(
        "CLAUDE_PM_SONNET_MODEL_ID",
        lambda s: s.model_id("sonnet"),
        DEFAULT_MODEL_IDS["sonnet"],
        "us.anthropic.claude-sonnet-4:0",
        "us.anthropic.claude-sonnet-4:0",
        ("has space", "!"),
    ),
    Case(
        "CLAUDE_PM_OPUS_MODEL_ID",
        lambda s: s.model_id("opus"),
        DEFAULT_MODEL_IDS["opus"],
        "claude-opus-4-1",
        "claude-opus-4-1",
        ("has space", "opus?"),
    ),
    Case(
        "CLAUDE_PM_ROLLOUT_PERCENTAGE",
        lambda s: s.rollout_percentage,
        100.0,
        "10",
        10.0,
        ("-0.5", "101", "ten", "10%", "nan", "inf"),
    ),
    Case(
        "CLAUDE_PM_ROLLOUT_WINDOWS",
        lambda s: (s.rollout_windows, s.rollout_timezone),
        ((), None),
        "22:00-01:59, 12:00-12:59@Europe/Berlin",
        ((_window("22:00-01:59"), _window("12:00-12:59")), "Europe/Berlin"),
        ("", "25:00-3", "02:00", "2-6", "02:00-06:60", "02:00-06:59,", "02:00-06:59@Nowhere/City"),
    ),
    Case("CLAUDE_PM_TEST_MODE", lambda s: s.test_mode, False, "true", True, _BOOL_BAD),
    Case("CLAUDE_PM_METRICS_ENABLED", lambda s: s.metrics_enabled, True, "0", False, _BOOL_BAD),
    Case("CLAUDE_PM_OTEL", lambda s: s.otel, False, "true", True, _BOOL_BAD),
    Case("CLAUDE_PM_QUALITY_GUARD", lambda s: s.quality_guard, False, "on", True, _BOOL_BAD),
    Case(
        "CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE",
        lambda s: s.quality_guard_failure_rate,
        0.2,
        "0.35",
        0.35,
        ("-0.1", "1.5", "20%", "nan", "0.05"),  # 0.05: below the default release rate
    ),
    Case(
        "CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE",
        lambda s: s.quality_guard_release_rate,
        0.1,
        "0.05",
        0.05,
        ("-1", "0.5", "low"),  # 0.5: above the default failure rate
    ),
    Case(
        "CLAUDE_PM_QUALITY_GUARD_WINDOW_MINUTES",
        lambda s: s.quality_guard_window_minutes,
        60,
        "15",
        15,
        ("0", "1.5", "1h"),
    ),
    Case("CLAUDE_PM_QUALITY_GUARD_MIN_SAMPLES", lambda s: s.quality_guard_min_samples, 30, "100", 100, ("0", "ten")),
    Case(
        "CLAUDE_PM_QUALITY_GUARD_REFRESH_SECONDS",
        lambda s: s.quality_guard_refresh_seconds,
        5.0,
        "2.5",
        2.5,
        ("0", "0.5", "often"),
    ),
    Case(
        "CLAUDE_PM_METRICS_RETENTION_HOURS",
        lambda s: s.metrics_retention_hours,
        168,
        "24",
        24,
        ("0", "-1", "1.5", "week"),
    ),
    Case("CLAUDE_PM_LOG_LEVEL", lambda s: s.log_level, "WARNING", "debug", "DEBUG", ("verbose", "TRACE", "10")),
    Case("CLAUDE_PM_LOG_TASK_TEXT", lambda s: s.log_task_text, False, "YES", True, _BOOL_BAD),
    Case(
        "CLAUDE_PM_SCORING_RULES",
        lambda s: s.scoring_rules,
        None,
        PACKAGED_RULES,
        PACKAGED_RULES,
        ("/etc/claude-pm/no-such-rules.toml", "/"),
    ),
    Case("CLAUDE_PM_PROMPTS_DIR", lambda s: s.prompts_dir, None, "/srv/prompts", "/srv/prompts", ()),
    Case("CLAUDE_PM_CACHE_MAX_ENTRIES", lambda s: s.cache_max_entries, 10000, "5", 5, ("0", "-3", "many", "1.5")),
    Case("CLAUDE_PM_CACHE_MAX_MB", lambda s: s.cache_max_bytes, 64 * MIB, "0.5", MIB // 2, ("0", "-1", "big", "nan")),
    Case("CLAUDE_PM_CACHE_DEFAULT_TTL", lambda s: s.cache_default_ttl, 3600.0, "0", None, ("-1", "forever", "nan")),
    Case(
        "CLAUDE_PM_DECISION_LOG",
        lambda s: s.decision_log,
        None,
        "postgresql://pm@db/claude_pm",
        "postgresql://pm@db/claude_pm",
        ("mysql://db/x", "http://example.com/log"),
    ),
    Case(
        "CLAUDE_PM_DECISION_LOG_SIGTERM_FLUSH", lambda s: s.decision_log_sigterm_flush, True, "false", False, _BOOL_BAD
    ),
    Case("CLAUDE_PM_DECISION_LOG_SPOOL", lambda s: s.decision_log_spool, True, "off", False, _BOOL_BAD),
    Case(
        "CLAUDE_PM_DECISION_LOG_SPOOL_DIR",
        lambda s: s.decision_log_spool_dir,
        None,
        "/var/lib/claude-pm/spool",
        "/var/lib/claude-pm/spool",
        (),
    ),
    Case("CLAUDE_PM_AUDIT_SECRET", lambda s: s.audit_secret, None, "s3cret", "s3cret", ()),
    Case("CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT", lambda s: s.audit_include_task_text, False, "on", True, _BOOL_BAD),
    Case(
        "CLAUDE_PM_SESSION_TTL_SECONDS",
        lambda s: s.session_ttl_seconds,
        3600.0,
        "900",
        900.0,
        ("0", "-5", "an hour", "nan", "inf", str(config.CACHE_TTL_LIMIT_SECONDS + 1)),
    ),
    Case(
        "CLAUDE_PM_SESSION_MAX_ENTRIES",
        lambda s: s.session_max_entries,
        config.SESSION_MAX_ENTRIES_DEFAULT,
        "1000",
        1000,
        ("0", "-1", "1.5", "many", str(config.CACHE_MAX_ENTRIES_LIMIT + 1)),
    ),
    Case(
        "CLAUDE_PM_<AGENT>_DAILY_BUDGET_USD",
        lambda s: dict(s.agent_daily_budget_usd),
        {},
        "12.5",
        {"data_engineer": 12.5},
        ("-1", "-0.01", "ten", "nan", "inf", "$5", "1e10"),
    ),
    Case(
        "CLAUDE_PM_BUDGET_ACTION",
        lambda s: s.budget_action,
        "downgrade",
        "Refuse",
        "refuse",
        ("block", "deny", "true", "1"),
    ),
    Case(
        "CLAUDE_PM_PRICING_FILE",
        lambda s: s.pricing_file,
        None,
        "/etc/claude-pm/pricing.toml",
        "/etc/claude-pm/pricing.toml",
        (),
    ),
    *(
        case
        for tier in config.TIERS
        for case in (
            Case(
                f"CLAUDE_PM_{tier.upper()}_API_KEY",
                lambda s, tier=tier: s.api_keys[tier].key if tier in s.api_keys else None,
                None,
                "sk-ant-key-of-the-tier",
                "sk-ant-key-of-the-tier",
                (),
            ),
            Case(
                f"CLAUDE_PM_{tier.upper()}_API_KEY_FILE",
                lambda s, tier=tier: s.api_keys[tier].path if tier in s.api_keys else None,
                None,
                f"/var/run/secrets/claude-pm/{tier}-api-key",
                f"/var/run/secrets/claude-pm/{tier}-api-key",
                (),
            ),
        )
    ),
    Case(
        "CLAUDE_PM_<AGENT>_API_KEY",
        lambda s: s.api_keys["agent:data_engineer"].key if s.api_keys else None,
        None,
        "sk-ant-key-of-the-agent",
        "sk-ant-key-of-the-agent",
        (),
    ),
    Case(
        "CLAUDE_PM_<AGENT>_API_KEY_FILE",
        lambda s: s.api_keys["agent:data_engineer"].path if s.api_keys else None,
        None,
        "/var/run/secrets/claude-pm/data-engineer-api-key",
        "/var/run/secrets/claude-pm/data-engineer-api-key",
        (),
    ),
    Case(
        "CLAUDE_PM_FALLBACK_CHAIN",
        lambda s: dict(s.fallback_chain),
        {"haiku": "sonnet", "sonnet": "opus"},
        "haiku>opus, sonnet>opus",
        {"haiku": "opus", "sonnet": "opus"},
        ("haiku>sonnet>haiku", "haiku>gpt", "haiku", "haiku>sonnet,haiku>opus", "opus>opus", "on"),
    ),
)
BY_NAME = {case.variable: case for case in CASES}


def concrete(variable: str) -> str:
    return variable.replace("<AGENT>", "DATA_ENGINEER")


def test_every_known_variable_has_a_case():
    assert [case.variable for case in CASES] == [variable.name for variable in config.KNOWN_VARIABLES]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.variable)
def test_default(case):
    assert case.read(get_settings()) == case.default


@pytest.mark.parametrize("variable", [v for v in config.KNOWN_VARIABLES if v.default != "unset"], ids=lambda v: v.name)
def test_documented_default_is_the_real_default(monkeypatch, variable):
    case = BY_NAME[variable.name]
    monkeypatch.setenv(variable.name, variable.default)
    assert case.read(get_settings()) == case.default


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.variable)
def test_good_value_takes_effect(monkeypatch, case):
    monkeypatch.setenv(concrete(case.variable), case.good)
    settings = get_settings()
    assert case.read(settings) == case.effect
    assert concrete(case.variable) in settings.set_variables


@pytest.mark.parametrize(
    ("variable", "value"),
    [(case.variable, bad) for case in CASES for bad in case.bad],
)
def test_bad_value_names_the_variable_and_what_is_allowed(monkeypatch, variable, value):
    name = concrete(variable)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        get_settings()
    assert raised.value.variable == name
    assert raised.value.value == value
    assert str(raised.value).startswith(f"{name}={value!r} is not valid: expected ")
    assert raised.value.allowed
    assert [error.variable for error in config.validate_environment({name: value})] == [name]


@pytest.mark.parametrize("case", [c for c in CASES if not c.bad], ids=lambda case: case.variable)
def test_free_form_variables_have_no_bad_value_at_parse_time(monkeypatch, case):
    # Paths and secrets are checked where they are used (opening the file); any string parses.
    monkeypatch.setenv(concrete(case.variable), "any thing/at all")
    assert case.read(get_settings()) == "any thing/at all"


@pytest.mark.parametrize("spelling", ["true", "TRUE", "True", "1", "yes", "YES", "on", "On", " true "])
def test_boolean_true_spellings(monkeypatch, spelling):
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "false")
    monkeypatch.setenv("CLAUDE_PM_TEST_MODE", spelling)
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL_SELECTION", spelling)
    settings = get_settings()
    assert settings.test_mode is True
    assert settings.agent_model_selection == {"qa": True}
    assert config.parse_bool("X", spelling) is True


@pytest.mark.parametrize("spelling", ["false", "FALSE", "False", "0", "no", "No", "off", "OFF", " off\n"])
def test_boolean_false_spellings(monkeypatch, spelling):
    monkeypatch.setenv("CLAUDE_PM_METRICS_ENABLED", spelling)
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL_SELECTION", spelling)
    settings = get_settings()
    assert settings.metrics_enabled is False
    assert settings.agent_model_selection == {"qa": False}
    assert config.parse_bool("X", spelling) is False


def test_empty_values_mean_unset_except_for_rollout_windows(monkeypatch):
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "")
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "  ")
    settings = get_settings()
    assert settings.dynamic_model_selection is True and settings.rollout_percentage == 100.0
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", "")
    with pytest.raises(ConfigError, match=r"CLAUDE_PM_ROLLOUT_WINDOWS.*at least one HH:MM-HH:MM window"):
        get_settings()


# --- per-agent variables ---------------------------------------------------------------


@pytest.mark.parametrize(("value", "tier"), [("haiku", "haiku"), ("Sonnet", "sonnet"), (" OPUS ", "opus")])
def test_agent_model_accepts_tier_names(monkeypatch, value, tier):
    monkeypatch.setenv("CLAUDE_PM_ENGINEER_MODEL", value)
    assert get_settings().agent_forced_model == {"engineer": DEFAULT_MODEL_IDS[tier]}


def test_agent_model_tier_name_follows_the_tier_model_id(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_OPUS_MODEL_ID", "claude-opus-4-1")
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL", "opus")
    monkeypatch.setenv("CLAUDE_PM_OPS_MODEL", "claude-sonnet-4-20250514")
    settings = get_settings()
    assert settings.agent_forced_model == {"qa": "claude-opus-4-1", "ops": "claude-sonnet-4-20250514"}
    assert settings.tier_of_model("claude-opus-4-1") == "opus"
    assert settings.tier_of_model("claude-sonnet-4-20250514") == "sonnet"
    assert settings.tier_of_model("claude-4-opus") is None


def test_per_agent_variables_are_keyed_by_lower_case_agent(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_VERSION_CONTROL_MODEL_SELECTION", "true")
    monkeypatch.setenv("CLAUDE_PM_VERSION_CONTROL_MODEL", "haiku")
    monkeypatch.setenv("CLAUDE_PM_VERSION_CONTROL_ROLLOUT_PERCENTAGE", "5")
    settings = get_settings()
    assert settings.agent_model_selection == {"version_control": True}
    assert settings.agent_forced_model == {"version_control": DEFAULT_MODEL_IDS["haiku"]}
    assert settings.agent_rollout_percentage == {"version_control": 5.0}
    assert config.agent_variable("version_control", "MODEL") == "CLAUDE_PM_VERSION_CONTROL_MODEL"


def test_unrecognised_variables_flag_typos_and_unknown_agents():
    env = {
        "CLAUDE_PM_ENGINEER_MODEL": "opus",
        "CLAUDE_PM_ENGINER_MODEL": "opus",
        "CLAUDE_PM_TEST_MOD": "1",
        "CLAUDE_PM_ROLLOUT_PERCENTAGE": "5",
        "CLAUDE_PM_QA_ROLLOUT_PERCENTAGE": "5",
    }
    assert config.unrecognised_variables(("engineer", "qa"), env) == ["CLAUDE_PM_ENGINER_MODEL", "CLAUDE_PM_TEST_MOD"]


# --- thresholds ------------------------------------------------------------------------


def test_thresholds_out_of_order_blame_the_simple_threshold(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", "70")
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD", "30")
    with pytest.raises(ConfigError) as raised:
        get_settings()
    assert raised.value.variable == "CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD"
    assert "below CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD (30)" in str(raised.value)


def test_equal_thresholds_are_out_of_order(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", "50")
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD", "50")
    with pytest.raises(ConfigError, match="CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD"):
        get_settings()


def test_medium_threshold_alone_below_the_default_simple_blames_itself(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD", "20")
    with pytest.raises(ConfigError) as raised:
        get_settings()
    assert raised.value.variable == "CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD"
    assert raised.value.value == "20"
    assert "above CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD (30)" in str(raised.value)


def test_thresholds_in_order_at_the_extremes(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", "0")
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD", "100")
    assert (get_settings().simple_threshold, get_settings().medium_threshold) == (0, 100)


# --- live reload -----------------------------------------------------------------------


def test_unchanged_environment_returns_the_same_settings_object():
    assert get_settings() is get_settings()


def test_direct_os_environ_writes_are_seen_immediately(monkeypatch):
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "true")  # monkeypatch restores it afterwards
    before = get_settings()
    os.environ["ENABLE_DYNAMIC_MODEL_SELECTION"] = "false"
    after = get_settings()
    assert after is not before and after.dynamic_model_selection is False
    del os.environ["ENABLE_DYNAMIC_MODEL_SELECTION"]
    assert get_settings().dynamic_model_selection is True
    os.environ.update({"ENABLE_DYNAMIC_MODEL_SELECTION": "no"})
    assert get_settings().dynamic_model_selection is False
    os.environ.pop("ENABLE_DYNAMIC_MODEL_SELECTION")
    assert get_settings().dynamic_model_selection is True


def test_unrelated_environment_writes_keep_the_values(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "42")
    monkeypatch.setenv("SOME_OTHER_PROGRAM_SETTING", "1")
    assert get_settings().rollout_percentage == 42.0


def test_error_persists_on_every_call_until_fixed(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_METRICS_RETENTION_HOURS", "soon")
    errors = []
    for _ in range(3):
        with pytest.raises(ConfigError) as raised:
            get_settings()
        errors.append(raised.value)
    assert {error.variable for error in errors} == {"CLAUDE_PM_METRICS_RETENTION_HOURS"}
    monkeypatch.setenv("CLAUDE_PM_METRICS_RETENTION_HOURS", "48")
    assert get_settings().metrics_retention_hours == 48


def test_validate_environment_reports_every_bad_variable_once():
    env = {
        "CLAUDE_PM_TEST_MODE": "maybe",
        "CLAUDE_PM_ROLLOUT_PERCENTAGE": "200",
        "CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD": "80",
        "CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD": "40",
        "ENABLE_DYNAMIC_MODEL_SELECTION": "true",
    }
    assert [error.variable for error in config.validate_environment(env)] == [
        "CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD",
        "CLAUDE_PM_ROLLOUT_PERCENTAGE",
        "CLAUDE_PM_TEST_MODE",
    ]
