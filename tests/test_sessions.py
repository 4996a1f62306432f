"""Sessions keep their model: the tier of an agent within a session never goes down."""

from __future__ import annotations

import asyncio
import os
import signal
import threading

import pytest
from claude_pm import selection, sessions
from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info
from claude_pm.config import get_settings
from claude_pm.decision_log import flush, open_store
from claude_pm.sessions import KEPT, PINNED, SESSION_ID_MAX_LENGTH, STARTED, UPGRADED, SessionPins, check_session_id
from claude_pm.utils.task_tool_helper import TaskToolHelper

SIMPLE = "fix a typo in the readme"
MEDIUM = "Implement a REST endpoint for user profile updates with validation"
COMPLEX = "Design a distributed event-sourced architecture for the billing platform with migration plan"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def fresh_sessions():
    pins = selection._current_state().sessions
    pins.clear()
    yield pins
    pins.clear()
    settings = get_settings()
    pins.configure(settings.session_ttl_seconds, settings.session_max_entries)


def _select(agent: str, task: str, session_id: str | None = None, **kwargs):
    _, model_id, config = get_agent_prompt_with_model_info(
        agent, task_description=task, session_id=session_id, **kwargs
    )
    return model_id, config


# -- the store -------------------------------------------------------------------------------


def test_a_session_keeps_its_highest_tier_and_may_go_up():
    pins = SessionPins(ttl_seconds=60, max_entries=10, clock=FakeClock())
    assert pins.step("qa", "s", 1) == (1, STARTED)
    assert pins.step("qa", "s", 0) == (1, PINNED)
    assert pins.step("qa", "s", 1) == (1, KEPT)
    assert pins.step("qa", "s", 2) == (2, UPGRADED)
    assert pins.step("qa", "s", 0) == (2, PINNED)
    assert pins.step("engineer", "s", 0) == (0, STARTED)  # another agent, another prompt cache
    stats = pins.stats()
    assert (stats["pins"], stats["upgrades"], stats["started"], stats["entries"]) == ({"qa": 2}, {"qa": 1}, 2, 2)


def test_a_session_idle_longer_than_the_ttl_starts_again():
    clock = FakeClock()
    pins = SessionPins(ttl_seconds=60, max_entries=10, clock=clock)
    pins.step("qa", "s", 2)
    clock.now += 60
    assert pins.step("qa", "s", 0) == (2, PINNED)  # exactly the TTL: still alive, and refreshed
    clock.now += 60.5
    assert pins.step("qa", "s", 0) == (0, STARTED)
    assert pins.stats()["expired"] == 1


def test_expired_sessions_are_dropped_without_being_looked_up():
    clock = FakeClock()
    pins = SessionPins(ttl_seconds=10, max_entries=100, clock=clock)
    for index in range(50):
        pins.step("qa", f"old-{index}", 1)
    clock.now += 11
    pins.step("qa", "new", 1)
    assert pins.stats()["entries"] == 1
    assert pins.stats()["expired"] == 50


def test_the_entry_bound_evicts_the_least_recently_used_session():
    pins = SessionPins(ttl_seconds=3600, max_entries=3, clock=FakeClock())
    for name in ("a", "b", "c"):
        pins.step("qa", name, 2)
    pins.step("qa", "a", 0)  # "a" is now the most recently used
    pins.step("qa", "d", 0)  # evicts "b"
    assert pins.stats()["entries"] == 3 and pins.stats()["evicted"] == 1
    assert pins.step("qa", "a", 0) == (2, PINNED)
    assert pins.step("qa", "b", 0) == (0, STARTED)
    pins.configure(ttl_seconds=3600, max_entries=1)
    assert pins.stats()["entries"] == 1


def test_counts_are_exact_under_many_threads():
    pins = SessionPins(ttl_seconds=3600, max_entries=100_000)
    threads, steps = 16, 400
    returned: dict[str, int] = {STARTED: 0, KEPT: 0, PINNED: 0, UPGRADED: 0}
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def hammer(index: int) -> None:
        seen = dict.fromkeys(returned, 0)
        start.wait()
        for step in range(steps):
            # Every thread shares "shared" and has a session of its own.
            for session in ("shared", f"own-{index}"):
                rank, action = pins.step("engineer", session, step % 3)
                assert rank >= step % 3
                seen[action] += 1
        with lock:
            for action, count in seen.items():
                returned[action] += count

    workers = [threading.Thread(target=hammer, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stats = pins.stats()
    assert sum(returned.values()) == threads * steps * 2
    assert returned[STARTED] == stats["started"] == threads + 1
    assert returned[PINNED] == stats["pins"]["engineer"]
    assert returned[UPGRADED] == stats["upgrades"]["engineer"]
    # Each own session: ranks 0,1,2,0,1,2...: two upgrades, then pinned at 2 or kept at 2.
    # The shared one rises at most twice in all.
    assert threads * 2 <= stats["upgrades"]["engineer"] <= threads * 2 + 2
    assert stats["entries"] == threads + 1
    assert pins.step("engineer", "shared", 0) == (2, PINNED)


@pytest.mark.parametrize("session_id", ["", "   ", "x" * (SESSION_ID_MAX_LENGTH + 1)])
def test_a_session_id_that_is_empty_or_too_long_is_a_value_error(session_id):
    with pytest.raises(ValueError, match="session_id must be 1 to 128 characters"):
        check_session_id(session_id)
    with pytest.raises(ValueError, match="session_id"):
        _select("qa", SIMPLE, session_id)


@pytest.mark.parametrize("session_id", [42, b"abc", ["s"], 1.5])
def test_a_session_id_that_is_not_a_str_is_a_type_error(session_id):
    with pytest.raises(TypeError, match=f"session_id must be a str or None, not {type(session_id).__name__}"):
        _select("qa", SIMPLE, session_id)
    with pytest.raises(TypeError, match="session_id"):
        asyncio.run(TaskToolHelper().create_agent_subprocess("qa", SIMPLE, session_id=session_id))


def test_a_session_id_of_the_longest_length_is_accepted():
    assert check_session_id("x" * SESSION_ID_MAX_LENGTH) == "x" * SESSION_ID_MAX_LENGTH


# -- the pipeline ----------------------------------------------------------------------------


def test_a_simple_step_after_a_complex_one_keeps_the_stronger_model_and_prompt():
    opus, first = _select("qa", COMPLEX, "task-1")
    model_id, later = _select("qa", SIMPLE, "task-1")
    assert (model_id, later["model_tier"], later["template_used"]) == (opus, "opus", first["template_used"])
    assert later["complexity_level"] == "SIMPLE"  # the analysis itself is unchanged
    assert later["route_reason"] == "session"
    assert later["session"] == {"action": "pinned", "tier": "opus", "scored_tier": "haiku"}
    assert first["session"] == {"action": "started", "tier": "opus", "scored_tier": "opus"}
    assert first["route_reason"] is None


def test_a_harder_step_raises_the_session_tier():
    _select("qa", SIMPLE, "task-2")
    _, config = _select("qa", MEDIUM, "task-2")
    assert config["model_tier"] == "sonnet" and config["route_reason"] is None
    assert config["session"]["action"] == "upgraded"
    _, config = _select("qa", SIMPLE, "task-2")
    assert config["model_tier"] == "sonnet" and config["session"]["action"] == "pinned"


def test_without_a_session_id_nothing_is_pinned():
    _select("qa", COMPLEX)
    _, config = _select("qa", SIMPLE)
    assert config["model_tier"] == "haiku"
    assert "session" not in config and "route_reason" not in config
    assert selection._current_state().sessions.stats()["entries"] == 0


def test_sessions_of_other_ids_and_agents_are_independent():
    _select("qa", COMPLEX, "task-3")
    assert _select("qa", SIMPLE, "task-4")[1]["model_tier"] == "haiku"
    assert _select("engineer", SIMPLE, "task-3")[1]["model_tier"] == "haiku"


def test_a_forced_model_is_neither_pinned_nor_changes_the_pin():
    _select("qa", MEDIUM, "task-5")
    _, forced = _select("qa", SIMPLE, "task-5", model_override="opus")
    assert forced["model_tier"] == "opus" and forced["session"]["action"] == "not_pinned"
    _, config = _select("qa", SIMPLE, "task-5")
    assert config["model_tier"] == "sonnet" and config["session"]["action"] == "pinned"


def test_shadow_decisions_are_not_pinned(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_TEST_MODE", "true")
    _select("qa", COMPLEX, "task-6")
    _, config = _select("qa", SIMPLE, "task-6")
    assert config["session"]["action"] == "not_pinned" and config["route_reason"] is None
    assert selection._current_state().sessions.stats()["entries"] == 0


def test_the_session_expires_after_the_configured_idle_ttl(monkeypatch, fresh_sessions):
    monkeypatch.setenv("CLAUDE_PM_SESSION_TTL_SECONDS", "120")
    clock = FakeClock()
    pins = selection._current_state().sessions
    assert pins is fresh_sessions and pins.ttl_seconds == 120
    monkeypatch.setattr(pins, "_clock", clock)
    _select("qa", COMPLEX, "task-7")
    clock.now += 119
    assert _select("qa", SIMPLE, "task-7")[1]["model_tier"] == "opus"
    clock.now += 121
    _, config = _select("qa", SIMPLE, "task-7")
    assert config["model_tier"] == "haiku" and config["session"]["action"] == "started"


def test_the_session_entry_bound_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_SESSION_MAX_ENTRIES", "2")
    for index in range(5):
        _select("qa", SIMPLE, f"bound-{index}")
    pins = selection._current_state().sessions
    assert pins.max_entries == 2 and pins.stats()["entries"] == 2


def test_pins_survive_an_unrelated_settings_change(monkeypatch):
    _select("qa", COMPLEX, "task-8")
    monkeypatch.setenv("CLAUDE_PM_LOG_LEVEL", "ERROR")
    assert _select("qa", SIMPLE, "task-8")[1]["model_tier"] == "opus"


def test_task_tool_helper_passes_the_session_on():
    helper = TaskToolHelper()
    first = asyncio.run(helper.create_agent_subprocess("engineer", COMPLEX, session_id="delegation"))
    later = asyncio.run(helper.create_agent_subprocess("engineer", SIMPLE, session_id="delegation"))
    assert later["selected_model"] == first["selected_model"]
    assert later["model_config"]["route_reason"] == "session"


def test_the_decision_log_records_the_session_route_reason(decision_log_file):
    _select("qa", COMPLEX, "task-9")
    _, pinned = _select("qa", SIMPLE, "task-9")
    _, plain = _select("qa", SIMPLE)
    assert flush(10)
    store = open_store(str(decision_log_file))
    try:
        rows = store.query("SELECT score, route_reason FROM claude_pm_decisions ORDER BY ts")
    finally:
        store.close()
    assert [reason for _, reason in rows] == [None, "session", None]
    assert rows[1][0] == pinned["complexity_score"] == plain["complexity_score"]


def test_session_pins_and_upgrades_are_exported_as_metrics():
    from claude_pm.metrics import ClaudePMCollector
    from prometheus_client import CollectorRegistry, generate_latest

    _select("security", SIMPLE, "metrics-1")
    _select("security", MEDIUM, "metrics-1")
    _select("security", SIMPLE, "metrics-1")
    _select("security", SIMPLE, "metrics-1")
    registry = CollectorRegistry()
    registry.register(ClaudePMCollector())
    text = generate_latest(registry).decode()
    assert 'claude_pm_session_pins_total{agent="security"} 2.0' in text
    assert 'claude_pm_session_upgrades_total{agent="security"} 1.0' in text


def test_the_process_pins_are_one_object_reconfigured_in_place():
    first = sessions.session_pins(3600, 10)
    second = sessions.session_pins(60, 5)
    assert first is second and (second.ttl_seconds, second.max_entries) == (60, 5)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_while_the_pins_lock_is_held_still_pins(fresh_sessions):
    _select("qa", COMPLEX, "fork-1")
    fresh_sessions._lock.acquire()  # another thread mid-step at the fork
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            signal.alarm(20)  # a deadlock ends the child, not the test run
            try:
                os._exit(0 if _select("qa", SIMPLE, "fork-1")[1]["model_tier"] == "opus" else 1)
            except BaseException:
                os._exit(2)
    finally:
        fresh_sessions._lock.release()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_the_pipeline_counts_every_pin_exactly_under_threads(fresh_sessions):
    threads, rounds = 8, 30
    before = fresh_sessions.stats()
    actions: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run(index: int) -> None:
        seen = []
        start.wait()
        for step in range(rounds):
            task = (COMPLEX, SIMPLE, MEDIUM)[step % 3]
            for session in ("shared-pipeline", f"pipeline-{index}"):
                _, config = _select("data_engineer", task, session)
                assert config["model_tier"] == "opus"  # every session starts with the complex task
                seen.append(config["session"]["action"])
        with lock:
            actions.extend(seen)

    workers = [threading.Thread(target=run, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    after = fresh_sessions.stats()

    def counted(key: str) -> int:
        return after[key].get("data_engineer", 0) - before[key].get("data_engineer", 0)

    assert len(actions) == threads * rounds * 2
    assert actions.count("pinned") == counted("pins") > 0
    assert actions.count("upgraded") == counted("upgrades")
    assert actions.count("started") == after["started"] - before["started"] == threads + 1
