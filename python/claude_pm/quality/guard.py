"""The quality guard: an (agent, tier) that fails too often gets that agent's new tasks one tier up.

Off by default (CLAUDE_PM_QUALITY_GUARD). When on, a background thread reads the
decision log at most every CLAUDE_PM_QUALITY_GUARD_REFRESH_SECONDS: per (agent, tier)
the outcomes recorded during the last CLAUDE_PM_QUALITY_GUARD_WINDOW_MINUTES, joined to
their decisions and counted in SQL. With a PostgreSQL log that is the whole fleet's
evidence; with SQLite, every process recording to that file. The selection hot path
only looks its (agent, tier) up in the `engaged` set this thread replaces.

Engage and release (hysteresis, so the guard does not flap on noise):

- engage when at least CLAUDE_PM_QUALITY_GUARD_MIN_SAMPLES outcomes are known and the
  95 % Wilson interval's *lower* bound of the failure rate is above
  CLAUDE_PM_QUALITY_GUARD_FAILURE_RATE: the rate is too high beyond reasonable doubt,
  not because of a few unlucky tasks;
- release when the interval's *upper* bound falls below the lower
  CLAUDE_PM_QUALITY_GUARD_RELEASE_RATE (the tier is clearly fine again), or when
  fewer than the minimum samples remain in the window. While engaged the tier gets no
  new tasks of that agent, so its evidence ages out within one window: the tier is then
  tried again, and re-engaged if it still fails.

Only haiku and sonnet can be raised (to sonnet and opus). A forced model, shadow mode
and the default mapping are never changed: the guard moves only score-routed tasks.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from claude_pm import runtime
from claude_pm.config import Settings, get_settings
from claude_pm.decision_log.backends import open_reader
from claude_pm.decision_log.outcomes import OUTCOMES_TABLE
from claude_pm.definitions import TIERS
from claude_pm.errors import ConfigError
from claude_pm.prompt_library import AGENT_NAMES
from claude_pm.quality.interval import wilson_interval

__all__ = ["GUARDED_TIERS", "GuardState", "QualityGuard", "evaluate", "guard_for", "guard_states"]

logger = logging.getLogger("claude_pm.quality")

# The tiers that have a stronger tier to move to, and where they move.
RAISED_TIER: Mapping[str, str] = {tier: TIERS[index + 1] for index, tier in enumerate(TIERS[:-1])}
GUARDED_TIERS = tuple(RAISED_TIER)
_LOG_EVERY = 60.0


@dataclass(frozen=True)
class GuardState:
    """One (agent, tier)'s evidence at the last refresh and whether the guard is engaged for it."""

    outcomes: int
    failures: int
    low: float | None
    high: float | None
    engaged: bool


def evaluate(
    counts: Mapping[tuple[str, str], tuple[int, int]],
    previous: Mapping[tuple[str, str], GuardState],
    *,
    failure_rate: float,
    release_rate: float,
    min_samples: int,
) -> dict[tuple[str, str], GuardState]:
    """The next state of every (agent, tier) from its (known outcomes, failures) in the window.

    Pure: the refresher calls it with what the log holds, the tests with planted counts.
    """
    states: dict[tuple[str, str], GuardState] = {}
    for key in sorted(set(counts) | {key for key, state in previous.items() if state.engaged}):
        known, failures = counts.get(key, (0, 0))
        interval = wilson_interval(failures, known)
        low, high = (None, None) if interval is None else interval
        was_engaged = key in previous and previous[key].engaged
        enough = known >= min_samples
        if was_engaged:
            engaged = enough and not (high is not None and high < release_rate)
        else:
            engaged = enough and low is not None and low > failure_rate
        states[key] = GuardState(known, failures, low, high, engaged)
    return states


class QualityGuard:
    """The guard of one process for one set of guard settings; `engaged` is what the hot path reads."""

    def __init__(self, settings: Settings, target: str) -> None:
        self.target = target
        self.failure_rate = settings.quality_guard_failure_rate
        self.release_rate = settings.quality_guard_release_rate
        self.window_seconds = settings.quality_guard_window_minutes * 60.0
        self.min_samples = settings.quality_guard_min_samples
        self.refresh_seconds = settings.quality_guard_refresh_seconds
        #: (agent, tier) pairs whose new tasks go one tier up; replaced whole, never mutated.
        self.engaged: frozenset[tuple[str, str]] = frozenset()
        self.states: dict[tuple[str, str], GuardState] = {}
        self.refreshes = 0
        self.last_error: str | None = None
        self._last_warning = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="claude-pm-quality-guard", daemon=True)
        self._thread.start()

    def stop(self, wait: float | None = None) -> None:
        """Stop refreshing (the state stays as it is); with `wait`, join the thread for up to that long."""
        self._stop.set()
        thread = self._thread
        if wait is not None and thread is not None and thread is not threading.current_thread():
            thread.join(wait)

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._still_wanted():
                self.stop()
                break
            self.refresh()
            self._stop.wait(self.refresh_seconds)

    def _still_wanted(self) -> bool:
        """False once the settings turned the guard off or changed it (the pipeline starts a new one)."""
        try:
            settings = get_settings()
        except ConfigError:
            return True  # selections fail until it is fixed; keep the evidence meanwhile
        return settings.quality_guard and _same_settings(self, settings)

    def refresh(self, now: float | None = None) -> None:
        """Read the window's outcomes from the log and apply the engage/release rules."""
        try:
            counts = self._counts(time.time() if now is None else now)
        except Exception as error:  # a log not created yet, a database down: keep the last state
            self.last_error = str(error).splitlines()[0] if str(error) else type(error).__name__
            if time.monotonic() - self._last_warning >= _LOG_EVERY:
                self._last_warning = time.monotonic()
                logger.warning("quality guard: cannot read the decision log, keeping its state: %s", self.last_error)
            return
        self.apply(counts)

    def apply(self, counts: Mapping[tuple[str, str], tuple[int, int]]) -> None:
        states = evaluate(
            counts,
            self.states,
            failure_rate=self.failure_rate,
            release_rate=self.release_rate,
            min_samples=self.min_samples,
        )
        engaged = frozenset(key for key, state in states.items() if state.engaged)
        for agent, tier in sorted(engaged - self.engaged):
            state = states[agent, tier]
            logger.warning(
                "quality guard engaged: agent=%s tier=%s failed %d of %d outcomes (95%% interval %.1f-%.1f%%); "
                "its new tasks go to %s",
                agent,
                tier,
                state.failures,
                state.outcomes,
                (state.low or 0.0) * 100,
                (state.high or 0.0) * 100,
                RAISED_TIER[tier],
            )
        for agent, tier in sorted(self.engaged - engaged):
            logger.warning("quality guard released: agent=%s tier=%s", agent, tier)
        self.states = states
        self.engaged = engaged
        self.refreshes += 1
        self.last_error = None

    def _counts(self, now: float) -> dict[tuple[str, str], tuple[int, int]]:
        store = open_reader(self.target)
        try:
            marks = ", ".join("?" for _ in GUARDED_TIERS)
            rows = store.query(
                "SELECT d.agent, d.tier, COUNT(o.success), "
                "COALESCE(SUM(CASE WHEN o.success = ? THEN 1 ELSE 0 END), 0) "
                f"FROM {OUTCOMES_TABLE} o JOIN claude_pm_decisions d ON d.id = o.decision_id "
                f"WHERE o.ts >= ? AND d.tier IN ({marks}) GROUP BY d.agent, d.tier",
                (False, now - self.window_seconds, *GUARDED_TIERS),
            )
        finally:
            store.close()
        # Only agents the pipeline can route: the gauge's labels stay bounded.
        return {(agent, tier): (int(known), int(failed)) for agent, tier, known, failed in rows if agent in AGENT_NAMES}


_lock = threading.Lock()
_guard: QualityGuard | None = None


def guard_for(settings: Settings) -> QualityGuard | None:
    """The process's guard for `settings` (started on first use), or None while the guard is off.

    Called when the selection pipeline rebuilds its state (settings changed), never per
    selection. A guard whose settings changed is replaced; its state starts afresh.
    """
    global _guard
    if not settings.quality_guard or settings.decision_log is None:
        with _lock:
            if _guard is not None:
                _guard.stop()
                _guard = None
        return None
    with _lock:
        current = _guard
        if (
            current is not None
            and current._pid == os.getpid()
            and not current._stop.is_set()
            and _same_settings(current, settings)
        ):
            return current
        if current is not None:
            current.stop()
        _guard = QualityGuard(settings, settings.decision_log)
        _guard.start()
        return _guard


def _same_settings(guard: QualityGuard, settings: Settings) -> bool:
    return (
        guard.target == settings.decision_log
        and guard.failure_rate == settings.quality_guard_failure_rate
        and guard.release_rate == settings.quality_guard_release_rate
        and guard.window_seconds == settings.quality_guard_window_minutes * 60.0
        and guard.min_samples == settings.quality_guard_min_samples
        and guard.refresh_seconds == settings.quality_guard_refresh_seconds
    )


def guard_states() -> dict[tuple[str, str], GuardState]:
    """The running guard's last states (for the metrics gauge); empty while the guard is off."""
    guard = _guard
    return {} if guard is None else dict(guard.states)


def _forget_guard_in_child() -> None:
    # The refresher thread does not exist in a forked child; the child's pipeline starts its own.
    global _guard, _lock
    _lock = threading.Lock()
    _guard = None


def _stop_guard() -> None:
    global _guard
    with _lock:
        if _guard is not None:
            _guard.stop()
            _guard = None


runtime.register("quality_guard", after_fork_in_child=_forget_guard_in_child, reset=_stop_guard)
