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
from types import MappingProxyType
from typing import Any, NamedTuple

from claude_pm import budget, tokens
from claude_pm._core import Scorer, ScoringRules, SelectionStats
from claude_pm.agents import base_agent_loader
from claude_pm.agents.base_agent_loader import (
    AGENT_NAMES,
    PromptTemplate,
    build_agent_prompt,
    resolve_agent_name,
    template_for_score,
    token_reduction_percentage,
)
from claude_pm.config import TIERS, Settings, get_settings
from claude_pm.errors import ConfigError
from claude_pm.rollout import Decision, should_enable_optimization
from claude_pm.route_reasons import QUALITY_GUARD
from claude_pm.selection_methods import (
    CALLER_OVERRIDE_METHOD,
    DEFAULT_MAPPING_METHOD,
    ENVIRONMENT_OVERRIDE_METHOD,
    SCORE_ROUTED_METHOD,
)
from claude_pm.services.shared_prompt_cache import SharedPromptCache
from claude_pm.services.task_complexity_analyzer import (
    FACT_NAMES,
    OPTIMAL_PROMPT_SIZES,
    raise_if_not_text,
)
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

LEVEL_NAMES = ("SIMPLE", "MEDIUM", "COMPLEX")
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
_FACT_NAME_SET = frozenset(FACT_NAMES)
_PROMPT_KEY = "claude_pm:agent_prompt:{agent}:{template}"
_FULL = PromptTemplate.FULL.value


class Selection(NamedTuple):
    """What the pipeline decided for one request."""

    agent: str
    prompt: str
    model_id: str
    config: dict
    decision_id: str | None = None


class _State:
    """Everything derived from one Settings object, rebuilt only when settings change."""

    def __init__(self, settings: Settings, stats: SelectionStats | None) -> None:
        self.settings = settings
        rules = ScoringRules.from_path(settings.scoring_rules) if settings.scoring_rules else None
        self.scorer = Scorer(
            rules,
            simple_threshold=settings.simple_threshold,
            medium_threshold=settings.medium_threshold,
        )
        self.tier_models = tuple(settings.model_ids[tier] for tier in TIER_BY_LEVEL)
        self.default_tiers = {agent: DEFAULT_AGENT_TIERS.get(agent, "sonnet") for agent in AGENT_NAMES}
        self.default_models = {agent: settings.model_ids[tier] for agent, tier in self.default_tiers.items()}
        # Templates follow the complexity score with the tiers' thresholds, so the
        # template is a function of the level (base_agent_loader.template_for_score).
        self.templates_by_level = tuple(
            template_for_score(score, settings.simple_threshold, settings.medium_threshold).value
            for score in (settings.simple_threshold, settings.medium_threshold, 100)
        )
        self.prompt_keys = {
            (agent, template.value): _PROMPT_KEY.format(agent=agent, template=template.value)
            for agent in AGENT_NAMES
            for template in PromptTemplate
        }
        self.reductions: dict[tuple[str, str], float] = {}
        # Per level: (level name, tier, tier model, template) in one lookup.
        self.by_level = tuple(
            (
                LEVEL_NAMES[level],
                TIER_BY_LEVEL[level],
                self.tier_models[level],
                self.templates_by_level[level] if settings.dynamic_prompt_templates else _FULL,
            )
            for level in range(3)
        )
        self.agent_names = {agent: agent for agent in AGENT_NAMES}
        self.cache = SharedPromptCache.get_instance()
        known = set(settings.model_ids.values())
        self.metric_models = {model: model for model in known}
        self.stats = stats if settings.metrics_enabled else None
        self.debug = settings.log_level == "DEBUG"
        self.sessions = session_pins(settings.session_ttl_seconds, settings.session_max_entries)
        self.budgets = budget.budget_gate(settings)
        # None while the quality guard is off: the hot path then pays one attribute check.
        self.guard = _quality_guard(settings) if settings.quality_guard else None


def _quality_guard(settings: Settings) -> Any:
    from claude_pm.quality.guard import guard_for

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


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_state_in_child)


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
    base_agent_loader.clear_prompt_cache()
    if _state is not None:
        _state.reductions.clear()
    cache = SharedPromptCache.get_instance()
    if agent is None:
        return cache.invalidate(_PROMPT_KEY.format(agent="*", template="*"))
    return cache.invalidate(_PROMPT_KEY.format(agent=resolve_agent_name(agent), template="*"))


def _prompt_for(state: _State, agent: str, template: str, force_reload: bool) -> str:
    """The assembled prompt, from the shared cache when it holds it."""
    cache = state.cache
    if cache is not SharedPromptCache._instance:
        cache = state.cache = SharedPromptCache.get_instance()
    key = state.prompt_keys[agent, template]
    if force_reload:
        base_agent_loader.clear_prompt_cache()
        state.reductions.clear()
    else:
        prompt = cache.get(key)
        if prompt is not None:
            return prompt
    prompt = build_agent_prompt(agent, template)
    cache.set(key, prompt)
    return prompt


def _check_fact_names(facts: dict[str, Any]) -> None:
    # Values are validated by the native scorer, which names the argument and the
    # allowed values; only unknown names need catching here.
    unknown = sorted(set(facts) - _FACT_NAME_SET)
    if unknown:
        raise TypeError(
            f"unexpected keyword argument(s) {', '.join(unknown)}; task facts are: {', '.join(sorted(FACT_NAMES))}"
        )


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
    started = time.perf_counter()
    state = _current_state()
    settings = state.settings
    name = state.agent_names.get(agent) or resolve_agent_name(agent)

    decision: Decision = should_enable_optimization(name, user_id, settings=settings)
    level = score = confidence = None
    signals: list = []
    if task_description is not None:
        if facts:
            _check_fact_names(facts)
        try:
            score, level, confidence, signals = state.scorer.verdict(task_description, **facts)
        except TypeError:
            raise_if_not_text(task_description)
            raise
    elif facts:
        _check_fact_names(facts)

    default_model = state.default_models[name]
    level_name = tier_model = None
    template = _FULL
    if level is not None:
        level_name, level_tier, tier_model, template = state.by_level[level]

    if model_override is not None and not isinstance(model_override, str):
        raise TypeError(f"model_override must be str or None, not {type(model_override).__name__}")
    forced = model_override or settings.agent_forced_model.get(name)
    route_reason = None
    if forced is not None:
        if model_override:
            model_id = settings.model_ids.get(forced.lower(), forced)
            method = CALLER_OVERRIDE_METHOD
        else:
            model_id, method = forced, ENVIRONMENT_OVERRIDE_METHOD
        reason = "forced_model"
        tier = settings.tier_of_model(model_id)
    elif level is None:
        model_id, method, reason = default_model, DEFAULT_MAPPING_METHOD, "no_complexity_analysis"
        tier = state.default_tiers[name]
    elif decision.enabled:
        model_id, method, reason, tier = tier_model, SCORE_ROUTED_METHOD, decision.reason, level_tier
        if state.guard is not None and (name, tier) in state.guard.engaged:
            # The guard only engages for tiers with a stronger one above (claude_pm.quality.guard).
            _, tier, model_id, template = state.by_level[level + 1]
            route_reason = QUALITY_GUARD
    else:
        model_id, method, reason = default_model, DEFAULT_MAPPING_METHOD, _disabled_reason(decision)
        tier = state.default_tiers[name]

    shadow = None
    if decision.shadow:
        shadow = {
            "model": tier_model if level is not None and decision.enabled else model_id,
            "template_used": template,
            "complexity_level": level_name,
        }
        if forced is None:
            model_id, method, reason = default_model, DEFAULT_MAPPING_METHOD, "shadow_mode"
            tier = state.default_tiers[name]
        template = _FULL

    session = spend = None
    routed = session_id is not None or state.budgets is not None
    if routed:
        model_id, tier, template, adjusted_reason, session, spend = adjust_for_session_and_budget(
            state, name, session_id, method, decision.shadow, model_id, tier, template
        )
        route_reason = adjusted_reason or route_reason

    prompt = _prompt_for(state, name, template, force_reload)
    reduction = state.reductions.get((name, template))
    if reduction is None:
        reduction = state.reductions[name, template] = token_reduction_percentage(name, template)
    config: dict[str, Any] = {
        "selection_method": method,
        "reason": reason,
        "model_tier": tier,
        "complexity_score": score,
        "complexity_level": level_name,
        "signals": signals,
        "confidence": confidence,
        "template_used": template,
        "token_reduction_percentage": reduction,
        "optimal_prompt_size": OPTIMAL_PROMPT_SIZES.get(tier),
        "rollout": {"enabled": decision.enabled, "reason": decision.reason, "shadow": decision.shadow},
        "shadow": shadow,
    }
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
            state.metric_models.get(model_id, "other"),
            method,
            template,
            level,
            reduction,
            decision.reason,
            decision.shadow,
            time.perf_counter() - started,
        )
    decision_id = None
    if settings.decision_log is not None:
        decision_id = _log_decision(
            name, model_id, tier, level, score, template, method, decision, task_description, route_reason
        )
        if decision_id is not None and state.budgets is not None:
            budget.note_decision(decision_id, name, model_id)
    if settings.otel:
        from claude_pm.integrations.otel import record_selection

        record_selection(name, model_id, config, decision_id, started)
    if state.debug:
        _debug_log(settings, name, model_id, method, config, task_description)
    return Selection(name, prompt, model_id, config, decision_id)


def _disabled_reason(decision: Decision) -> str:
    if decision.reason in ("global_switch_off", "agent_switch_off"):
        return "dynamic_selection_disabled"
    return decision.reason


def _log_decision(
    agent: str,
    model_id: str,
    tier: str | None,
    level: int | None,
    score: int | None,
    template: str,
    method: str,
    decision: Decision,
    task_description: str | None,
    route_reason: str | None = None,
) -> str | None:
    from claude_pm.decision_log import DecisionRecord, get_decision_log

    log = get_decision_log()
    if log is None:
        return None
    return log.record(
        DecisionRecord(
            timestamp=time.time(),
            agent=agent,
            model_id=model_id,
            tier=tier,
            level=None if level is None else LEVEL_NAMES[level],
            score=score,
            template=template,
            prompt_tokens=tokens.prompt_tokens(agent, template),
            full_prompt_tokens=tokens.prompt_tokens(agent, _FULL),
            rollout_reason=decision.reason,
            selection_method=method,
            shadow=decision.shadow,
            task_text=task_description,
            route_reason=route_reason,
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
