"""A generated decision log with planted outcomes, shared by the quality report and guard tests.

haiku gets scores 0..39 and sonnet 20..69 (the tiers overlap on 20..39, as they do
while thresholds move or a rollout is partial). haiku fails 60 % of the tasks scored
20..29 and 5 % elsewhere; sonnet fails 5 % everywhere. Deterministic (seeded).
"""

from __future__ import annotations

import random
import time

from claude_pm.decision_log import DecisionLog
from claude_pm.decision_log.outcomes import make_outcome
from decision_log_support import decision

__all__ = ["PLANTED_BAND", "plant_log", "record_outcomes"]

PLANTED_BAND = range(20, 30)
_MODELS = {"haiku": "claude-3-haiku-20240307", "sonnet": "claude-sonnet-4-20250514"}


def plant_log(target: str, *, per_tier: int = 1000, agent: str = "engineer", now: float | None = None) -> dict:
    """Record the planted decisions and outcomes; returns {tier: [(decision id, failed)]}."""
    rng = random.Random(20261201)
    now = time.time() if now is None else now
    log = DecisionLog(target)
    planted: dict[str, list[tuple[str, bool]]] = {"haiku": [], "sonnet": []}
    for tier, (low, high) in (("haiku", (0, 39)), ("sonnet", (20, 69))):
        for index in range(per_tier):
            score = rng.randint(low, high)
            decision_id = log.record(
                decision(
                    timestamp=now - 3600 + index,
                    agent=agent,
                    tier=tier,
                    model_id=_MODELS[tier],
                    score=score,
                    level="SIMPLE" if score <= 30 else "MEDIUM",
                    task_text=None,
                )
            )
            failure_rate = 0.6 if tier == "haiku" and score in PLANTED_BAND else 0.05
            failed = rng.random() < failure_rate
            planted[tier].append((decision_id, failed))
            log.record_outcome_row(
                make_outcome(decision_id, success=not failed, escalated=failed and rng.random() < 0.5, now=now)
            )
    assert log.close(60), log.stats()
    return planted


def record_outcomes(target: str, records: list, outcomes: list[bool | None]) -> list[str]:
    """Record `records` and one outcome each (success per `outcomes`); returns the decision ids."""
    log = DecisionLog(target)
    ids = [log.record(record) for record in records]
    for decision_id, success in zip(ids, outcomes):
        log.record_outcome_row(make_outcome(decision_id, success=success))
    assert log.close(60), log.stats()
    return ids
