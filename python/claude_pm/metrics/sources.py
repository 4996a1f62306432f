"""Where the metrics' numbers come from, and which label values are reported as themselves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Callable, Protocol

from claude_pm import selection
from claude_pm.budget import current_gate
from claude_pm.config import ENV_KEY_SLOT, get_settings
from claude_pm.decision_log import get_decision_log
from claude_pm.definitions import LEVEL_NAMES, OTHER_LABEL, TIERS, TOKEN_REDUCTION_BUCKETS
from claude_pm.metrics.api_calls import api_call_stats
from claude_pm.prompt_cache import SharedPromptCache
from claude_pm.prompt_library import AGENT_NAMES
from claude_pm.rollout import REASONS, should_enable_optimization
from claude_pm.sessions import existing_pins

__all__ = ["COMPLEXITY_LEVELS", "OTHER", "TOKEN_REDUCTION_BUCKETS", "LabelSets", "Sources", "StatsSource"]

# The metrics' names for shared definitions (claude_pm.definitions), kept for 1.x importers.
OTHER = OTHER_LABEL
COMPLEXITY_LEVELS = LEVEL_NAMES


class StatsSource(Protocol):
    """What the collector reads from `claude_pm._core.SelectionStats`.

    `prometheus_samples()` returns cumulative values::

        {"optimizations":    {(agent, model, level_name): count},   # non-shadow selections
         "shadow_decisions": {(agent, model, level_name): count},
         "token_reduction":  {agent: histogram},                    # buckets 10..90 (percent)
         "latency":          histogram,                             # seconds
         "rollout_reasons":  {reason: count}}

    where a histogram is ``{"buckets": [(upper_bound, cumulative_count), ...], "sum": float,
    "count": int}`` (a trailing ``(inf, count)`` bucket is optional).
    """

    def prometheus_samples(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class LabelSets:
    """The label values reported as themselves; anything else becomes ``other``."""

    agents: frozenset[str]
    models: frozenset[str]
    reasons: frozenset[str]
    complexities: frozenset[str] = frozenset(COMPLEXITY_LEVELS)
    # Key slots other than "agent:<agent>" (which follow `agents`).
    key_slots: frozenset[str] = frozenset((ENV_KEY_SLOT, *TIERS))

    @staticmethod
    def from_library() -> LabelSets:
        return LabelSets(
            agents=frozenset(AGENT_NAMES),
            models=frozenset(get_settings().model_ids.values()),
            reasons=frozenset(REASONS),
        )

    def fold(self, value: object, known: frozenset[str]) -> str:
        return value if isinstance(value, str) and value in known else OTHER


@dataclass(frozen=True)
class Sources:
    """Where one process's numbers come from; `from_library()` reads the real pipeline."""

    stats: Callable[[], StatsSource | None]
    cache_stats: Callable[[], Mapping[str, Any]]
    config_errors: Callable[[], int]
    label_sets: Callable[[], LabelSets]
    active_optimizations: Callable[[], int]
    decision_log_stats: Callable[[], Mapping[str, Any]] = dict
    # {"pins": {agent: n}, "upgrades": {agent: n}} (claude_pm.sessions)
    session_stats: Callable[[], Mapping[str, Any]] = dict
    # agent -> (USD spent today, daily budget) for agents with a budget (claude_pm.budget)
    budgets: Callable[[], Mapping[str, tuple[float, float]]] = dict
    # What AnthropicExecutor saw of the Messages API (claude_pm.metrics.api_calls), or None.
    api_calls: Callable[[], Any] = lambda: None
    # (agent, tier) -> 1.0 engaged / 0.0 not, for the pairs the quality guard judged (claude_pm.quality.guard)
    quality_guard: Callable[[], Mapping[tuple[str, str], float]] = dict

    @staticmethod
    def from_library() -> Sources:
        return Sources(
            stats=_library_stats,
            cache_stats=_library_cache_stats,
            config_errors=_library_config_errors,
            label_sets=LabelSets.from_library,
            active_optimizations=_library_active_optimizations,
            decision_log_stats=_library_decision_log_stats,
            session_stats=_library_session_stats,
            budgets=_library_budgets,
            api_calls=_library_api_calls,
            quality_guard=_library_quality_guard,
        )


def inherited_sources(sources: Sources) -> Sources:
    """Readers for what a forked child inherited from its parent and goes on counting.

    Called from a fork handler, so for the library's own sources they take no lock and
    build nothing: the selection statistics recorded so far (not `selection_stats()`,
    which may rebuild the pipeline), the cache that exists (not `get_instance()`), and no
    decision-log counts, because a child never uses its parent's decision-log writer: its
    own starts from zero. Other sources are the caller's and are read as they are.
    """
    if sources.stats is not _library_stats:
        return sources
    # API calls: a forked child counts its own from zero (metrics.api_calls resets them).
    return replace(
        sources,
        stats=_library_recorded_stats,
        cache_stats=_library_existing_cache_stats,
        decision_log_stats=dict,
        api_calls=lambda: None,
    )


def _library_recorded_stats() -> StatsSource | None:
    return selection.recorded_stats() if get_settings().metrics_enabled else None


def _library_existing_cache_stats() -> Mapping[str, Any]:
    cache = SharedPromptCache.existing_instance()
    return {} if cache is None else cache.get_stats()


def _library_stats() -> StatsSource | None:
    # Broken settings raise here first, so a scrape is never counted as a failed selection.
    get_settings()
    return selection.selection_stats()


def _library_cache_stats() -> Mapping[str, Any]:
    return SharedPromptCache.get_instance().get_stats()


def _library_decision_log_stats() -> Mapping[str, Any]:
    """The decision-log writer's counters; empty when CLAUDE_PM_DECISION_LOG is unset."""
    log = get_decision_log()
    return {} if log is None else log.stats()


def _library_api_calls() -> Any:
    return api_call_stats().snapshot() if get_settings().metrics_enabled else None


def _library_session_stats() -> Mapping[str, Any]:
    """Session pin counters; takes no lock, so a fork handler may read them too."""
    pins = existing_pins()
    return {} if pins is None else pins.counts()


def _library_budgets() -> Mapping[str, tuple[float, float]]:
    gate = current_gate()
    return {} if gate is None else gate.gauges()


def _library_quality_guard() -> Mapping[tuple[str, str], float]:
    import sys

    # Never imported (nor started) by a scrape: only a pipeline with the guard on starts it.
    guard = sys.modules.get("claude_pm.quality.guard")
    return {} if guard is None else {key: float(state.engaged) for key, state in guard.guard_states().items()}


def _library_config_errors() -> int:
    return selection.config_error_count()


def _library_active_optimizations() -> int:
    """Agents for which optimisation applies to at least some requests right now."""
    settings = get_settings()
    active = 0
    for agent in AGENT_NAMES:
        decision = should_enable_optimization(agent, None, settings=settings)
        share = settings.agent_rollout_percentage.get(agent, settings.rollout_percentage)
        # A percentage gate needs a user id to decide; it is on for part of the users.
        if decision.enabled or (decision.reason == "no_user_id" and share > 0):
            active += 1
    return active
