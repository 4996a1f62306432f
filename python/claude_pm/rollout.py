"""Rollout decisions (is optimisation on for this agent, user and moment?) and gradual rollback.

`should_enable_optimization` sits on the selection hot path. Everything that depends only
on the settings (switches, forced models, which gates apply, every possible Decision) is
computed once per Settings object and per agent; a call then costs a dictionary lookup,
plus the clock only when windows are configured and an md5 only when a percentage below
100 meets a user id.

Order of decisions, first match wins:

1. ``CLAUDE_PM_<AGENT>_MODEL`` forces a model: optimisation is off for that agent
   (``forced_model``); no switch or gate is consulted.
2. ``CLAUDE_PM_<AGENT>_MODEL_SELECTION``, when set, decides on/off for that agent
   (``agent_switch_off``, or on and on to the gates).
3. ``ENABLE_DYNAMIC_MODEL_SELECTION`` decides for agents without their own switch
   (``global_switch_off``, or on and on to the gates).
4. Rollout gates, only for an agent a switch turned on. A switch turns optimisation on *for
   the users and moments the rollout admits*, so an operator can enable an agent and still
   limit it to 10% of users or to night hours:

   a. ``CLAUDE_PM_ROLLOUT_WINDOWS``: outside every window -> ``outside_window``.
   b. ``CLAUDE_PM_<AGENT>_ROLLOUT_PERCENTAGE`` (else ``CLAUDE_PM_ROLLOUT_PERCENTAGE``)
      below 100: percentage 0 -> ``percentage_out``; no user id -> ``no_user_id`` (not
      enrolled: an anonymous request cannot be kept in a stable cohort); otherwise the
      guide's bucket ``int(md5(user_id).hexdigest(), 16) % 100 < percentage`` ->
      ``percentage_in`` / ``percentage_out``. Raising the percentage only adds users.

   Passing every gate gives ``percentage_in`` when a percentage applied, else
   ``inside_window``; with no gate configured the switch's own code is the reason
   (``agent_switch_on`` / ``global_switch_on``).

``CLAUDE_PM_TEST_MODE`` (shadow mode) does not change the decision: it sets
``Decision.shadow`` so the pipeline counts it as shadow and serves the defaults.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import time as dt_time
from functools import lru_cache
from typing import Callable, Union
from zoneinfo import ZoneInfo

from claude_pm._core import ENABLING_REASON_COUNT, ROLLOUT_REASONS, RolloutGates, user_bucket
from claude_pm.config import RolloutWindow, Settings, agent_variable, get_settings
from claude_pm.prompt_library import resolve_agent_name

__all__ = [
    "ENABLING_REASONS",
    "REASONS",
    "Decision",
    "gradual_rollback",
    "router_plan",
    "should_enable_optimization",
    "user_bucket",
]

#: Every reason code a Decision can carry, enabling ones first. Stable: statistics,
#: metrics and the decision log count decisions by these strings (the native router
#: owns them: it decides with them).
REASONS: tuple[str, ...] = ROLLOUT_REASONS
ENABLING_REASONS: tuple[str, ...] = ROLLOUT_REASONS[:ENABLING_REASON_COUNT]

_GLOBAL_SWITCH = "ENABLE_DYNAMIC_MODEL_SELECTION"
_GLOBAL_PERCENTAGE = "CLAUDE_PM_ROLLOUT_PERCENTAGE"
_MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Decision:
    """Whether complexity-based optimisation applies to one request, and why.

    `reason` is one of `REASONS` (a stable code for counting); `detail` says the same for
    humans, naming the variable that decided. `shadow` is True in CLAUDE_PM_TEST_MODE.
    """

    enabled: bool
    reason: str
    shadow: bool = False
    detail: str = ""


@lru_cache(maxsize=8)
def _open_minutes(windows: tuple[RolloutWindow, ...]) -> bytes:
    """One byte per minute of the day, 1 inside any window (empty: no window gate)."""
    if not windows:
        return b""
    return bytes(
        any(window.contains(dt_time(minute // 60, minute % 60)) for window in windows)
        for minute in range(_MINUTES_PER_DAY)
    )


class _Gates:
    """The rollout gates of one agent under one Settings, with every outcome prebuilt."""

    __slots__ = ("by_reason", "gates", "open_minutes", "percentage", "zone")

    def __init__(
        self, settings: Settings, switch_detail: str, shadow: bool, percentage: float | None, percentage_variable: str
    ) -> None:
        self.open_minutes = _open_minutes(settings.rollout_windows)
        self.zone = windows_zone(settings)
        self.percentage = percentage
        where = ",".join(str(window) for window in settings.rollout_windows)
        if settings.rollout_timezone:
            where += f" {settings.rollout_timezone}"
        # The gates themselves are the native ones the router decides with.
        self.gates = RolloutGates(self.open_minutes or None, percentage)
        share = f"{percentage_variable}={100.0 if percentage is None else percentage:g}"
        self.by_reason = {
            "inside_window": Decision(True, "inside_window", shadow, f"{switch_detail}; time inside {where}"),
            "outside_window": Decision(False, "outside_window", shadow, f"{switch_detail}; time outside {where}"),
            "no_user_id": Decision(False, "no_user_id", shadow, f"{switch_detail}; {share} needs a user id"),
            "percentage_in": Decision(True, "percentage_in", shadow, f"{switch_detail}; user bucket within {share}"),
            "percentage_out": Decision(
                False, "percentage_out", shadow, f"{switch_detail}; user bucket outside {share}"
            ),
        }

    def decide(self, user_id: str | None, now: datetime | None) -> Decision:
        minute = None
        if self.open_minutes:
            moment = self._local_time(now)
            minute = moment.hour * 60 + moment.minute
        return self.by_reason[self.gates.decide(user_id, minute)]

    def _local_time(self, now: datetime | None) -> dt_time:
        if now is None:
            now = datetime.now(self.zone)
        elif self.zone is not None or now.tzinfo is not None:
            # Naive moments are local time, which is also what astimezone assumes for them.
            now = now.astimezone(self.zone)
        return now.time()


_Plan = Union[Decision, _Gates]


class _State:
    """Per-Settings plans, one per canonical agent name, built on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.plans: dict[str, _Plan] = {}

    def plan(self, agent: str) -> _Plan:
        name = resolve_agent_name(agent)
        plan = self.plans.get(name)
        if plan is None:
            plan = self.plans[name] = _plan(self.settings, name)
        return plan


def _plan(settings: Settings, agent: str) -> _Plan:
    shadow = settings.test_mode
    forced = settings.agent_forced_model.get(agent)
    if forced is not None:
        return Decision(False, "forced_model", shadow, f"{agent_variable(agent, 'MODEL')} forces {forced}")
    switch_variable = agent_variable(agent, "MODEL_SELECTION")
    switch = settings.agent_model_selection.get(agent)
    if switch is False:
        return Decision(False, "agent_switch_off", shadow, f"{switch_variable}=false")
    if switch is True:
        on_reason, on_detail = "agent_switch_on", f"{switch_variable}=true"
    elif not settings.dynamic_model_selection:
        return Decision(False, "global_switch_off", shadow, f"{_GLOBAL_SWITCH}=false")
    else:
        default = "" if _GLOBAL_SWITCH in settings.set_variables else " (default)"
        on_reason, on_detail = "global_switch_on", f"{_GLOBAL_SWITCH}=true{default}"

    percentage_variable = agent_variable(agent, "ROLLOUT_PERCENTAGE")
    percentage = settings.agent_rollout_percentage.get(agent)
    if percentage is None:
        percentage, percentage_variable = settings.rollout_percentage, _GLOBAL_PERCENTAGE
    gated_percentage = percentage if percentage < 100.0 else None
    if gated_percentage is None and not settings.rollout_windows:
        return Decision(True, on_reason, shadow, on_detail)
    return _Gates(settings, on_detail, shadow, gated_percentage, percentage_variable)


def router_plan(settings: Settings, agent: str) -> tuple:
    """The agent's plan as the native router reads it: ("fixed", reason) when the
    settings alone decide, else ("gated", open minutes or None, percentage or None)."""
    plan = _plan(settings, agent)
    if isinstance(plan, Decision):
        return ("fixed", plan.reason)
    return ("gated", plan.open_minutes or None, plan.percentage)


def windows_zone(settings: Settings) -> ZoneInfo | None:
    """The time zone the rollout windows are written in (None: local time)."""
    return None if settings.rollout_timezone is None else ZoneInfo(settings.rollout_timezone)


_state: _State | None = None
_state_lock = threading.Lock()


def _state_for(settings: Settings) -> _State:
    global _state
    with _state_lock:
        state = _state
        if state is None or state.settings is not settings:
            state = _state = _State(settings)
        return state


def should_enable_optimization(
    agent: str,
    user_id: str | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> Decision:
    """Decide whether complexity-based optimisation applies to `agent` for this request.

    `user_id` feeds the percentage gate (``None`` or ``""``: no user id). `now` (default:
    the current time) feeds the window gate; a naive datetime is local time, an aware one
    is converted to the windows' time zone. `settings` defaults to `get_settings()`.
    Unknown agents raise ValueError listing the agents; bad settings raise ConfigError.
    """
    if user_id is not None and type(user_id) is not str:
        raise TypeError(f"user_id must be a str or None, not {type(user_id).__name__}")
    if now is not None and not isinstance(now, datetime):
        raise TypeError(f"now must be a datetime or None, not {type(now).__name__}")
    if settings is None:
        settings = get_settings()
    state = _state
    if state is None or state.settings is not settings:
        state = _state_for(settings)
    plan = state.plans.get(agent)
    if plan is None:
        plan = state.plan(agent)
    if isinstance(plan, Decision):
        return plan
    return plan.decide(user_id, now)


def gradual_rollback(
    agents: Iterable[str],
    delay_minutes: float = 60,
    sleep: Callable[[float], object] = time.sleep,
    echo: Callable[[str], object] = print,
) -> None:
    """Switch optimisation off agent by agent, in the order given, then globally.

    Each step sets ``os.environ["CLAUDE_PM_<AGENT>_MODEL_SELECTION"] = "false"`` (the
    guide's procedure), which the running process obeys from its next selection, then
    waits `delay_minutes`; the last step sets ``ENABLE_DYNAMIC_MODEL_SELECTION=false``.
    Every name is checked before anything changes. Forced models (``CLAUDE_PM_<AGENT>_MODEL``)
    are not optimisation and stay in force.
    """
    if isinstance(agents, str):
        raise TypeError(
            f"agents must be a list of agent names, not the single string {agents!r}; e.g. ['engineer', 'qa']"
        )
    given = list(agents)
    names = [resolve_agent_name(agent) for agent in given]
    if type(delay_minutes) is bool or not isinstance(delay_minutes, (int, float)) or not delay_minutes >= 0:
        raise ValueError(f"delay_minutes={delay_minutes!r} is not valid: expected a number of minutes >= 0")
    for label, name in zip(given, names):
        os.environ[agent_variable(name, "MODEL_SELECTION")] = "false"
        echo(f"Disabled optimization for {label}")
        sleep(delay_minutes * 60)
    os.environ[_GLOBAL_SWITCH] = "false"
    echo("Global optimization disabled")
