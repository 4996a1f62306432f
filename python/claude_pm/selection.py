"""The one selection pipeline: agent + task in, model + sized prompt + explanation out.

`agent_loader.get_agent_prompt_with_model_info` and `TaskToolHelper.create_agent_subprocess`
both call `select`, so the library can never give two different answers for one request.

Order of decisions: a forced model beats the per-agent switch, which
beats the global switch, which comes before the rollout gates. Template sizing has its own
switch (ENABLE_DYNAMIC_PROMPT_TEMPLATES) and works whether or not model selection is on.
Shadow mode (CLAUDE_PM_TEST_MODE) computes and counts the decision but hands the caller
the agent's default model and the FULL prompt.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from claude_pm import budget, prompt_library, runtime
from claude_pm._core import Router, Scorer, ScoringRules, SelectionStats
from claude_pm.config import AGENT_ALIASES, Settings, get_settings
from claude_pm.decision_log import DecisionRecord, get_decision_log
from claude_pm.definitions import LEVEL_NAMES, OPTIMAL_PROMPT_SIZES, TIERS
from claude_pm.errors import ConfigError
from claude_pm.prompt_cache import SharedPromptCache
from claude_pm.prompt_library import (
    AGENT_NAMES,
    PromptTemplate,
    build_agent_prompt,
    resolve_agent_name,
    template_for_score,
    token_reduction_percentage,
)
from claude_pm.quality.guard import guard_for
from claude_pm.rollout import router_plan, windows_zone
from claude_pm.route_reasons import QUALITY_GUARD
from claude_pm.selection_methods import SCORE_ROUTED_METHOD
from claude_pm.session_budget import adjust as adjust_for_session_and_budget
from claude_pm.sessions import session_pins

__all__ = [
    "DEFAULT_AGENT_TIERS",
    "LEVEL_NAMES",
    "SCORE_ROUTED_METHOD",
    "Selection",
    "choose",
    "clear_prompt_cache",
    "default_model_for",
    "select",
    "selection_stats",
]

logger = logging.getLogger("claude_pm.selection")

TIER_BY_LEVEL = TIERS  # level index -> tier name
# The model an agent gets when no complexity analysis applies: planning and
# implementation roles default to the strongest tier, the rest to the balanced one.
DEFAULT_AGENT_TIERS: Mapping[str, str] = MappingProxyType(
    {
        "engineer": "opus",
        "pm": "opus",
        "qa": "sonnet",
        "documentation": "sonnet",
        "research": "sonnet",
        "ops": "sonnet",
        "security": "sonnet",
        "data_engineer": "sonnet",
        "version_control": "sonnet",
    }
)
_PROMPT_KEY = "claude_pm:agent_prompt:{agent}:{template}"
_FULL = PromptTemplate.FULL.value
# A NamedTuple's own constructor is a Python function; the tuple's is not.
_new_selection = tuple.__new__


class Selection(NamedTuple):
    """What the pipeline decided for one request."""

    agent: str
    prompt: str
    model_id: str
    config: dict
    decision_id: str | None = None


class _State:
    """Everything derived from one Settings object, rebuilt only when settings change.

    `router` is the native routing table of this generation: one `route` call scores the
    task, decides the rollout, chooses model, tier and template, reads the cached prompt
    and records the statistics.
    """

    def __init__(self, settings: Settings, stats: SelectionStats | None) -> None:
        self.settings = settings
        rules = ScoringRules.from_path(settings.scoring_rules) if settings.scoring_rules else None
        scorer = Scorer(
            rules,
            simple_threshold=settings.simple_threshold,
            medium_threshold=settings.medium_threshold,
        )
        self.tier_models = tuple(settings.model_ids[tier] for tier in TIER_BY_LEVEL)
        self.default_tiers = {agent: DEFAULT_AGENT_TIERS.get(agent, "sonnet") for agent in AGENT_NAMES}
        self.default_models = {agent: settings.model_ids[tier] for agent, tier in self.default_tiers.items()}
        # Templates follow the complexity score with the tiers' thresholds, so the
        # template is a function of the level (prompt_library.template_for_score).
        templates_by_level = tuple(
            template_for_score(score, settings.simple_threshold, settings.medium_threshold).value
            for score in (settings.simple_threshold, settings.medium_threshold, 100)
        )
        templates = [template.value for template in PromptTemplate]
        self.prompt_keys = {
            (agent, template): _PROMPT_KEY.format(agent=agent, template=template)
            for agent in AGENT_NAMES
            for template in templates
        }
        self.reductions = {
            (agent, template): token_reduction_percentage(agent, template)
            for agent in AGENT_NAMES
            for template in templates
        }
        # Per level: (level name, tier, tier model, template) in one lookup.
        self.by_level = tuple(
            (
                LEVEL_NAMES[level],
                TIER_BY_LEVEL[level],
                self.tier_models[level],
                templates_by_level[level] if settings.dynamic_prompt_templates else _FULL,
            )
            for level in range(3)
        )
        self.cache = SharedPromptCache.get_instance()
        self.stats = stats if settings.metrics_enabled else None
        self.router = Router(
            scorer,
            tiers=[(tier, settings.model_ids[tier], OPTIMAL_PROMPT_SIZES.get(tier)) for tier in TIER_BY_LEVEL],
            levels=[(name, TIER_BY_LEVEL.index(tier), template) for name, tier, _, template in self.by_level],
            templates=templates,
            full_template=_FULL,
            agents=[
                (
                    agent,
                    TIER_BY_LEVEL.index(self.default_tiers[agent]),
                    settings.agent_forced_model.get(agent),
                    router_plan(settings, agent),
                )
                for agent in AGENT_NAMES
            ],
            aliases=dict(AGENT_ALIASES),
            prompt_keys=self.prompt_keys,
            reductions=self.reductions,
            shadow=settings.test_mode,
            cache=self.cache,
            stats=self.stats,
        )
        self.windows_zone = windows_zone(settings) if self.router.needs_minute else None
        self.needs_minute = self.router.needs_minute
        self.debug = settings.log_level == "DEBUG"
        self.sessions = session_pins(settings.session_ttl_seconds, settings.session_max_entries)
        self.budgets = budget.budget_gate(settings)
        # None while the quality guard is off: the hot path then pays one attribute check.
        self.guard = _quality_guard(settings) if settings.quality_guard else None
        # Sessions, spend caps and the guard adjust the router's choice before it is
        # recorded; without them one native call does everything.
        self.adjusts = self.budgets is not None or self.guard is not None
        # Whether a selection is reported beyond the statistics (decision log, OTel, debug log).
        self.reports = settings.decision_log is not None or settings.otel or self.debug


def _quality_guard(settings: Settings) -> Any:
    return guard_for(settings)


_lock = threading.Lock()
_state: _State | None = None
_stats: SelectionStats | None = None
_stats_retention: int | None = None
_config_errors = 0


def _current_state() -> _State:
    global _config_errors
    try:
        settings = get_settings()
    except ConfigError:
        _config_errors += 1
        raise
    state = _state
    if state is not None and state.settings is settings:
        return state
    return _rebuild(settings)


def _rebuild(settings: Settings) -> _State:
    global _state, _stats, _stats_retention
    with _lock:
        if _state is not None and _state.settings is settings:
            return _state
        if _stats is None:
            _stats = SelectionStats(retention_hours=settings.metrics_retention_hours)
        elif _stats_retention != settings.metrics_retention_hours:
            # Keeps the cumulative Prometheus counters; only the window changes.
            _stats.set_retention_hours(settings.metrics_retention_hours)
        _stats_retention = settings.metrics_retention_hours
        _state = _State(settings, _stats)
    if settings.metrics_enabled and os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from claude_pm.metrics import ensure_multiprocess_writer

        ensure_multiprocess_writer()
    return _state


def _forget_state_in_child() -> None:
    # A forked worker rebuilds its state on its first selection, which also starts
    # its own multi-process metrics writer when PROMETHEUS_MULTIPROC_DIR is set. The
    # lock is replaced: a parent thread may have held it mid-rebuild at the fork, and
    # that thread does not exist in the child to release it.
    global _state, _lock
    _lock = threading.Lock()
    _state = None


def recorded_stats() -> SelectionStats | None:
    """The statistics selections have recorded into so far, without building anything.

    None before the first selection. Takes no lock and builds no state, so a fork
    handler can read what a child inherited (`selection_stats()` may rebuild).
    """
    return _stats


def _reset() -> None:
    _forget_state_in_child()
    # Kept over a state rebuild (cumulative Prometheus counters): zeroed in place.
    if _stats is not None:
        _stats.reset()


runtime.register("selection", after_fork_in_child=_forget_state_in_child, reset=_reset)


def selection_stats() -> SelectionStats | None:
    """The process-wide statistics the pipeline records into (None when metrics are off)."""
    return _current_state().stats


def config_error_count() -> int:
    """How many selections failed on a configuration error since the process started."""
    return _config_errors


def default_model_for(agent: str) -> str:
    state = _current_state()
    return state.default_models[resolve_agent_name(agent)]


def clear_prompt_cache(agent: str | None = None) -> int:
    """Drop assembled prompts (all agents, or one) so the next selection re-reads the files."""
    global _state
    prompt_library.clear_prompt_cache()
    # The router holds the prompts' token reductions: the next selection rebuilds it.
    _state = None
    cache = SharedPromptCache.get_instance()
    if agent is None:
        return cache.invalidate(_PROMPT_KEY.format(agent="*", template="*"))
    return cache.invalidate(_PROMPT_KEY.format(agent=resolve_agent_name(agent), template="*"))


def _built_prompt(state: _State, agent: str, template: str) -> str:
    """The assembled prompt after a cache miss, stored for the next selection."""
    prompt = build_agent_prompt(agent, template)
    state.cache.set(state.prompt_keys[agent, template], prompt)
    return prompt


def _minute_now(zone: Any) -> int:
    moment = datetime.now(zone)
    return moment.hour * 60 + moment.minute


def select(
    agent: str,
    *,
    task_description: str | None = None,
    user_id: str | None = None,
    model_override: str | None = None,
    force_reload: bool = False,
    session_id: str | None = None,
    **facts: Any,
) -> Selection:
    """Choose model and prompt for `agent` doing `task_description` and record the decision.

    `session_id` (a str of at most 128 characters): steps of one session never get a
    lower tier than an earlier step with the same agent (claude_pm.sessions).
    """
    return choose(agent, task_description, user_id, model_override, force_reload, facts, session_id)


def choose(
    agent: str,
    task_description: str | None,
    user_id: str | None,
    model_override: str | None,
    force_reload: bool,
    facts: dict[str, Any],
    session_id: str | None = None,
) -> Selection:
    """`select` with positional arguments: the facades call this on the hot path."""
    state = _current_state()
    settings = state.settings
    if force_reload or state.cache is not SharedPromptCache._instance:
        state = _reloaded_state(force_reload)
    adjusts = state.adjusts or session_id is not None
    # The router times its own record; only an adjusted record and OTel need a start
    # here (taken, like the router's, after the settings check).
    started = time.perf_counter() if adjusts or settings.otel else 0.0
    minute = _minute_now(state.windows_zone) if state.needs_minute else None
    routed = state.router.route(
        agent, task_description, user_id, facts, model_override, minute, force_reload, not adjusts
    )
    if routed is None:
        # Not an exact name: resolve case, spaces, hyphens and aliases (or raise).
        routed = state.router.route(
            resolve_agent_name(agent),
            task_description,
            user_id,
            facts,
            model_override,
            minute,
            force_reload,
            not adjusts,
        )
    name, prompt, model_id, config = routed
    if adjusts:
        prompt, model_id = _adjust(state, name, prompt, model_id, config, session_id, started)
    if prompt is None:
        prompt = _built_prompt(state, name, config["template_used"])
    if not state.reports:
        return _new_selection(Selection, (name, prompt, model_id, config, None))
    decision_id = None
    if settings.decision_log is not None:
        decision_id = _log_decision(name, model_id, config, task_description)
        if decision_id is not None and state.budgets is not None:
            budget.note_decision(decision_id, name, model_id)
    if settings.otel:
        from claude_pm.integrations.otel import record_selection

        record_selection(name, model_id, config, decision_id, started)
    if state.debug:
        _debug_log(settings, name, model_id, config["selection_method"], config, task_description)
    return _new_selection(Selection, (name, prompt, model_id, config, decision_id))


def _reloaded_state(force_reload: bool) -> _State:
    """The state after prompts were reloaded (force_reload) or the shared cache replaced."""
    global _state
    if force_reload:
        prompt_library.clear_prompt_cache()
    _state = None
    return _current_state()


def _adjust(
    state: _State,
    name: str,
    prompt: str | None,
    model_id: str,
    config: dict[str, Any],
    session_id: str | None,
    started: float,
) -> tuple[str | None, str]:
    """The quality guard, the session pin and the spend cap applied to the router's
    choice (updating `config`), then the statistics record the router left to us."""
    method = config["selection_method"]
    tier = config["model_tier"]
    template = chosen_template = config["template_used"]
    level_name = config["complexity_level"]
    level = None if level_name is None else LEVEL_NAMES.index(level_name)
    route_reason = None
    guard = state.guard
    if guard is not None and method == SCORE_ROUTED_METHOD and (name, tier) in guard.engaged:
        # The guard only engages for tiers with a stronger one above (claude_pm.quality.guard).
        _, tier, model_id, template = state.by_level[level + 1]
        route_reason = QUALITY_GUARD
    rollout = config["rollout"]
    session = spend = None
    routed = session_id is not None or state.budgets is not None
    if routed:
        model_id, tier, template, adjusted_reason, session, spend = adjust_for_session_and_budget(
            state, name, session_id, method, rollout["shadow"], model_id, tier, template
        )
        route_reason = adjusted_reason or route_reason
    if template != chosen_template:
        prompt = None
        config["template_used"] = template
        config["token_reduction_percentage"] = state.reductions[name, template]
    config["model_tier"] = tier
    config["optimal_prompt_size"] = OPTIMAL_PROMPT_SIZES.get(tier)
    if routed or route_reason is not None:
        # Only then: three more keys in every config would cost each selection ~2 % (callgrind).
        config["route_reason"] = route_reason
        config["session"] = session
        config["budget"] = spend
    stats = state.stats
    if stats is not None:
        # Positional: PyO3 matches keyword names slower than it records.
        stats.record(
            name,
            model_id,
            state.router.metric_model(model_id),
            method,
            template,
            level,
            config["token_reduction_percentage"],
            rollout["reason"],
            rollout["shadow"],
            time.perf_counter() - started,
        )
    return prompt, model_id


def _log_decision(agent: str, model_id: str, config: dict[str, Any], task_description: str | None) -> str | None:
    log = get_decision_log()
    if log is None:
        return None
    template = config["template_used"]
    rollout = config["rollout"]
    return log.record(
        DecisionRecord(
            timestamp=time.time(),
            agent=agent,
            model_id=model_id,
            tier=config["model_tier"],
            level=config["complexity_level"],
            score=config["complexity_score"],
            template=template,
            prompt_tokens=prompt_library.prompt_tokens(agent, template),
            full_prompt_tokens=prompt_library.prompt_tokens(agent, _FULL),
            rollout_reason=rollout["reason"],
            selection_method=config["selection_method"],
            shadow=rollout["shadow"],
            task_text=task_description,
            route_reason=config.get("route_reason"),
        )
    )


def _debug_log(
    settings: Settings, agent: str, model_id: str, method: str, config: dict, task_description: str | None
) -> None:
    task = f" task={task_description!r}" if settings.log_task_text and task_description is not None else ""
    logger.debug(
        "selection agent=%s score=%s level=%s model=%s method=%s template=%s signals=%s%s",
        agent,
        config["complexity_score"],
        config["complexity_level"],
        model_id,
        method,
        config["template_used"],
        config["signals"],
        task,
    )
