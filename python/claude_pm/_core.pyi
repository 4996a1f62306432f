"""Type stubs for the native core ``claude_pm._core``."""

from collections.abc import Sequence
from typing import Any, final

from typing_extensions import disjoint_base

__all__ = ["PromptCache", "SelectionStats", "__version__"]

__version__: str

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
        level: int,
        token_reduction: float,
        rollout_reason: str,
        shadow: bool,
        latency_seconds: float,
        now: float | None = None,
    ) -> None: ...
    def snapshot(self, now: float | None = None) -> dict[str, Any]: ...
    def prometheus_samples(self) -> dict[str, Any]: ...
    def reset(self) -> None: ...
