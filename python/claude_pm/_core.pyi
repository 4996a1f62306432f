"""Type stubs for the native core ``claude_pm._core``."""

import os
from collections.abc import Sequence
from typing import Any, final

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

__all__ = ["Analysis", "PromptCache", "Scorer", "ScoringRules", "SelectionStats", "__version__"]

__version__: str

# --- scoring -----------------------------------------------------------------------

@final
class ScoringRules:
    @property
    def version(self) -> str: ...
    @staticmethod
    def default() -> ScoringRules: ...
    @staticmethod
    def from_path(path: str | os.PathLike[str]) -> ScoringRules: ...
    @staticmethod
    def from_toml(text: str) -> ScoringRules: ...

@final
class Analysis:
    @property
    def score(self) -> int: ...
    @property
    def level(self) -> int: ...
    @property
    def confidence(self) -> int: ...
    @property
    def description_points(self) -> int: ...
    @property
    def file_points(self) -> int: ...
    @property
    def context_points(self) -> int: ...
    @property
    def integration_points(self) -> int: ...
    @property
    def requirement_points(self) -> int: ...
    @property
    def depth_points(self) -> int: ...
    @property
    def verb_complexity(self) -> str: ...
    @property
    def technical_indicators(self) -> list[str]: ...
    @property
    def estimated_steps(self) -> int: ...
    @property
    def word_count(self) -> int: ...
    @property
    def signals(self) -> list[tuple[str, int]]: ...

@final
class Scorer:
    def __new__(
        cls,
        rules: ScoringRules | None = None,
        *,
        simple_threshold: int | None = None,
        medium_threshold: int | None = None,
    ) -> Scorer: ...
    @property
    def simple_threshold(self) -> int: ...
    @property
    def medium_threshold(self) -> int: ...
    @property
    def rules_version(self) -> str: ...
    def analyze(
        self,
        text: str,
        *,
        file_count: int | None = None,
        context_size: int | None = None,
        integration_points: int | None = None,
        requires_research: bool | None = None,
        requires_testing: bool | None = None,
        requires_documentation: bool | None = None,
        technical_depth: str | int | None = None,
    ) -> Analysis: ...
    def analyze_parts(
        self,
        text: str,
        file_count: int | None = None,
        context_size: int | None = None,
        integration_points: int | None = None,
        requires_research: bool | None = None,
        requires_testing: bool | None = None,
        requires_documentation: bool | None = None,
        technical_depth: str | int | None = None,
    ) -> tuple[int, int, int, dict[str, int], dict[str, Any], list[tuple[str, int]]]: ...
    def verdict(
        self,
        text: str,
        file_count: int | None = None,
        context_size: int | None = None,
        integration_points: int | None = None,
        requires_research: bool | None = None,
        requires_testing: bool | None = None,
        requires_documentation: bool | None = None,
        technical_depth: str | int | None = None,
    ) -> tuple[int, int, int, list[tuple[str, int]]]: ...
    def level_of(self, score: int) -> int: ...
    def score_many(
        self, texts: Sequence[str] | npt.NDArray[np.str_], *, threads: int | None = None
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
        """Description-only (scores, levels) of each text, in order; the GIL is released.

        ``threads`` (None: 1): how many threads share the batch, an int in 1..=256
        (TypeError for a non-int, ValueError for a bool or a value outside the range);
        batches under a few thousand texts stay on one thread. The result is the same
        for every value.

        ``texts``: a 1-D sequence of str (list, tuple, any ``collections.abc.Sequence``)
        or a plain 1-D ``numpy.ndarray`` of str (``<U`` or object dtype). TypeError,
        naming what was passed, for anything whose shape or order the flat result would
        lose: n-D and 0-D arrays (pass ``.ravel()``), ndarray subclasses such as masked
        arrays (pass ``.compressed()``), dicts and other mappings (scored by their keys),
        sets (no order), iterators and generators (pass ``list(...)``), a single str,
        bytes; and for a non-str element (``texts[i] must be str``).
        """

# --- Shared prompt cache (rust/py_cache.rs) ---

@disjoint_base
class PromptCache:
    def __new__(cls, *, max_entries: int, max_bytes: int, default_ttl: float | None) -> PromptCache: ...
    @property
    def max_entries(self) -> int: ...
    @property
    def max_bytes(self) -> int: ...
    @property
    def default_ttl(self) -> float | None: ...
    def get(self, key: str, default: Any = None) -> Any: ...
    def set(self, key: str, value: object, ttl: float | None = None) -> None: ...
    def delete(self, key: str) -> bool: ...
    def invalidate(self, pattern: str) -> int: ...
    def clear(self) -> int: ...
    def stats(self) -> dict[str, int]: ...

# --- Selection statistics (rust/py_stats.rs) ---

@final
class SelectionStats:
    def __new__(
        cls,
        *,
        retention_hours: int,
        histogram_buckets: Sequence[float] | None = None,
        latency_buckets: Sequence[float] | None = None,
    ) -> SelectionStats: ...
    @property
    def retention_hours(self) -> int: ...
    def set_retention_hours(self, retention_hours: int) -> None: ...
    def record(
        self,
        agent: str,
        model: str,
        metric_model: str,
        method: str,
        template: str,
        level: int | None,
        token_reduction: float,
        rollout_reason: str,
        shadow: bool,
        latency_seconds: float,
        now: float | None = None,
    ) -> None: ...
    def snapshot(self, now: float | None = None) -> dict[str, Any]: ...
    def prometheus_samples(self) -> dict[str, Any]: ...
    def reset(self) -> None: ...
