"""The selection pipeline's session pin and spend cap, applied after the score chose a tier.

Order: the session pin first (a later, simpler step keeps the session's stronger tier
and template), then the spend cap (an agent over its daily budget goes one tier down,
never below haiku, or is refused). The cap is an operator's limit, so it beats the pin;
the pin still remembers the tier before the cap, so the session returns to it once the
budget resets. `route_reason` names the last rule that changed the tier.

Forced models (``model_override=``, CLAUDE_PM_<AGENT>_MODEL) and shadow decisions are
not pinned (the caller chose the model, or gets the default anyway); the spend cap
applies to every selection whose tier is known, and a refusal to every selection.
"""

from __future__ import annotations

from typing import Any

from claude_pm.config import BUDGET_REFUSE
from claude_pm.definitions import TIERS
from claude_pm.errors import BudgetExceededError
from claude_pm.route_reasons import BUDGET, SESSION
from claude_pm.selection_methods import DEFAULT_MAPPING_METHOD, SCORE_ROUTED_METHOD
from claude_pm.sessions import PINNED, check_session_id

__all__ = ["TIER_RANKS", "adjust"]


TIER_RANKS = {tier: rank for rank, tier in enumerate(TIERS)}
_PINNABLE_METHODS = frozenset({SCORE_ROUTED_METHOD, DEFAULT_MAPPING_METHOD})


def adjust(
    state: Any,
    agent: str,
    session_id: str | None,
    method: str,
    shadow: bool,
    model_id: str,
    tier: str | None,
    template: str,
) -> tuple[str, str | None, str, str | None, dict | None, dict | None]:
    """(model_id, tier, template, route_reason, config["session"], config["budget"]) for one selection.

    `state` is the pipeline's state: ``sessions`` (SessionPins), ``budgets`` (BudgetGate or
    None), ``tier_models`` and ``by_level`` (per level: name, tier, model, template).
    Raises BudgetExceededError when the agent is over budget and the action is refuse.
    """
    route_reason = session = budget = None
    rank = TIER_RANKS.get(tier) if tier is not None else None
    if session_id is not None:
        check_session_id(session_id)
        if rank is not None and not shadow and method in _PINNABLE_METHODS:
            scored = rank
            rank, action = state.sessions.step(agent, session_id, rank)
            if action == PINNED:
                route_reason = SESSION
                tier, model_id = TIERS[rank], state.tier_models[rank]
                if method == SCORE_ROUTED_METHOD:
                    template = state.by_level[rank][3]
            session = {"action": action, "tier": TIERS[rank], "scored_tier": TIERS[scored]}
        else:
            session = {"action": "not_pinned", "tier": tier, "scored_tier": tier}
    gate = state.budgets
    if gate is not None:
        spending = gate.check(agent)
        if spending is not None:
            spent, limit = spending
            exhausted = spent >= limit
            budget = {"spent_usd": spent, "budget_usd": limit, "exhausted": exhausted, "action": None}
            if exhausted:
                if gate.action == BUDGET_REFUSE:
                    raise BudgetExceededError(agent, spent, limit)
                budget["action"] = "downgrade"
                if rank is not None and rank > 0:
                    rank -= 1
                    route_reason = BUDGET
                    tier, model_id = TIERS[rank], state.tier_models[rank]
    return model_id, tier, template, route_reason, session, budget
