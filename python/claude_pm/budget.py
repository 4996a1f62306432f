"""Daily spend caps per agent (CLAUDE_PM_<AGENT>_DAILY_BUDGET_USD).

Spend is usage priced with the pricing table (`claude_pm.pricing`), per UTC day:

- **This process**: every usage report (`TaskToolHelper` after a run or
  `complete_subprocess(usage=...)`, and `decision_log.record_usage`) is priced and added
  to the agent's total for the day. A decision reported twice counts once, with its
  latest counts, as in the decision log.
- **The fleet**: with a PostgreSQL decision log every pod also reads the whole fleet's
  spend for the day from the log, at most every `FLEET_REFRESH_SECONDS`, on a background
  thread; the hot path reads the cached totals. The spend used is the larger of the
  fleet's and the process's own (usage not yet committed is in the latter only).

The hot path (`BudgetGate.check`) is dictionary lookups and a clock read; it never
waits for the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Callable

from claude_pm import runtime
from claude_pm.config import get_settings
from claude_pm.pricing import PricingTable, load_pricing

__all__ = [
    "FLEET_REFRESH_SECONDS",
    "BudgetGate",
    "FleetSpend",
    "SpendLedger",
    "budget_gate",
    "note_decision",
    "record_usage",
    "spend_ledger",
    "utc_day",
]

logger = logging.getLogger("claude_pm.budget")

FLEET_REFRESH_SECONDS = 5.0
# Decisions whose usage may still be reported (so a report is priced once, at its model).
_TRACKED_DECISIONS = 100_000
_FLEET_QUERY = (
    "SELECT d.agent, d.model_id, SUM(u.input_tokens), SUM(u.output_tokens) FROM claude_pm_usage u "
    "JOIN claude_pm_decisions d ON d.id = u.decision_id WHERE u.ts >= ? GROUP BY d.agent, d.model_id"
)
_WARN_EVERY = 60.0


def utc_day(now: float) -> int:
    """Days since the epoch in UTC: the budget period `now` (POSIX seconds) falls in."""
    return int(now // 86400)


class SpendLedger:
    """This process's priced usage per agent for the current UTC day. Thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._spend: dict[str, tuple[int, float]] = {}
        # decision id -> (agent, model id, day, cost counted for it)
        self._decisions: OrderedDict[str, tuple[str, str, int, float]] = OrderedDict()
        self.unpriced_reports = 0

    def note_decision(self, decision_id: str, agent: str, model_id: str) -> None:
        """Remember which agent and model a decision went to, for a later usage report by id."""
        with self._lock:
            self._decisions[decision_id] = (agent, model_id, -1, 0.0)
            while len(self._decisions) > _TRACKED_DECISIONS:
                self._decisions.popitem(last=False)

    def record(
        self,
        pricing: PricingTable,
        agent: str | None,
        model_id: str | None,
        input_tokens: int,
        output_tokens: int,
        decision_id: str | None = None,
    ) -> None:
        """Add a usage report; by `decision_id` alone when agent and model are not known here."""
        now = self._clock()
        day = utc_day(now)
        with self._lock:
            previous = None if decision_id is None else self._decisions.get(decision_id)
            if previous is not None:
                agent, model_id = agent or previous[0], model_id or previous[1]
            if agent is None or model_id is None:
                return  # a decision this process did not select (or forgot): not ours to count
            price = pricing.get(model_id)
            if price is None:
                self.unpriced_reports += 1
                return
            cost = price.cost(input_tokens, output_tokens)
            counted = cost
            if previous is not None and previous[2] == day:
                counted -= previous[3]  # a repeated report replaces the earlier counts
            if decision_id is not None:
                self._decisions[decision_id] = (agent, model_id, day, cost)
            spend_day, spend = self._spend.get(agent, (day, 0.0))
            self._spend[agent] = (day, (spend if spend_day == day else 0.0) + counted)

    def spent(self, agent: str, day: int) -> float:
        entry = self._spend.get(agent)
        return entry[1] if entry is not None and entry[0] == day else 0.0

    def clear(self) -> None:
        with self._lock:
            self._spend.clear()
            self._decisions.clear()
            self.unpriced_reports = 0


class FleetSpend:
    """The fleet's spend per agent today, read from a PostgreSQL decision log in the background."""

    def __init__(
        self,
        target: str,
        pricing: PricingTable,
        *,
        refresh_seconds: float = FLEET_REFRESH_SECONDS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.pricing = pricing
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._monotonic = monotonic
        self._spend: tuple[int, Mapping[str, float]] = (-1, {})
        self._next_refresh = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._store = None
        self._refresh_lock = threading.Lock()
        self._last_warning = -_WARN_EVERY
        self.refreshes = 0
        self.failures = 0
        self._thread = threading.Thread(target=self._run, name="claude-pm-budget-fleet", daemon=True)
        self._thread.start()

    def spent(self, agent: str, day: int) -> float:
        """The cached fleet spend (0 until the first read); asks for a refresh when it is stale."""
        if self._monotonic() >= self._next_refresh:
            self._next_refresh = self._monotonic() + self.refresh_seconds
            self._request_refresh()
        cached_day, spend = self._spend
        return spend.get(agent, 0.0) if cached_day == day else 0.0

    def _request_refresh(self) -> None:
        self._wake.set()

    def refresh(self) -> None:
        """Read the fleet's spend for today now (the background thread's work)."""
        with self._refresh_lock:  # the background thread and a direct call share one connection
            self._refresh()

    def _refresh(self) -> None:
        # Loaded only for a PostgreSQL decision log with a budget; the decision log's
        # registry imports this module (it counts usage against the budgets).
        from claude_pm.decision_log.backends import open_reader
        from claude_pm.decision_log.store import redact

        now = self._clock()
        day = utc_day(now)
        try:
            if self._store is None:
                self._store = open_reader(self.target)
            rows = self._store.query(_FLEET_QUERY, (day * 86400.0,))
        except Exception as error:
            self.failures += 1
            self._close_store()
            if self._monotonic() - self._last_warning >= _WARN_EVERY:
                self._last_warning = self._monotonic()
                first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                logger.warning("cannot read the fleet's spend from %s: %s", redact(self.target), redact(first))
            return
        spend: dict[str, float] = {}
        for agent, model_id, input_tokens, output_tokens in rows:
            price = self.pricing.get(model_id)
            if price is not None:
                spend[agent] = spend.get(agent, 0.0) + price.cost(int(input_tokens or 0), int(output_tokens or 0))
        self._spend = (day, spend)
        self.refreshes += 1

    def close(self) -> None:
        self._stop.set()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stop.is_set():
                break
            self.refresh()
        self._close_store()

    def _close_store(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            try:
                store.close()
            except Exception:
                logger.debug("closing the fleet-spend connection failed", exc_info=True)


class BudgetGate:
    """The configured budgets with where their spend comes from; built per settings object."""

    def __init__(
        self,
        budgets: Mapping[str, float],
        action: str,
        ledger: SpendLedger,
        fleet: FleetSpend | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.budgets = budgets
        self.action = action
        self.ledger = ledger
        self.fleet = fleet
        self._clock = clock

    def check(self, agent: str) -> tuple[float, float] | None:
        """(spent today, budget) of `agent`, or None when it has no budget."""
        budget = self.budgets.get(agent)
        if budget is None:
            return None
        day = utc_day(self._clock())
        spent = self.ledger.spent(agent, day)
        if self.fleet is not None:
            spent = max(spent, self.fleet.spent(agent, day))
        return spent, budget

    def gauges(self) -> dict[str, tuple[float, float]]:
        """agent -> (spent today, budget) for every agent with a budget."""
        return {agent: pair for agent in self.budgets if (pair := self.check(agent)) is not None}


_ledger = SpendLedger()
_pricing: tuple[str | None, PricingTable] | None = None
_fleet: FleetSpend | None = None
_gate: BudgetGate | None = None
_lock = threading.Lock()


def spend_ledger() -> SpendLedger:
    return _ledger


def _pricing_for(pricing_file: str | None) -> PricingTable:
    global _pricing
    if _pricing is None or _pricing[0] != pricing_file:
        _pricing = (pricing_file, load_pricing(pricing_file))
    return _pricing[1]


def budget_gate(settings) -> BudgetGate | None:  # type: ignore[no-untyped-def]
    """The gate for `settings` (None when no agent has a budget); called when settings change."""
    global _fleet, _gate
    if not settings.agent_daily_budget_usd:
        with _lock:
            _gate = None
            if _fleet is not None:  # no budget left to read the fleet's spend for
                _fleet.close()
                _fleet = None
        return None
    # As in FleetSpend._refresh: the decision log imports this module.
    from claude_pm.decision_log.store import is_postgres_target

    with _lock:
        pricing = _pricing_for(settings.pricing_file)
        target = settings.decision_log
        fleet_target = target if target is not None and is_postgres_target(target) else None
        if _fleet is not None and (_fleet.target != fleet_target or _fleet.pricing is not pricing):
            _fleet.close()
            _fleet = None
        if _fleet is None and fleet_target is not None:
            _fleet = FleetSpend(fleet_target, pricing)
        _gate = BudgetGate(settings.agent_daily_budget_usd, settings.budget_action, _ledger, _fleet)
        return _gate


def current_gate() -> BudgetGate | None:
    """The gate the pipeline uses now, building nothing (for metrics)."""
    return _gate


def note_decision(decision_id: str, agent: str, model_id: str) -> None:
    _ledger.note_decision(decision_id, agent, model_id)


def record_usage(
    decision_id: str | None,
    input_tokens: int,
    output_tokens: int,
    agent: str | None = None,
    model_id: str | None = None,
) -> None:
    """Count a usage report against the agent's budget; a no-op while no agent has a budget."""
    gate = _gate
    if gate is None:
        return
    _ledger.record(_pricing_for(get_settings().pricing_file), agent, model_id, input_tokens, output_tokens, decision_id)


def _forget_in_child() -> None:
    # The fleet reader's thread and connection are the parent's; the child reads its own.
    global _fleet, _gate, _lock
    _lock = threading.Lock()
    _ledger._lock = threading.Lock()
    _fleet = None
    _gate = None


def _reset() -> None:
    global _fleet, _gate, _ledger, _pricing
    with _lock:
        if _fleet is not None:
            _fleet.close()
        _fleet = _gate = _pricing = None
        _ledger = SpendLedger()


runtime.register("budget", after_fork_in_child=_forget_in_child, reset=_reset)
