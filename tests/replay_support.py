"""A generated decision log with planted outcomes for the replay and train tests.

Scores are uniform on 0..100 and routed with the default thresholds (30/70). Every
haiku decision scored in `PLANTED_BAND` (21..30) fails and is re-run on sonnet (a
caller override, so not a score-routed decision), where it succeeds; every other
decision succeeds. A quarter of the decisions carry real usage. Some decisions have
no score and some a forced model. Deterministic (seeded).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from claude_pm.config import get_settings
from claude_pm.decision_log import DecisionLog
from claude_pm.decision_log.outcomes import make_outcome
from decision_log_support import decision

__all__ = ["PLANTED_BAND", "Planted", "plant_log", "record_with_outcomes"]

PLANTED_BAND = range(21, 31)
_TIERS = ("haiku", "sonnet", "opus")
_LEVELS = ("SIMPLE", "MEDIUM", "COMPLEX")


@dataclass
class Planted:
    """What was recorded: per routed decision (agent, score, tier, input tokens, output tokens, failed)."""

    routed: list[tuple[str, int, str, int, int, bool]] = field(default_factory=list)
    unscored: int = 0
    forced: int = 0
    reruns: int = 0


def plant_log(target: str, *, count: int = 2000, texts: list[str] | None = None, now: float | None = None) -> Planted:
    settings = get_settings()
    rng = random.Random(20261201)
    now = time.time() if now is None else now
    log = DecisionLog(target)
    planted = Planted()
    for index in range(count):
        score = rng.randint(0, 100)
        level = 0 if score <= 30 else 1 if score <= 70 else 2
        tier = _TIERS[level]
        agent = ("engineer", "qa")[index % 2]
        text = f"planted task number {index}" if texts is None else texts[index % len(texts)]
        decision_id = log.record(
            decision(
                timestamp=now - 3600 + index * 0.5,
                agent=agent,
                tier=tier,
                model_id=settings.model_id(tier),
                score=score,
                level=_LEVELS[level],
                prompt_tokens=1000,
                task_text=text,
            )
        )
        used = (1200, 300) if index % 4 == 0 else None
        if used is not None:
            log.record_usage(decision_id, *used)
        failed = tier == "haiku" and score in PLANTED_BAND
        log.record_outcome_row(make_outcome(decision_id, success=not failed, now=now))
        planted.routed.append((agent, score, tier, *(used or (1000, 0)), failed))
        if failed:
            rerun = log.record(
                decision(
                    timestamp=now - 3600 + index * 0.5 + 0.1,
                    agent=agent,
                    tier="sonnet",
                    model_id=settings.model_id("sonnet"),
                    score=score,
                    level=_LEVELS[level],
                    selection_method="caller_override",
                    rollout_reason="forced_model",
                    task_text=text,
                )
            )
            log.record_outcome_row(make_outcome(rerun, success=True, now=now))
            planted.reruns += 1
    for index in range(40):
        log.record(decision(timestamp=now - 1800 + index, level=None, score=None, selection_method="default_mapping"))
        planted.unscored += 1
    for index in range(30):
        log.record(
            decision(
                timestamp=now - 1700 + index,
                score=10,
                level="SIMPLE",
                tier="opus",
                model_id=settings.model_id("opus"),
                selection_method="caller_override",
            )
        )
        planted.forced += 1
    assert log.close(60), log.stats()
    return planted


def record_with_outcomes(target: str, records: list, successes: list[bool]) -> None:
    """Record `records`, each with a known outcome (success or failure)."""
    log = DecisionLog(target)
    for record, success in zip(records, successes):
        log.record_outcome_row(make_outcome(log.record(record), success=success))
    assert log.close(60), log.stats()
