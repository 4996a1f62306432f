"""Why a selection's tier deviates from the plain score -> tier rule.

The one list of values of ``config["route_reason"]`` and of the decision log's
``route_reason`` column. None (the column's NULL) means the tier is the one the score,
the rollout gates or a forced model gave.
"""

from __future__ import annotations

__all__ = ["BUDGET", "QUALITY_GUARD", "ROUTE_REASONS", "SESSION", "check_route_reason"]

#: A session's pinned tier kept a later, simpler step on the stronger model.
SESSION = "session"
#: The agent has spent its daily budget: one tier down (or refused).
BUDGET = "budget"
#: The quality guard moved the task to a stronger tier.
QUALITY_GUARD = "quality_guard"

ROUTE_REASONS: tuple[str, ...] = (SESSION, BUDGET, QUALITY_GUARD)


def check_route_reason(value: object) -> str | None:
    """`value` if it is None or one of ROUTE_REASONS; ValueError naming route_reason otherwise."""
    if value is None or value in ROUTE_REASONS:
        return value  # type: ignore[return-value]
    raise ValueError(f"route_reason={value!r} is not valid: expected None or one of {', '.join(ROUTE_REASONS)}")
