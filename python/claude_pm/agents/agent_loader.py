"""1.x agent loader API, a thin facade over `claude_pm.selection`.

Every function here answers from the one selection pipeline, so the prompt, model and
statistics a runner sees here are exactly what `TaskToolHelper` would produce.
"""

from __future__ import annotations

import logging
from types import MappingProxyType
from typing import Any

from claude_pm import selection
from claude_pm.agents.base_agent_loader import AGENT_ALIASES, AGENT_NAMES, resolve_agent_name
from claude_pm.config import DEFAULT_MODEL_IDS, get_settings

__all__ = [
    "DEFAULT_AGENT_MODELS",
    "MODEL_NAME_MAPPINGS",
    "clear_agent_cache",
    "get_agent_prompt",
    "get_agent_prompt_with_model_info",
    "get_data_engineer_agent_prompt",
    "get_documentation_agent_prompt",
    "get_engineer_agent_prompt",
    "get_model_selection_metrics",
    "get_ops_agent_prompt",
    "get_orchestrator_agent_prompt",
    "get_pm_agent_prompt",
    "get_qa_agent_prompt",
    "get_research_agent_prompt",
    "get_security_agent_prompt",
    "get_version_control_agent_prompt",
    "list_available_agents",
    "log_model_selection",
]

logger = logging.getLogger("claude_pm.agents.agent_loader")

# Defaults with the packaged tier map; `get_model_selection_metrics()["default_models"]`
# reflects any CLAUDE_PM_<TIER>_MODEL_ID remapping in force.
DEFAULT_AGENT_MODELS: dict[str, str] = {
    agent: DEFAULT_MODEL_IDS[selection.DEFAULT_AGENT_TIERS[agent]] for agent in AGENT_NAMES
}
DEFAULT_AGENT_MODELS.update({alias: DEFAULT_AGENT_MODELS[target] for alias, target in AGENT_ALIASES.items()})
MODEL_NAME_MAPPINGS = MappingProxyType(dict(DEFAULT_MODEL_IDS))


def get_agent_prompt_with_model_info(
    agent_name: str,
    force_reload: bool = False,
    *,
    task_description: str | None = None,
    user_id: str | None = None,
    model_override: str | None = None,
    session_id: str | None = None,
    **facts: Any,
) -> tuple[str, str, dict[str, Any]]:
    """Return (prompt, model_id, config) for an agent and, optionally, a task.

    Keywords: ``task_description``, ``user_id``, ``model_override``, ``session_id`` (steps of
    one session never get a lower tier than an earlier step: claude_pm.sessions) and the analyzer's
    caller facts (``file_count``, ``context_size``, ``integration_points``,
    ``requires_research``, ``requires_testing``, ``requires_documentation``,
    ``technical_depth``). Any other keyword is a TypeError.
    """
    chosen = selection.choose(agent_name, task_description, user_id, model_override, force_reload, facts, session_id)
    return chosen[1], chosen[2], chosen[3]


def get_agent_prompt(agent_name: str, force_reload: bool = False, **kwargs: Any) -> str:
    """The agent's prompt (sized to the task when one is given)."""
    return selection.select(agent_name, force_reload=force_reload, **kwargs).prompt


def _getter(agent: str):  # type: ignore[no-untyped-def]
    def get_prompt(force_reload: bool = False, **kwargs: Any) -> str:
        return get_agent_prompt(agent, force_reload=force_reload, **kwargs)

    get_prompt.__name__ = f"get_{agent}_agent_prompt"
    get_prompt.__qualname__ = get_prompt.__name__
    get_prompt.__doc__ = f"The {agent} agent's prompt; same keywords as get_agent_prompt."
    return get_prompt


get_engineer_agent_prompt = _getter("engineer")
get_qa_agent_prompt = _getter("qa")
get_documentation_agent_prompt = _getter("documentation")
get_research_agent_prompt = _getter("research")
get_ops_agent_prompt = _getter("ops")
get_security_agent_prompt = _getter("security")
get_data_engineer_agent_prompt = _getter("data_engineer")
get_version_control_agent_prompt = _getter("version_control")
get_pm_agent_prompt = _getter("pm")
get_orchestrator_agent_prompt = _getter("orchestrator")


def list_available_agents() -> dict[str, dict[str, Any]]:
    """Every agent with its default model and aliases."""
    settings = get_settings()
    agents: dict[str, dict[str, Any]] = {}
    for agent in AGENT_NAMES:
        agents[agent] = {
            "name": agent,
            "default_model": settings.model_ids[selection.DEFAULT_AGENT_TIERS[agent]],
            "aliases": sorted(alias for alias, target in AGENT_ALIASES.items() if target == agent),
        }
    return agents


def clear_agent_cache(agent_name: str | None = None) -> None:
    """Forget assembled prompts (one agent or all) so prompt files are read again."""
    if agent_name is not None:
        resolve_agent_name(agent_name)
    selection.clear_prompt_cache(agent_name)


def log_model_selection(
    agent_name: str,
    selected_model: str,
    complexity_score: int | None = None,
    selection_method: str = "manual",
    **details: Any,
) -> None:
    """Log a selection the caller made outside the pipeline (it is not counted in the stats)."""
    logger.info(
        "model selection agent=%s model=%s score=%s method=%s%s",
        resolve_agent_name(agent_name),
        selected_model,
        complexity_score,
        selection_method,
        "".join(f" {key}={value}" for key, value in sorted(details.items())),
    )


def get_model_selection_metrics() -> dict[str, Any]:
    """Feature flags, thresholds, default models and windowed selection statistics."""
    settings = get_settings()
    stats = selection.selection_stats()
    snapshot = stats.snapshot() if stats is not None else None
    return {
        "feature_flag": {
            "global_enabled": settings.dynamic_model_selection,
            "agent_overrides": dict(settings.agent_model_selection),
            "forced_models": dict(settings.agent_forced_model),
            "dynamic_prompt_templates": settings.dynamic_prompt_templates,
            "test_mode": settings.test_mode,
            "metrics_enabled": settings.metrics_enabled,
        },
        "model_thresholds": {
            "simple_threshold": settings.simple_threshold,
            "medium_threshold": settings.medium_threshold,
            "tier_models": dict(settings.model_ids),
        },
        "default_models": {agent: settings.model_ids[selection.DEFAULT_AGENT_TIERS[agent]] for agent in AGENT_NAMES},
        "selection_stats": _selection_stats(snapshot, settings.simple_threshold, settings.medium_threshold),
    }


def _selection_stats(snapshot: dict[str, Any] | None, simple: int, medium: int) -> dict[str, Any]:
    snapshot = snapshot or {}
    by_level = snapshot.get("by_level", [0, 0, 0])
    return {
        "total_selections": snapshot.get("total_selections", 0),
        "by_model": dict(snapshot.get("by_model", {})),
        "by_agent": dict(snapshot.get("by_agent", {})),
        "by_method": dict(snapshot.get("by_method", {})),
        "by_template": dict(snapshot.get("by_template", {})),
        "by_rollout_reason": dict(snapshot.get("by_rollout_reason", {})),
        "complexity_distribution": {
            f"0-{simple}": by_level[0],
            f"{simple + 1}-{medium}": by_level[1],
            f"{medium + 1}-100": by_level[2],
        },
        "average_token_reduction": snapshot.get("average_token_reduction", 0.0),
        "shadow_decisions": snapshot.get("shadow_decisions", 0),
        "window_hours": snapshot.get("window_hours"),
    }
