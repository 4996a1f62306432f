"""claude_pm.runtime: every process-wide object has one holder, one reset() and one fork handler."""

from __future__ import annotations

import dataclasses
import json
import os
import threading

import pytest
from claude_pm import budget, runtime, selection, sessions
from claude_pm import config as config_module
from claude_pm import prompt_library as prompt_library_module
from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info
from claude_pm.config import get_settings
from claude_pm.decision_log import get_decision_log
from claude_pm.decision_log import registry as decision_log_registry
from claude_pm.integrations import otel
from claude_pm.metrics import api_calls, exporter, multiprocess
from claude_pm.quality import guard as guard_module
from claude_pm.services.shared_prompt_cache import SharedPromptCache
from prometheus_client import CollectorRegistry, generate_latest

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _select(agent: str = "engineer", task: str = "List files") -> dict:
    return get_agent_prompt_with_model_info(agent, task_description=task)[2]


def test_every_process_wide_object_has_a_holder_in_both_orders():
    assert set(runtime.registered()) == set(runtime.FORK_ORDER)
    assert sorted(runtime.RESET_ORDER) == sorted(runtime.FORK_ORDER)
    assert runtime.FORK_ORDER[-1] == "metrics_writer"  # it reads what the other holders left


def test_a_holder_name_outside_the_fork_order_is_refused_naming_the_allowed_names():
    with pytest.raises(ValueError, match=r"name='metrics'.*expected one of config, sessions"):
        runtime.register("metrics", reset=lambda: None)


def test_reset_empties_the_prompt_cache():
    _select()
    cache = SharedPromptCache.existing_instance()
    assert cache is not None and cache.stats()["entries"] > 0
    runtime.reset()
    assert SharedPromptCache.existing_instance() is None
    assert SharedPromptCache.get_instance() is not cache
    assert SharedPromptCache.get_instance().stats()["entries"] == 0


def test_reset_zeroes_the_selection_statistics_and_forgets_the_selection_state():
    _select()
    stats = selection.recorded_stats()
    assert stats is not None and stats.snapshot()["total_selections"] == 1
    runtime.reset()
    assert selection._state is None
    assert stats.snapshot()["total_selections"] == 0
    assert stats.prometheus_samples()["latency"]["count"] == 0
    _select()
    assert selection.recorded_stats().snapshot()["total_selections"] == 1


def test_reset_retires_the_decision_log_writer_and_the_next_use_starts_a_new_one(decision_log_file):
    _select()
    writer = get_decision_log()
    assert writer is not None
    runtime.reset()
    assert decision_log_registry._current is None
    assert writer.close(10)  # retired: it wrote what it held
    assert writer.stats()["written"] == 1
    assert get_decision_log() is not writer


def test_reset_stops_the_multiprocess_metrics_writer(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    writer = multiprocess.ensure_multiprocess_writer()
    assert writer is not None and writer._thread.is_alive()
    thread = writer._thread
    runtime.reset()
    assert multiprocess.own_writer() is None
    assert not thread.is_alive()
    assert list(tmp_path.glob("claude_pm_samples_*"))  # its final totals were written
    assert multiprocess.ensure_multiprocess_writer() is not writer


def test_reset_zeroes_the_api_call_statistics():
    api_calls.api_call_stats().observe_response("claude-3-haiku", "env", 429, {})
    assert api_calls.api_call_stats().snapshot().counters
    runtime.reset()
    assert api_calls.api_call_stats().snapshot().counters == {}


def test_reset_forgets_the_session_pins():
    pins = sessions.session_pins(60.0, 10)
    runtime.reset()
    assert sessions.existing_pins() is None
    assert sessions.session_pins(60.0, 10) is not pins


def test_reset_forgets_the_budget_gate_and_the_spend(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ENGINEER_DAILY_BUDGET_USD", "5")
    ledger = budget.spend_ledger()
    assert budget.budget_gate(get_settings()) is not None
    runtime.reset()
    assert budget.current_gate() is None
    assert budget.spend_ledger() is not ledger
    assert budget._pricing is None


def test_reset_stops_the_quality_guard(decision_log_file, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_QUALITY_GUARD", "true")
    monkeypatch.setenv("CLAUDE_PM_QUALITY_GUARD_REFRESH_SECONDS", "3600")
    guard = guard_module.guard_for(get_settings())
    assert guard is not None
    guard.apply({("engineer", "haiku"): (100, 60)})
    runtime.reset()
    assert guard._stop.is_set()
    assert guard_module._guard is None and guard_module.guard_states() == {}


def test_reset_forgets_the_opentelemetry_providers():
    otel.configure(tracer_provider=object(), meter_provider=object())
    runtime.reset()
    assert otel._providers == (None, None) and otel._instruments is None


def test_reset_unregisters_the_metrics_collector():
    registry = CollectorRegistry()
    assert exporter.register(registry) is not None
    assert b"claude_pm_" in generate_latest(registry)
    runtime.reset()
    assert b"claude_pm_" not in generate_latest(registry)
    assert exporter.register(registry) is not None  # registers again, no duplicate error


def test_reset_rebuilds_the_settings_and_forgets_the_prompt_libraries():
    settings = get_settings()
    prompt_library_module.load_prompt_library()
    assert prompt_library_module._libraries
    runtime.reset()
    assert prompt_library_module._libraries == {}
    assert get_settings() is not settings
    assert get_settings() == settings


# -- fork --------------------------------------------------------------------------------------


def _in_child(report) -> int:  # type: ignore[no-untyped-def]
    """Fork; the child sends `report()` (JSON) through a pipe and exits with os._exit."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.write(write, json.dumps(report()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return json.loads(text)


@needs_fork
def test_the_one_fork_handler_runs_each_child_step_once_in_the_fork_order(monkeypatch):
    ran: list[str] = []
    with_child_steps = [name for name in runtime.registered() if runtime._holders[name].after_fork_in_child is not None]
    assert len(with_child_steps) == len(runtime.FORK_ORDER)
    for name, holder in list(runtime._holders.items()):
        if holder.after_fork_in_child is not None:
            step = holder.after_fork_in_child

            def recorded(step=step, name=name) -> None:
                ran.append(name)
                step()

            monkeypatch.setitem(runtime._holders, name, dataclasses.replace(holder, after_fork_in_child=recorded))
    assert _in_child(lambda: ran) == with_child_steps
    assert ran == []  # the parent runs no child step


@needs_fork
def test_a_failing_child_step_is_reported_and_the_later_steps_still_run(monkeypatch):
    def failing() -> None:
        raise RuntimeError("boom")

    holder = runtime._holders["sessions"]
    monkeypatch.setitem(runtime._holders, "sessions", dataclasses.replace(holder, after_fork_in_child=failing))
    reported: list[str] = []
    monkeypatch.setattr("sys.unraisablehook", lambda unraisable: reported.append(unraisable.err_msg))
    parent_writer_lock = multiprocess._writer_lock
    outcome = _in_child(lambda: [reported, multiprocess._writer_lock is not parent_writer_lock])
    assert outcome == [["Exception ignored in the claude_pm runtime's after_fork_in_child step of 'sessions'"], True]


def _module_locks() -> dict[str, threading.Lock]:
    return {
        "config": config_module._lock,
        "sessions": sessions._pins_lock,
        "budget": budget._lock,
        "prompt_library": prompt_library_module._lock,
        "prompt_cache": SharedPromptCache._instance_lock,
        "quality_guard": guard_module._lock,
        "decision_log": decision_log_registry._lock,
        "otel": otel._lock,
        "metrics_exporter": exporter._register_lock,
        "metrics_writer": multiprocess._writer_lock,
        "selection": selection._lock,
    }


@needs_fork
def test_a_child_forked_while_threads_hold_every_lock_has_fresh_ones_no_parent_writer_and_selects(
    tmp_path, monkeypatch, decision_log_file
):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    _select()
    parent_metrics_writer = multiprocess.own_writer()
    parent_decision_log = get_decision_log()
    assert parent_metrics_writer is not None and parent_decision_log is not None
    locks = _module_locks()
    holding, release = threading.Event(), threading.Event()

    def hold_every_lock() -> None:
        for lock in locks.values():
            lock.acquire()
        holding.set()
        release.wait(30)
        for lock in locks.values():
            lock.release()

    holder = threading.Thread(target=hold_every_lock)
    holder.start()
    assert holding.wait(10)

    def report() -> dict:
        fresh = {name: not lock.locked() and lock is not locks[name] for name, lock in _module_locks().items()}
        child_writer = multiprocess.own_writer()
        before = {
            "fresh": fresh,
            "metrics_writer_is_the_childs": child_writer is not None and child_writer is not parent_metrics_writer,
            "decision_log_forgotten": decision_log_registry._current is None,
        }
        config = _select("qa", "Refactor the billing system into separate services")
        return {
            **before,
            "selected": config["complexity_level"],
            "own_decision_log": get_decision_log() is not parent_decision_log,
            "flushed": get_decision_log().close(20),
        }

    try:
        outcome = _in_child(report)
    finally:
        release.set()
        holder.join()
    assert outcome == {
        "fresh": dict.fromkeys(locks, True),
        "metrics_writer_is_the_childs": True,
        "decision_log_forgotten": True,
        "selected": "COMPLEX",
        "own_decision_log": True,
        "flushed": True,
    }
