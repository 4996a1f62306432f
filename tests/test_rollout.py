"""Rollout decisions: precedence, percentage buckets, time windows, shadow mode, rollback."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from claude_pm import config
from claude_pm.agents.base_agent_loader import AGENT_NAMES
from claude_pm.errors import ConfigError
from claude_pm.rollout import (
    ENABLING_REASONS,
    REASONS,
    Decision,
    gradual_rollback,
    should_enable_optimization,
    user_bucket,
)
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

GUIDE_NAME = "prompt-optimization-deployment-guide.md"
USER_IDS = [f"user-{n}" for n in range(10_000)]
DAY = datetime(2026, 3, 10)


def guide_should_enable_optimization(user_id: str, percentage: float) -> bool:
    """The guide's percentage snippet, verbatim."""
    hash_value = int(hashlib.md5(user_id.encode()).hexdigest(), 16)
    return (hash_value % 100) < percentage


def guide_off_peak(hour: int) -> bool:
    """The guide's time-based snippet: optimisation on for 2 <= hour <= 6."""
    return 2 <= hour <= 6


def guide_block(marker: str) -> str:
    from conftest import SHARED_DIR

    text = (SHARED_DIR / "spec" / GUIDE_NAME).read_text(encoding="utf-8")
    blocks = [body for body in re.findall(r"```\w*\n(.*?)```", text, flags=re.S) if marker in body]
    assert len(blocks) == 1, marker
    return blocks[0]


def exports(script: str) -> list[tuple[str, str]]:
    return re.findall(r"^export (\w+)=(\S+)", script, flags=re.M)


def enabled_agents(**kwargs) -> set[str]:
    return {agent for agent in AGENT_NAMES if should_enable_optimization(agent, **kwargs).enabled}


def decide(agent: str = "engineer", **kwargs) -> Decision:
    return should_enable_optimization(agent, **kwargs)


# --- defaults, switches and precedence -------------------------------------------------


def test_defaults_enable_every_agent_through_the_global_switch():
    for agent in AGENT_NAMES:
        decision = decide(agent, user_id="anyone")
        assert decision == Decision(True, "global_switch_on", False, decision.detail)
        assert "ENABLE_DYNAMIC_MODEL_SELECTION=true (default)" in decision.detail


def test_decision_is_frozen_and_reasons_are_partitioned():
    with pytest.raises(dataclasses.FrozenInstanceError):
        decide().enabled = False  # type: ignore[misc]
    assert len(set(REASONS)) == len(REASONS)
    assert set(ENABLING_REASONS) < set(REASONS)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", reason) for reason in REASONS)


def test_global_switch_off(monkeypatch):
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "false")
    decision = decide("qa")
    assert (decision.enabled, decision.reason) == (False, "global_switch_off")
    assert decision.detail == "ENABLE_DYNAMIC_MODEL_SELECTION=false"


def test_agent_switch_beats_the_global_switch_both_ways(monkeypatch):
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "false")
    monkeypatch.setenv("CLAUDE_PM_DATA_ENGINEER_MODEL_SELECTION", "yes")
    assert (decide("data_engineer").enabled, decide("data_engineer").reason) == (True, "agent_switch_on")
    assert decide("data_engineer").detail == "CLAUDE_PM_DATA_ENGINEER_MODEL_SELECTION=true"
    assert decide("qa").reason == "global_switch_off"
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "true")
    monkeypatch.setenv("CLAUDE_PM_DATA_ENGINEER_MODEL_SELECTION", "off")
    assert (decide("data_engineer").enabled, decide("data_engineer").reason) == (False, "agent_switch_off")
    assert decide("qa").reason == "global_switch_on"


@pytest.mark.parametrize("switch", ["true", "false"])
def test_forced_model_beats_every_switch_and_gate(monkeypatch, switch):
    monkeypatch.setenv("CLAUDE_PM_ENGINEER_MODEL", "haiku")
    monkeypatch.setenv("CLAUDE_PM_ENGINEER_MODEL_SELECTION", switch)
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", switch)
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "0")
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", "02:00-02:01")
    decision = decide("engineer", now=DAY.replace(hour=12))
    assert (decision.enabled, decision.reason) == (False, "forced_model")
    assert decision.detail == "CLAUDE_PM_ENGINEER_MODEL forces " + config.DEFAULT_MODEL_IDS["haiku"]


def test_a_switch_that_is_on_still_passes_through_the_gates(monkeypatch):
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "false")
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL_SELECTION", "true")
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "0")
    decision = decide("qa", user_id="user-1")
    assert (decision.enabled, decision.reason) == (False, "percentage_out")
    assert decision.detail.startswith("CLAUDE_PM_QA_MODEL_SELECTION=true; ")


def test_a_switch_that_is_off_is_not_reopened_by_the_gates(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL_SELECTION", "false")
    monkeypatch.setenv("CLAUDE_PM_QA_ROLLOUT_PERCENTAGE", "100")
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", "00:00-23:59")
    assert decide("qa", user_id="user-1").reason == "agent_switch_off"


def test_agent_names_are_resolved_and_unknown_agents_rejected(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_PM_MODEL_SELECTION", "false")
    assert decide("orchestrator") == decide("pm")
    assert decide("Data Engineer") == decide("data_engineer")
    with pytest.raises(ValueError, match=r"unknown agent 'enginer'.*engineer"):
        decide("enginer")


def test_argument_types_are_checked():
    with pytest.raises(TypeError, match="user_id"):
        decide(user_id=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="now"):
        decide(now="03:00")  # type: ignore[arg-type]


def test_explicit_settings_are_used_instead_of_the_environment(monkeypatch):
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "false")
    settings = config.Settings(agent_rollout_percentage={"engineer": 0.0})
    assert decide("qa", settings=settings).reason == "global_switch_on"
    assert decide("engineer", user_id="user-1", settings=settings).reason == "percentage_out"
    assert decide("qa").reason == "global_switch_off"


def test_bad_settings_raise_config_error_on_every_call_until_fixed(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "ten")
    for _ in range(3):
        with pytest.raises(ConfigError, match="CLAUDE_PM_ROLLOUT_PERCENTAGE"):
            decide(user_id="user-1")
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "10")
    assert decide(user_id="user-1").reason in ("percentage_in", "percentage_out")


def test_shadow_mode_marks_every_decision_without_changing_it(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "50")
    monkeypatch.setenv("CLAUDE_PM_QA_MODEL_SELECTION", "false")
    monkeypatch.setenv("CLAUDE_PM_OPS_MODEL", "opus")
    live = {agent: decide(agent, user_id="user-7") for agent in AGENT_NAMES}
    monkeypatch.setenv("CLAUDE_PM_TEST_MODE", "true")
    for agent in AGENT_NAMES:
        shadow = decide(agent, user_id="user-7")
        assert shadow.shadow is True
        assert (shadow.enabled, shadow.reason) == (live[agent].enabled, live[agent].reason)


# --- percentage gate -------------------------------------------------------------------


def test_user_bucket_is_the_guides_bucket():
    for user_id in USER_IDS:
        assert user_bucket(user_id) == int(hashlib.md5(user_id.encode()).hexdigest(), 16) % 100


@pytest.mark.parametrize("percentage", [1, 10, 12.5, 50, 99])
def test_percentage_cohort_is_the_guides_cohort(monkeypatch, percentage):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", str(percentage))
    for user_id in USER_IDS:
        decision = decide(user_id=user_id)
        assert decision.enabled == guide_should_enable_optimization(user_id, percentage), user_id
        assert decision.reason == ("percentage_in" if decision.enabled else "percentage_out")
    enrolled = sum(decide(user_id=user_id).enabled for user_id in USER_IDS)
    assert abs(enrolled / len(USER_IDS) * 100 - percentage) < 2


def test_raising_the_percentage_only_adds_users(monkeypatch):
    previous: set[str] = set()
    for percentage in range(0, 101, 5):
        monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", str(percentage))
        enrolled = {user_id for user_id in USER_IDS[:2000] if decide(user_id=user_id).enabled}
        assert previous <= enrolled, percentage
        previous = enrolled
    assert len(previous) == 2000


def test_percentage_zero_and_hundred(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "0")
    assert {decide(user_id=u).reason for u in USER_IDS[:500]} == {"percentage_out"}
    assert decide().reason == "percentage_out"
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "100")
    assert decide().reason == "global_switch_on"
    assert decide(user_id="user-1").reason == "global_switch_on"


@pytest.mark.parametrize("user_id", [None, ""])
def test_missing_user_id_is_not_enrolled_and_has_its_own_reason(monkeypatch, user_id):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "99.5")
    decision = decide(user_id=user_id)
    assert (decision.enabled, decision.reason) == (False, "no_user_id")
    assert "CLAUDE_PM_ROLLOUT_PERCENTAGE=99.5 needs a user id" in decision.detail


def test_agent_percentage_overrides_the_global_one(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "0")
    monkeypatch.setenv("CLAUDE_PM_ENGINEER_ROLLOUT_PERCENTAGE", "100")
    monkeypatch.setenv("CLAUDE_PM_QA_ROLLOUT_PERCENTAGE", "30")
    assert decide("engineer", user_id="user-1").reason == "global_switch_on"
    assert decide("ops", user_id="user-1").reason == "percentage_out"
    qa = [u for u in USER_IDS[:1000] if decide("qa", user_id=u).enabled]
    assert qa == [u for u in USER_IDS[:1000] if guide_should_enable_optimization(u, 30)]
    assert "CLAUDE_PM_QA_ROLLOUT_PERCENTAGE=30" in decide("qa", user_id=qa[0]).detail


# --- window gate -----------------------------------------------------------------------


def test_guide_off_peak_window_matches_its_snippet_for_every_minute(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", "02:00-06:59")
    for minute in range(24 * 60):
        moment = DAY + timedelta(minutes=minute, seconds=59)
        decision = decide(now=moment)
        assert decision.enabled == guide_off_peak(moment.hour), moment
        assert decision.reason == ("inside_window" if decision.enabled else "outside_window")


def test_windows_across_midnight_and_several_windows(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", "22:00-01:59, 12:00-12:30")
    inside = {"22:00", "23:59", "00:00", "01:59", "12:00", "12:30"}
    outside = {"21:59", "02:00", "11:59", "12:31", "17:00"}
    for text in inside | outside:
        hour, minute = map(int, text.split(":"))
        assert decide(now=DAY.replace(hour=hour, minute=minute)).enabled == (text in inside), text


def test_window_time_zone_converts_aware_and_local_moments(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", "02:00-06:59@Asia/Tokyo")
    tokyo_3am = datetime(2026, 3, 10, 3, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert decide(now=tokyo_3am).enabled
    assert decide(now=tokyo_3am.astimezone(timezone.utc)).enabled
    assert decide(now=tokyo_3am.astimezone().replace(tzinfo=None)).enabled  # naive = local time
    assert not decide(now=tokyo_3am + timedelta(hours=4)).enabled
    assert "time inside 02:00-06:59 Asia/Tokyo" in decide(now=tokyo_3am).detail


def test_windows_without_zone_use_local_time_for_aware_moments(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", "02:00-06:59")
    for hour in range(24):
        moment = datetime(2026, 3, 10, hour, 15, tzinfo=ZoneInfo("America/Sao_Paulo"))
        assert decide(now=moment).enabled == guide_off_peak(moment.astimezone().hour), moment


def test_windows_use_the_clock_when_no_moment_is_given(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", "00:00-23:59")
    assert decide().reason == "inside_window"
    far = datetime.now() + timedelta(hours=12)
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", f"{far:%H:%M}-{far:%H:%M}")
    assert decide().reason == "outside_window"


_minute = st.integers(min_value=0, max_value=24 * 60 - 1)


@hypothesis_settings(max_examples=200, deadline=None)
@given(windows=st.lists(st.tuples(_minute, _minute), min_size=1, max_size=3), moment=_minute)
def test_any_windows_match_a_minute_arithmetic_reference(windows, moment):
    def inside(start: int, end: int) -> bool:
        return start <= moment <= end if start <= end else moment >= start or moment <= end

    text = ",".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in windows)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", text)
        decision = decide(now=DAY + timedelta(minutes=moment, seconds=30))
    assert decision.enabled == any(inside(a, b) for a, b in windows), text


def test_window_gate_comes_before_the_percentage_gate(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", "02:00-06:59")
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "50")
    enrolled = next(u for u in USER_IDS if guide_should_enable_optimization(u, 50))
    other = next(u for u in USER_IDS if not guide_should_enable_optimization(u, 50))
    night, noon = DAY.replace(hour=3), DAY.replace(hour=12)
    assert decide(user_id=enrolled, now=noon).reason == "outside_window"
    assert decide(user_id=enrolled, now=night).reason == "percentage_in"
    assert decide(user_id=other, now=night).reason == "percentage_out"
    assert decide(now=night).reason == "no_user_id"


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["CLAUDE_PM_ROLLOUT_PERCENTAGE", "CLAUDE_PM_SECURITY_ROLLOUT_PERCENTAGE"])
@pytest.mark.parametrize("value", ["-1", "100.5", "ten", "10%", "nan", "inf"])
def test_bad_percentages_name_the_variable_and_an_example(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        decide("security", user_id="user-1")
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}={value!r}")
    assert "0 to 100, e.g. 10" in str(raised.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("25:00-3", "HH:MM-HH:MM"),
        ("", "at least one HH:MM-HH:MM window"),
        ("  ", "at least one HH:MM-HH:MM window"),
        ("02:00", "HH:MM-HH:MM"),
        ("2-6", "HH:MM-HH:MM"),
        ("02:00-06:59,", "HH:MM-HH:MM"),
        ("@Europe/Berlin", "HH:MM-HH:MM"),
        ("02:00-06:60", "minutes 00-59"),
        ("24:00-01:00", "hours 00-23"),
        ("02:00-06:59@", "a known IANA time zone"),
        ("02:00-06:59@Mars/Olympus", "a known IANA time zone"),
        ("02:00-06:59@Europe", "a known IANA time zone"),
        ("02:00-06:59@../etc/passwd", "a known IANA time zone"),
    ],
)
def test_bad_windows_name_the_variable_and_an_accepted_example(monkeypatch, value, expected):
    monkeypatch.setenv("CLAUDE_PM_ROLLOUT_WINDOWS", value)
    with pytest.raises(ConfigError) as raised:
        decide()
    assert raised.value.variable == "CLAUDE_PM_ROLLOUT_WINDOWS"
    assert expected in str(raised.value)
    assert "e.g. '02:00-06:59'" in str(raised.value)


# --- the guide's deployment and rollback procedures ------------------------------------


def test_guide_week_by_week_rollout_in_one_process(monkeypatch):
    # The guide's rollout starts from a deployment where optimisation is globally off;
    # each week's exports are then applied on top of the previous ones.
    monkeypatch.setenv("ENABLE_DYNAMIC_MODEL_SELECTION", "false")
    assert enabled_agents() == set()
    weeks = re.split(r"\n(?=# Week)", guide_block("# Week 1").strip())
    expected = [
        {"documentation", "research"},
        {"documentation", "research", "qa", "ops"},
        {"documentation", "research", "qa", "ops", "engineer"},
        set(AGENT_NAMES),
    ]
    assert len(weeks) == len(expected)
    switched: set[str] = set()
    for week, on in zip(weeks, expected):
        for name, value in exports(week):
            monkeypatch.setenv(name, value)
            switched |= {a for a in AGENT_NAMES if name == config.agent_variable(a, "MODEL_SELECTION")}
        assert enabled_agents() == on, week.splitlines()[0]
        for agent in on:
            assert decide(agent).reason == ("agent_switch_on" if agent in switched else "global_switch_on")
    assert switched == expected[2]


def test_guide_quick_rollback(monkeypatch):
    block = guide_block("Disable optimization immediately")
    everything, per_agent = block.split("# Or for specific agents")
    for name, value in exports(everything):
        monkeypatch.setenv(name, value)
    assert enabled_agents() == set()
    monkeypatch.delenv("ENABLE_DYNAMIC_MODEL_SELECTION")
    for name, value in exports(per_agent):
        monkeypatch.setenv(name, value)
    assert enabled_agents() == set(AGENT_NAMES) - {"engineer", "qa"}
    assert decide("qa").reason == "agent_switch_off"


@pytest.fixture
def rollback_env(monkeypatch):
    """Let monkeypatch restore the variables gradual_rollback writes straight to os.environ."""
    for name in ["ENABLE_DYNAMIC_MODEL_SELECTION", *(config.agent_variable(a, "MODEL_SELECTION") for a in AGENT_NAMES)]:
        monkeypatch.setenv(name, "true")
        monkeypatch.delenv(name)
    return monkeypatch


def test_gradual_rollback_switches_agents_off_in_order_then_globally(rollback_env):
    order = ["engineer", "ops", "qa", "research", "documentation"]
    steps: list[tuple[float, set[str]]] = []
    lines: list[str] = []
    gradual_rollback(order, sleep=lambda seconds: steps.append((seconds, enabled_agents())), echo=lines.append)
    assert [seconds for seconds, _ in steps] == [3600] * len(order)
    for done, (_, on) in enumerate(steps, start=1):
        assert on == set(AGENT_NAMES) - set(order[:done])
        assert decide(order[done - 1]).reason == "agent_switch_off"
    assert enabled_agents() == set()
    assert decide("security").reason == "global_switch_off"
    assert lines == [f"Disabled optimization for {agent}" for agent in order] + ["Global optimization disabled"]
    assert os.environ["CLAUDE_PM_ENGINEER_MODEL_SELECTION"] == "false"


def test_gradual_rollback_leaves_forced_models_alone(rollback_env):
    rollback_env.setenv("CLAUDE_PM_QA_MODEL", "sonnet")
    gradual_rollback(["qa", "pm"], delay_minutes=0, sleep=lambda _: None, echo=lambda _: None)
    assert decide("qa").reason == "forced_model"
    assert decide("pm").reason == "agent_switch_off"


def test_gradual_rollback_checks_every_argument_before_changing_anything(rollback_env):
    with pytest.raises(ValueError, match="unknown agent 'enginer'"):
        gradual_rollback(["qa", "enginer"], sleep=lambda _: None, echo=lambda _: None)
    with pytest.raises(TypeError, match="list of agent names"):
        gradual_rollback("engineer", sleep=lambda _: None, echo=lambda _: None)
    for delay in (-1, float("nan"), "60", True):
        with pytest.raises(ValueError, match="delay_minutes"):
            gradual_rollback(["qa"], delay_minutes=delay, sleep=lambda _: None, echo=lambda _: None)
    assert enabled_agents() == set(AGENT_NAMES)


def test_a_user_id_that_is_not_text_is_a_type_error_naming_it():
    from claude_pm.rollout import user_bucket

    with pytest.raises(TypeError, match="user_id must be str, not NoneType"):
        user_bucket(None)  # type: ignore[arg-type]


def test_a_user_id_with_a_lone_surrogate_still_gets_a_bucket():
    from claude_pm.rollout import user_bucket

    assert 0 <= user_bucket("user-\ud800") < 100
    assert user_bucket("user-42") == user_bucket("user-42")
