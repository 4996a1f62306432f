"""Daily spend caps per agent: priced usage, one tier down or refused, the fleet's spend from PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from claude_pm import budget, decision_log, selection
from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info
from claude_pm.budget import FleetSpend, SpendLedger, utc_day
from claude_pm.decision_log import flush, open_store
from claude_pm.errors import BudgetExceededError, ConfigError
from claude_pm.pricing import load_pricing
from claude_pm.utils.task_tool_helper import TaskToolHelper
from decision_log_support import decision, pg_dsn, record_all

SIMPLE = "fix a typo in the readme"
COMPLEX = "Design a distributed event-sourced architecture for the billing platform with migration plan"
OPUS, SONNET, HAIKU = "claude-4-opus", "claude-sonnet-4-20250514", "claude-3-haiku-20240307"
DAY = 86400.0


class FakeClock:
    def __init__(self, now: float = 20_000 * DAY + 3600) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def fresh_ledger():
    budget.spend_ledger().clear()
    selection._current_state().sessions.clear()
    yield budget.spend_ledger()
    budget.spend_ledger().clear()


def _select(agent: str, task: str, **kwargs):
    _, model_id, config = get_agent_prompt_with_model_info(agent, task_description=task, **kwargs)
    return model_id, config


def _spend(agent: str, tokens: int) -> None:
    """Run one delegation of `agent` that used `tokens` input tokens (opus: $15 per million)."""
    helper = TaskToolHelper()
    created = asyncio.run(helper.create_agent_subprocess(agent, COMPLEX))
    helper.complete_subprocess(created["subprocess_id"], "done", usage={"input_tokens": tokens, "output_tokens": 0})


# -- the ledger ------------------------------------------------------------------------------


def test_usage_is_priced_per_agent_and_utc_day():
    clock = FakeClock()
    ledger = SpendLedger(clock)
    pricing = load_pricing()
    ledger.record(pricing, "qa", OPUS, 1_000_000, 0)
    ledger.record(pricing, "qa", HAIKU, 0, 2_000_000)
    ledger.record(pricing, "ops", SONNET, 1_000_000, 1_000_000)
    today = utc_day(clock.now)
    assert ledger.spent("qa", today) == pytest.approx(15.5)
    assert ledger.spent("ops", today) == pytest.approx(6.0)
    clock.now = (today + 1) * DAY  # 00:00 UTC the next day
    assert ledger.spent("qa", today + 1) == 0.0
    ledger.record(pricing, "qa", OPUS, 100_000, 0)
    assert ledger.spent("qa", today + 1) == pytest.approx(1.5)


def test_a_decision_reported_again_counts_once_with_its_latest_counts():
    clock = FakeClock()
    ledger = SpendLedger(clock)
    pricing = load_pricing()
    ledger.note_decision("d-1", "qa", OPUS)
    ledger.record(pricing, None, None, 1_000_000, 0, "d-1")
    ledger.record(pricing, "qa", OPUS, 1_000_000, 0, "d-1")  # the same report through a second path
    assert ledger.spent("qa", utc_day(clock.now)) == pytest.approx(15.0)
    ledger.record(pricing, None, None, 2_000_000, 0, "d-1")  # replaced, as in the decision log
    assert ledger.spent("qa", utc_day(clock.now)) == pytest.approx(30.0)
    ledger.record(pricing, None, None, 5, 5, "never-selected-here")
    assert ledger.spent("qa", utc_day(clock.now)) == pytest.approx(30.0)


def test_unpriced_models_are_counted_not_priced_at_zero():
    ledger = SpendLedger(FakeClock())
    ledger.record(load_pricing(), "qa", "claude-unknown-9", 1000, 1000)
    assert ledger.unpriced_reports == 1


# -- the pipeline ----------------------------------------------------------------------------


def test_under_budget_nothing_changes_and_the_spend_is_reported(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_QA_DAILY_BUDGET_USD", "10")
    model_id, config = _select("qa", COMPLEX)
    assert model_id == OPUS and config["route_reason"] is None
    assert config["budget"] == {"spent_usd": 0.0, "budget_usd": 10.0, "exhausted": False, "action": None}
    _, other = _select("engineer", COMPLEX)
    assert other["budget"] is None


def test_over_budget_tasks_go_one_tier_down_never_below_haiku(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_QA_DAILY_BUDGET_USD", "1.5")
    _spend("qa", 100_000)  # $1.50 on opus: the budget is spent
    model_id, config = _select("qa", COMPLEX)
    assert (model_id, config["model_tier"], config["route_reason"]) == (SONNET, "sonnet", "budget")
    assert config["complexity_level"] == "COMPLEX"
    assert config["budget"]["exhausted"] and config["budget"]["action"] == "downgrade"
    assert config["budget"]["spent_usd"] == pytest.approx(1.5)
    model_id, config = _select("qa", SIMPLE)
    assert (model_id, config["route_reason"]) == (HAIKU, None)
    assert config["budget"]["exhausted"]
    assert _select("ops", COMPLEX)[0] == OPUS  # another agent's budget is its own


def test_refuse_raises_and_records_nothing(monkeypatch, decision_log_file):
    monkeypatch.setenv("CLAUDE_PM_QA_DAILY_BUDGET_USD", "0")
    monkeypatch.setenv("CLAUDE_PM_BUDGET_ACTION", "refuse")
    before = selection.selection_stats().snapshot()["total_selections"]
    with pytest.raises(BudgetExceededError, match=r"'qa' has spent \$0.0000 of its \$0.0000 daily budget") as caught:
        _select("qa", SIMPLE)
    assert (caught.value.agent, caught.value.budget_usd) == ("qa", 0.0)
    with pytest.raises(BudgetExceededError):
        asyncio.run(TaskToolHelper().create_agent_subprocess("qa", SIMPLE))
    assert selection.selection_stats().snapshot()["total_selections"] == before
    assert flush(10)
    assert not decision_log_file.exists() or _route_reasons(str(decision_log_file)) == []


def _route_reasons(target: str) -> list:
    store = open_store(target)
    try:
        return [row[0] for row in store.query("SELECT route_reason FROM claude_pm_decisions ORDER BY ts")]
    finally:
        store.close()


def test_the_decision_log_records_the_budget_route_reason_and_counts_its_usage(monkeypatch, decision_log_file):
    monkeypatch.setenv("CLAUDE_PM_QA_DAILY_BUDGET_USD", "3")
    helper = TaskToolHelper()
    created = asyncio.run(helper.create_agent_subprocess("qa", COMPLEX))
    # Reported twice, through the helper and straight to the decision log: counted once.
    helper.complete_subprocess(created["subprocess_id"], "done", usage={"input_tokens": 200_000, "output_tokens": 0})
    decision_log.record_usage(created["decision_id"], 200_000, 0)
    _, config = _select("qa", COMPLEX)
    assert config["budget"]["spent_usd"] == pytest.approx(3.0)
    assert config["route_reason"] == "budget"
    assert flush(10)
    assert _route_reasons(str(decision_log_file)) == [None, "budget"]


def test_usage_reported_to_the_decision_log_for_an_agent_loader_selection_counts(monkeypatch, decision_log_file):
    monkeypatch.setenv("CLAUDE_PM_QA_DAILY_BUDGET_USD", "1")
    chosen = selection.select("qa", task_description=COMPLEX)
    decision_log.record_usage(chosen.decision_id, 100_000, 0)
    assert _select("qa", COMPLEX)[1]["budget"]["spent_usd"] == pytest.approx(1.5)


def test_the_budget_resets_at_midnight_utc(monkeypatch, fresh_ledger):
    monkeypatch.setenv("CLAUDE_PM_QA_DAILY_BUDGET_USD", "1")
    clock = FakeClock()
    monkeypatch.setattr(fresh_ledger, "_clock", clock)
    gate = selection._current_state().budgets
    monkeypatch.setattr(gate, "_clock", clock)
    _spend("qa", 100_000)
    assert _select("qa", COMPLEX)[0] == SONNET
    clock.now = (utc_day(clock.now) + 1) * DAY
    assert _select("qa", COMPLEX)[0] == OPUS


def test_the_budget_beats_the_session_pin_and_the_pin_outlives_it(monkeypatch, fresh_ledger):
    monkeypatch.setenv("CLAUDE_PM_QA_DAILY_BUDGET_USD", "1")
    clock = FakeClock()
    monkeypatch.setattr(fresh_ledger, "_clock", clock)
    monkeypatch.setattr(selection._current_state().budgets, "_clock", clock)
    assert _select("qa", COMPLEX, session_id="s")[0] == OPUS
    _spend("qa", 100_000)
    model_id, config = _select("qa", SIMPLE, session_id="s")
    assert (model_id, config["route_reason"], config["session"]["action"]) == (SONNET, "budget", "pinned")
    clock.now = (utc_day(clock.now) + 1) * DAY
    assert _select("qa", SIMPLE, session_id="s")[0] == OPUS


def test_an_alias_configures_the_canonical_agent(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_ORCHESTRATOR_DAILY_BUDGET_USD", "4")
    assert _select("pm", COMPLEX)[1]["budget"]["budget_usd"] == 4.0


@pytest.mark.parametrize("value", ["-1", "lots", "nan", "1e12"])
def test_a_bad_budget_is_a_config_error_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("CLAUDE_PM_QA_DAILY_BUDGET_USD", value)
    with pytest.raises(ConfigError, match="CLAUDE_PM_QA_DAILY_BUDGET_USD") as caught:
        _select("qa", SIMPLE)
    assert caught.value.variable == "CLAUDE_PM_QA_DAILY_BUDGET_USD"


def test_a_bad_budget_action_is_a_config_error(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_BUDGET_ACTION", "block")
    with pytest.raises(ConfigError, match="CLAUDE_PM_BUDGET_ACTION='block' is not valid: expected downgrade or refuse"):
        _select("qa", SIMPLE)


def test_without_budgets_the_pipeline_has_no_gate():
    assert selection._current_state().budgets is None
    assert "budget" not in _select("qa", SIMPLE)[1]


def test_spend_and_budget_are_exported_as_gauges(monkeypatch):
    from claude_pm.metrics import ClaudePMCollector
    from prometheus_client import CollectorRegistry, generate_latest

    monkeypatch.setenv("CLAUDE_PM_QA_DAILY_BUDGET_USD", "2")
    _spend("qa", 100_000)
    registry = CollectorRegistry()
    registry.register(ClaudePMCollector())
    text = generate_latest(registry).decode()
    assert 'claude_pm_budget_spent_usd{agent="qa"} 1.5' in text
    assert 'claude_pm_budget_usd{agent="qa"} 2.0' in text


# -- the fleet (PostgreSQL) ------------------------------------------------------------------


@pytest.fixture
def fleet_log(tmp_path, monkeypatch):
    from decision_log_support import _reset_postgres

    dsn = pg_dsn()
    _reset_postgres(dsn)
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG_SPOOL_DIR", str(tmp_path / "spool"))
    yield dsn
    flush(5)


def test_the_fleets_spend_is_read_from_postgresql(fleet_log, monkeypatch):
    # Another pod's decisions and usage, committed to the shared log.
    record_all(
        fleet_log,
        [decision(agent="qa", model_id=OPUS), decision(agent="qa", model_id=SONNET), decision(agent="ops")],
        usage={0: (100_000, 0), 1: (0, 500_000), 2: (1_000_000, 0)},
    )
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", fleet_log)
    monkeypatch.setenv("CLAUDE_PM_QA_DAILY_BUDGET_USD", "3")
    gate = selection._current_state().budgets
    assert gate.fleet is not None and gate.fleet.target == fleet_log
    gate.fleet.refresh()
    assert gate.fleet.refreshes >= 1
    spent, limit = gate.check("qa")
    assert (spent, limit) == (pytest.approx(3.0), 3.0)
    model_id, config = _select("qa", COMPLEX)
    assert (model_id, config["route_reason"]) == (SONNET, "budget")


def test_the_fleet_is_asked_at_most_once_per_refresh_interval(fleet_log):
    monotonic = FakeClock(100.0)
    fleet = FleetSpend(fleet_log, load_pricing(), refresh_seconds=5.0, monotonic=monotonic)
    wakes = []
    fleet._request_refresh = lambda: wakes.append(monotonic.now)
    try:
        for _ in range(100):
            fleet.spent("qa", utc_day(0))
        monotonic.now += 4.9
        fleet.spent("qa", utc_day(0))
        monotonic.now += 0.2
        fleet.spent("qa", utc_day(0))
        assert wakes == [100.0, pytest.approx(105.1)]
    finally:
        fleet.close()


def test_an_unreachable_fleet_log_is_counted_and_never_raises(monkeypatch):
    fleet = FleetSpend("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1", load_pricing())
    try:
        fleet.refresh()
        assert fleet.failures == 1 and fleet.spent("qa", utc_day(0)) == 0.0
    finally:
        fleet.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_while_the_ledger_lock_is_held_still_counts(monkeypatch, fresh_ledger):
    monkeypatch.setenv("CLAUDE_PM_QA_DAILY_BUDGET_USD", "1")
    _spend("qa", 100_000)
    fresh_ledger._lock.acquire()  # another thread mid-report at the fork
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            signal.alarm(20)  # a deadlock ends the child, not the test run
            try:
                _spend("qa", 1)
                os._exit(0 if _select("qa", COMPLEX)[0] == SONNET else 1)
            except BaseException:
                os._exit(2)
    finally:
        fresh_ledger._lock.release()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_budget_for_an_unknown_agent_is_reported_as_unrecognised():
    from claude_pm.agents.base_agent_loader import AGENT_NAMES
    from claude_pm.config import unrecognised_variables

    env = {"CLAUDE_PM_QA_DAILY_BUDGET_USD": "5", "CLAUDE_PM_QAA_DAILY_BUDGET_USD": "5"}
    assert unrecognised_variables(tuple(AGENT_NAMES), env) == ["CLAUDE_PM_QAA_DAILY_BUDGET_USD"]


def test_the_fleet_reader_stops_when_the_last_budget_is_removed(fleet_log, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", fleet_log)
    monkeypatch.setenv("CLAUDE_PM_QA_DAILY_BUDGET_USD", "3")
    fleet = selection._current_state().budgets.fleet
    assert fleet._thread.is_alive()
    monkeypatch.delenv("CLAUDE_PM_QA_DAILY_BUDGET_USD")
    assert selection._current_state().budgets is None
    fleet._thread.join(10)
    assert not fleet._thread.is_alive()
