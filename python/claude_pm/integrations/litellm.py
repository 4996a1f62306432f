"""Route LiteLLM requests with claude-pm (``pip install 'claude-pm[litellm]'``).

Two ways in, both making the decision with `claude_pm.selection.select` (so it is
counted, logged to the decision log and traced like any other selection):

* In-process `litellm.Router`, through LiteLLM's complexity router: one
  `ClaudePMRouting` object serves as the router's routing plugin
  (``Router(plugins=[routing])``), which decides and stamps the decision on the
  request's metadata, and as the complexity router's classifier plugin
  (``classifier_type: custom``, ``classifier_plugin: routing``), which returns the
  decided tier (``SIMPLE``/``MEDIUM``/``COMPLEX``) so the router picks that tier's
  model. Without the routing-plugin half it still classifies, but LiteLLM keeps the
  classifier's metadata to itself and the decision id cannot reach the request.
* The LiteLLM proxy: `ClaudePMHook`, a `CustomLogger` whose pre-call hook decides
  and rewrites the request's ``model`` to the chosen tier's model.

Either way the decision travels in the request metadata (`decision_of` reads it) and
`ClaudePMHook` as a success callback attaches the provider's real token counts to the
decision (`claude_pm.decision_log.record_usage`), so outcomes can be analysed later.

Request metadata read: ``claude_pm_agent`` (the claude-pm agent doing the work; the
object's `agent` otherwise) and ``claude_pm_user_id`` (the rollout's user id). The
task is the text of the last user message; it is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

try:
    from litellm.integrations.custom_logger import CustomLogger
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("claude_pm.integrations.litellm needs LiteLLM: pip install 'claude-pm[litellm]'") from error

from claude_pm.definitions import TIERS
from claude_pm.errors import ConfigError
from claude_pm.prompt_library import resolve_agent_name
from claude_pm.selection import select

__all__ = [
    "AGENT_METADATA_KEY",
    "DECISION_KEY",
    "DEFAULT_TIER_NAMES",
    "USER_METADATA_KEY",
    "ClaudePMHook",
    "ClaudePMRouting",
    "decision_of",
    "hook",
    "routing",
    "task_text",
]

logger = logging.getLogger("claude_pm.integrations.litellm")

AGENT_METADATA_KEY = "claude_pm_agent"
USER_METADATA_KEY = "claude_pm_user_id"
# Where the decision lives: metadata[DECISION_KEY] (proxy hook), or
# metadata["routing_plugin_signals"][DECISION_KEY] (routing plugin: LiteLLM copies a
# plugin's signals onto the request's metadata under that key).
DECISION_KEY = "claude_pm"
_PLUGIN_SIGNALS = "routing_plugin_signals"
# claude-pm tier -> the complexity router's built-in tier of the same rank.
DEFAULT_TIER_NAMES: Mapping[str, str] = {"haiku": "SIMPLE", "sonnet": "MEDIUM", "opus": "COMPLEX"}
# A request for a model group served by one of LiteLLM's auto routers.
_AUTO_ROUTER_PREFIX = "auto_router/"


def task_text(messages: Sequence[Any] | None) -> str | None:
    """The text of the last user message (text parts joined), or None when there is none."""
    for message in reversed(messages or ()):
        if not isinstance(message, Mapping) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, Sequence):
            parts = [
                part.get("text") for part in content if isinstance(part, Mapping) and isinstance(part.get("text"), str)
            ]
            return "\n".join(parts) if parts else None
        return None
    return None


def decision_of(metadata: Mapping[str, Any] | None) -> dict | None:
    """The claude-pm decision a request carries in its metadata, or None."""
    if not isinstance(metadata, Mapping):
        return None
    decision = metadata.get(DECISION_KEY)
    if isinstance(decision, Mapping):
        return dict(decision)
    signals = metadata.get(_PLUGIN_SIGNALS)
    if isinstance(signals, Mapping) and isinstance(signals.get(DECISION_KEY), Mapping):
        return dict(signals[DECISION_KEY])
    return None


class _Decider:
    """What both entry points share: agent and tier names checked once, one decision per request."""

    def __init__(self, agent: str, tier_names: Mapping[str, str] | None) -> None:
        self.agent = resolve_agent_name(agent)
        names = dict(DEFAULT_TIER_NAMES if tier_names is None else tier_names)
        unknown = sorted(set(names) - set(TIERS))
        if unknown or not all(isinstance(value, str) and value for value in names.values()):
            raise ValueError(
                f"tier_names={tier_names!r} is not valid: expected a mapping from "
                f"{', '.join(TIERS)} to non-empty tier or model names"
            )
        self.tier_names = names

    def decide(self, messages: Sequence[Any] | None, metadata: Mapping[str, Any] | None) -> dict | None:
        """Select for the request's task; None when the request has no user text."""
        text = task_text(messages)
        if text is None:
            return None
        metadata = metadata if isinstance(metadata, Mapping) else {}
        agent = metadata.get(AGENT_METADATA_KEY) or self.agent
        user_id = metadata.get(USER_METADATA_KEY)
        chosen = select(agent, task_description=text, user_id=None if user_id is None else str(user_id))
        config = chosen.config
        tier = config["model_tier"]
        return {
            "decision_id": chosen.decision_id,
            "agent": chosen.agent,
            "model": chosen.model_id,
            "tier": tier,
            "route": self.tier_names.get(tier) if tier is not None else None,
            "level": config["complexity_level"],
            "score": config["complexity_score"],
            "template": config["template_used"],
            "rollout_reason": config["rollout"]["reason"],
        }


class ClaudePMRouting(_Decider):
    """Routing plugin and classifier plugin of LiteLLM's complexity router in one object.

    `agent` is the claude-pm agent a request is scored for unless its metadata names one;
    `tier_names` maps claude-pm tiers to the complexity router's tier names (default
    haiku/sonnet/opus -> SIMPLE/MEDIUM/COMPLEX).
    """

    def __init__(self, agent: str = "engineer", *, tier_names: Mapping[str, str] | None = None) -> None:
        super().__init__(agent, tier_names)

    async def run(self, context: Any) -> Any:
        """RoutingPlugin: decide for requests to an auto-router model group, keep every candidate."""
        if not any(str(model).startswith(_AUTO_ROUTER_PREFIX) for model in context.candidate_models):
            return context
        try:
            decision = self.decide(context.structured_messages, context.metadata)
        except (ConfigError, ValueError, TypeError) as error:
            # The classifier half will meet the same error and LiteLLM's classifier
            # fallback decides; the request itself is not failed here.
            logger.warning("claude-pm could not decide for a LiteLLM request: %s", error)
            return context
        if decision is not None:
            context.signals[DECISION_KEY] = decision
        return context

    async def classify(self, context: Any) -> str | None:
        """ClassifierPlugin: the tier name for the request (None: let the router's fallback decide)."""
        decision = decision_of(context.metadata)
        if decision is None:
            decision = self.decide(context.structured_messages, context.metadata)
        return None if decision is None else decision.get("route")


class ClaudePMHook(_Decider, CustomLogger):
    """LiteLLM callback: the proxy's pre-call hook routes; the success event records token usage.

    The pre-call hook decides for requests whose ``model`` is one of `models` (default
    ``("claude-pm",)``: the name clients ask for) and rewrites ``model`` to
    ``tier_names[tier]`` when given, otherwise to the model id claude-pm chose (name
    your proxy's model groups after the tier model ids, or pass `tier_names`).
    """

    def __init__(
        self,
        agent: str = "engineer",
        *,
        models: Sequence[str] = ("claude-pm",),
        tier_names: Mapping[str, str] | None = None,
    ) -> None:
        if isinstance(models, str) or not models or not all(isinstance(m, str) and m for m in models):
            raise ValueError(f"models={models!r} is not valid: expected a non-empty list of model names")
        _Decider.__init__(self, agent, {} if tier_names is None else tier_names)
        CustomLogger.__init__(self)
        self.models = frozenset(models)

    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: dict, call_type: Any) -> dict:
        if data.get("model") not in self.models:
            return data
        metadata_key = "litellm_metadata" if "litellm_metadata" in data else "metadata"
        metadata = data.get(metadata_key)
        if not isinstance(metadata, dict):
            metadata = data[metadata_key] = {}
        if USER_METADATA_KEY not in metadata:
            user_id = getattr(user_api_key_dict, "user_id", None)
            if user_id is not None:
                metadata[USER_METADATA_KEY] = user_id
        decision = self.decide(data.get("messages"), metadata)
        if decision is None:
            return data
        metadata[DECISION_KEY] = decision
        data["model"] = decision["route"] or decision["model"]
        return data

    async def async_log_success_event(self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any) -> None:
        decision = decision_of((kwargs.get("litellm_params") or {}).get("metadata"))
        decision_id = None if decision is None else decision.get("decision_id")
        usage = getattr(response_obj, "usage", None)
        if decision_id is None or usage is None:
            return
        from claude_pm.decision_log import record_usage

        try:
            record_usage(decision_id, int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0))
        except (ConfigError, ValueError, TypeError) as error:
            logger.warning("claude-pm could not record token usage of decision %s: %s", decision_id, error)


# Ready-made instances for the proxy's config.yaml, which names objects by dotted path:
# classifier_plugin: claude_pm.integrations.litellm.routing
# callbacks: claude_pm.integrations.litellm.hook
routing = ClaudePMRouting()
hook = ClaudePMHook()
