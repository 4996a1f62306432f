"""Names, defaults and rules that many modules share, each defined here once.

Level names are what a score is sorted into (``SIMPLE``, ``MEDIUM``, ``COMPLEX``);
tier names are the model families a level is routed to (``haiku``, ``sonnet``,
``opus``, `TIERS`). A level's index is its tier's index: level ``i`` goes to
``TIERS[i]`` unless a rule moves it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

# The engine owns the level names and rule's defaults, the caller facts, the statistics'
# buckets and label fold: they are its constants, re-exported here.
from claude_pm._core import (
    DEFAULT_MEDIUM_THRESHOLD,
    DEFAULT_SIMPLE_THRESHOLD,
    FACT_NAMES,
    LEVEL_NAMES,
    OTHER_LABEL,
    TOKEN_REDUCTION_BUCKETS,
)
from claude_pm.config import RETENTION_HOURS_LIMIT, TIERS

__all__ = [
    "DEFAULT_MEDIUM_THRESHOLD",
    "DEFAULT_SIMPLE_THRESHOLD",
    "FACT_NAMES",
    "LEVEL_NAMES",
    "OPTIMAL_PROMPT_SIZES",
    "OTHER_LABEL",
    "RETENTION_HOURS_LIMIT",
    "TIERS",
    "TOKEN_REDUCTION_BUCKETS",
    "level_index",
    "stored_default_ttl",
]


def level_index(score: int, simple_threshold: int, medium_threshold: int) -> int:
    """The level rule: ``score <= simple_threshold`` is 0 (SIMPLE), ``<= medium_threshold`` 1, else 2."""
    if score <= simple_threshold:
        return 0
    if score <= medium_threshold:
        return 1
    return 2


# Prompt size (tokens) each tier's model is given, as in 1.x.
OPTIMAL_PROMPT_SIZES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {"haiku": (300, 500), "sonnet": (700, 1000), "opus": (1200, 1500)}
)


def stored_default_ttl(ttl: float | None) -> float | None:
    """A cache's default time to live as it is kept: None (no expiry) for None, 0 and math.inf.

    Any other value is the number of seconds an entry lives when ``set`` gets no ``ttl``
    (``set(key, value, None)`` means "the default", not "never").
    """
    return None if ttl is None or ttl == 0 or ttl == math.inf else ttl
