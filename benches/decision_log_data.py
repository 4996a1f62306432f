"""A synthetic decision log for benchmarks: plausible scores, tiers, agents and token counts."""

from __future__ import annotations

import random
import time

from claude_pm.config import get_settings
from claude_pm.decision_log import DecisionLog, DecisionRecord, flush

__all__ = ["AGENTS", "synthetic_records", "write_synthetic_log"]

AGENTS = ("engineer", "qa", "documentation", "research", "ops", "security", "data_engineer", "version_control")
_TEMPLATES = {"haiku": ("MINIMAL", 400), "sonnet": ("STANDARD", 850), "opus": ("FULL", 1400)}


def synthetic_records(count: int, *, days: float = 6.5, seed: int = 7) -> list[DecisionRecord]:
    settings = get_settings()
    rng = random.Random(seed)
    now = time.time()
    records = []
    for index in range(count):
        score = min(100, max(0, int(rng.betavariate(2.2, 2.6) * 100)))
        level = 0 if score <= settings.simple_threshold else 1 if score <= settings.medium_threshold else 2
        tier = ("haiku", "sonnet", "opus")[level]
        template, size = _TEMPLATES[tier]
        records.append(
            DecisionRecord(
                timestamp=now - rng.random() * days * 86400,
                agent=rng.choice(AGENTS),
                model_id=settings.model_id(tier),
                tier=tier,
                level=level,
                score=score,
                template=template,
                prompt_tokens=size + rng.randint(-50, 50),
                full_prompt_tokens=1450,
                rollout_reason="enabled",
                selection_method="dynamic_complexity_based",
                shadow=False,
                task_text=f"synthetic task {index}",
            )
        )
    return records


def write_synthetic_log(target: str, count: int, *, usage_every: int = 4) -> float:
    """Record `count` decisions through the background writer; returns seconds until all were committed."""
    log = DecisionLog(target)
    started = time.perf_counter()
    for index, record in enumerate(synthetic_records(count)):
        decision_id = log.record(record)
        if usage_every and index % usage_every == 0:
            log.record_usage(decision_id, (record.prompt_tokens or 0) + 120, 300 + index % 500)
    log.close()
    flush()
    return time.perf_counter() - started
