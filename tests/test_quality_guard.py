"""The quality guard: engage on clear evidence, release with hysteresis, one tier up, off by default."""

from __future__ import annotations

import time

import pytest
from claude_pm import selection
from claude_pm.config import get_settings
from claude_pm.decision_log import flush, open_store
from claude_pm.errors import ConfigError
from claude_pm.metrics import ClaudePMCollector, Sources
from claude_pm.quality import guard as guard_module
from claude_pm.quality.guard import evaluate, guard_for
from claude_pm.route_reasons import QUALITY_GUARD
from claude_pm.selection import select
from decision_log_support import decision, log_target
from prometheus_client import CollectorRegistry, generate_latest
from quality_support import record_outcomes

__all__ = ["log_target"]

SIMPLE_TASK = "Fix a typo in the README"  # scores SIMPLE: haiku for the engineer
_RULES = {"failure_rate": 0.2, "release_rate": 0.1, "min_samples": 30}


def _evaluate(counts, previous=None):
    return evaluate(counts, previous or {}, **_RULES)


def test_engages_only_when_the_lower_bound_is_above_the_level():
    key = ("engineer", "haiku")
    assert _evaluate({key: (100, 40)})[key].engaged  # 40 % [31-50]: clearly above 20 %
    assert not _evaluate({key: (100, 25)})[key].engaged  # 25 % [17.5-34.4]: could be 20 %
    assert not _evaluate({key: (20, 15)})[key].engaged  # 75 %, but fewer than 30 samples


def test_hysteresis_keeps_it_engaged_until_the_upper_bound_is_below_the_release_level():
    key = ("engineer", "haiku")
    engaged = _evaluate({key: (100, 40)})
    # 15 %: would never engage, but its upper bound (23 %) is not below 10 %: stays engaged.
    still = _evaluate({key: (100, 15)}, engaged)
    assert still[key].engaged
    # 1 % of 200 [0.3-3.6]: clearly fine again.
    released = _evaluate({key: (200, 2)}, still)
    assert not released[key].engaged
    # Evidence aged out of the window (the tier got no new tasks): released, tried again.
    assert not _evaluate({}, engaged)[key].engaged


def _flag_off_costs_nothing():
    return selection._current_state().guard


def test_off_by_default_and_no_guard_is_built(decision_log_file):
    select("engineer", task_description=SIMPLE_TASK)
    assert _flag_off_costs_nothing() is None


def _guard_on(monkeypatch, **variables):
    monkeypatch.setenv("CLAUDE_PM_QUALITY_GUARD", "true")
    monkeypatch.setenv("CLAUDE_PM_QUALITY_GUARD_MIN_SAMPLES", "30")
    monkeypatch.setenv("CLAUDE_PM_QUALITY_GUARD_REFRESH_SECONDS", "3600")  # the test refreshes by hand
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def _manual_guard():
    """The pipeline's guard with its refresher stopped, so only the test's refresh() calls change it."""
    select("engineer", task_description=SIMPLE_TASK)  # builds the pipeline's state and its guard
    guard = selection._current_state().guard
    guard.stop(wait=10)
    guard.states = {}  # whatever the refresher saw before it stopped is forgotten
    guard.engaged = frozenset()
    return guard


def _haiku(count: int, agent: str = "engineer"):
    return [
        decision(
            agent=agent, tier="haiku", model_id="claude-3-haiku-20240307", score=15, level="SIMPLE", task_text=None
        )
        for _ in range(count)
    ]


def test_the_guard_engages_moves_tasks_one_tier_up_and_releases(log_target, monkeypatch):
    _guard_on(monkeypatch)
    guard = _manual_guard()
    # 60 haiku outcomes for the engineer, 30 failed (50 %); the qa agent's haiku is fine.
    record_outcomes(log_target, _haiku(60), [False] * 30 + [True] * 30)
    record_outcomes(log_target, _haiku(60, agent="qa"), [True] * 60)
    first = select("engineer", task_description=SIMPLE_TASK)
    assert first.config["model_tier"] == "haiku" and first.config.get("route_reason") is None
    guard.refresh()
    assert guard.engaged == {("engineer", "haiku")}

    guarded = select("engineer", task_description=SIMPLE_TASK)
    assert guarded.model_id == get_settings().model_ids["sonnet"]
    assert guarded.config["model_tier"] == "sonnet" and guarded.config["route_reason"] == QUALITY_GUARD
    assert guarded.config["complexity_level"] == "SIMPLE"  # the score is what it was
    assert select("qa", task_description=SIMPLE_TASK).config["model_tier"] == "haiku"
    forced = select("engineer", task_description=SIMPLE_TASK, model_override="haiku")
    assert forced.config["model_tier"] == "haiku"  # a caller's choice is never overridden
    assert flush(10)
    store = open_store(log_target)
    try:
        logged = store.query("SELECT tier, route_reason FROM claude_pm_decisions WHERE id = ?", (guarded.decision_id,))
    finally:
        store.close()
    assert logged == [("sonnet", QUALITY_GUARD)]

    # The gauge per (agent, tier).
    registry = CollectorRegistry()
    registry.register(ClaudePMCollector(Sources.from_library()))
    exposition = generate_latest(registry).decode()
    assert 'claude_pm_quality_guard_engaged{agent="engineer",tier="haiku"} 1.0' in exposition
    assert 'claude_pm_quality_guard_engaged{agent="qa",tier="haiku"} 0.0' in exposition

    # Haiku does well again (a fresh run of 400 successes): the upper bound drops below 10 %.
    record_outcomes(log_target, _haiku(400), [True] * 400)
    guard.refresh()
    assert guard.engaged == frozenset()
    released = select("engineer", task_description=SIMPLE_TASK)
    assert released.config["model_tier"] == "haiku" and released.config.get("route_reason") is None


def test_only_outcomes_inside_the_window_count(log_target, monkeypatch):
    _guard_on(monkeypatch, CLAUDE_PM_QUALITY_GUARD_WINDOW_MINUTES="10")
    guard = _manual_guard()
    record_outcomes(log_target, _haiku(60), [False] * 60)
    guard.refresh(now=time.time() + 11 * 60)  # eleven minutes on: every outcome is older than the window
    assert guard.engaged == frozenset()
    guard.refresh()
    assert guard.engaged == {("engineer", "haiku")}


def test_a_log_that_cannot_be_read_keeps_the_state_and_never_reaches_the_caller(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", str(tmp_path / "missing" / "decisions.db"))
    _guard_on(monkeypatch)
    guard = guard_for(get_settings())
    guard.apply({("engineer", "haiku"): (100, 60)})
    guard.refresh()
    assert guard.engaged == {("engineer", "haiku")} and guard.last_error
    state = guard_module.guard_states()[("engineer", "haiku")]
    assert (state.outcomes, state.failures, state.engaged) == (100, 60, True)


def test_turning_the_guard_off_stops_it(decision_log_file, monkeypatch):
    _guard_on(monkeypatch)
    guard = guard_for(get_settings())
    monkeypatch.setenv("CLAUDE_PM_QUALITY_GUARD", "false")
    assert guard_for(get_settings()) is None
    assert guard._stop.is_set() and guard_module.guard_states() == {}
    monkeypatch.setenv("CLAUDE_PM_QUALITY_GUARD", "true")
    again = guard_for(get_settings())
    assert again is not guard and not again._stop.is_set()  # a stopped guard is never handed out again
    again.stop(wait=10)


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"CLAUDE_PM_QUALITY_GUARD": "maybe"}, "CLAUDE_PM_QUALITY_GUARD"),
        ({"CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE": "1.5"}, "CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE"),
        ({"CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE": "0.05"}, "CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE"),
        ({"CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE": "0.3"}, "CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE"),
        (
            {"CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE": "0.3", "CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE": "0.31"},
            "CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE",
        ),
        ({"CLAUDE_PM_QUALITY_GUARD_WINDOW_MINUTES": "0"}, "CLAUDE_PM_QUALITY_GUARD_WINDOW_MINUTES"),
        ({"CLAUDE_PM_QUALITY_GUARD_MIN_SAMPLES": "ten"}, "CLAUDE_PM_QUALITY_GUARD_MIN_SAMPLES"),
        ({"CLAUDE_PM_QUALITY_GUARD_REFRESH_SECONDS": "0.1"}, "CLAUDE_PM_QUALITY_GUARD_REFRESH_SECONDS"),
    ],
)
def test_bad_guard_settings_are_config_errors_naming_the_variable(monkeypatch, variables, named):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        get_settings()
    assert raised.value.variable == named


def test_a_forked_child_starts_its_own_guard(decision_log_file, monkeypatch):
    import os

    _guard_on(monkeypatch)
    parent = guard_for(get_settings())
    parent.apply({("engineer", "haiku"): (100, 60)})
    pid = os.fork()
    if pid == 0:  # the child: the parent's refresher thread does not exist here
        ok = False
        try:
            child = guard_for(get_settings())
            ok = guard_module.guard_states() == {} and child is not parent and child._thread.is_alive()
            child.stop(wait=10)
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert guard_module.guard_states()[("engineer", "haiku")].engaged  # the parent's state is untouched
    parent.stop(wait=10)
