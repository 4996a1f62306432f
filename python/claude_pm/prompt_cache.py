"""The process-wide prompt cache, over the native ``PromptCache``.

1.x code imports it from ``claude_pm.services.shared_prompt_cache``.

Thread-safe, bounded by entry count and by bytes, with a time to live per entry and
exact counters. Values:

- ``str`` and ``bytes`` are kept as the very objects given (they are immutable), so a
  hit costs a reference-count bump; they weigh their data size plus the key's length.
- Any other value, ``None`` included, is **pickled** on ``set`` and unpickled on each
  ``get``: the caller receives an equal copy (mutating it does not change the cache),
  the byte bound counts the pickle's size, and a value that cannot be pickled raises
  ``TypeError`` naming its type.
- A stored ``None`` is told apart from a miss with ``get(key, default=sentinel)``.

Eviction (CLOCK-PRO: entries read since they were stored outlast a scan of new ones)
happens inside the ``set`` that needs room, so neither bound is ever exceeded and there
is no background thread. An entry too large to admit (about a quarter of the byte
bound; all of it for caches under 64 entries) is refused with ``ValueError``. Expired
entries are never returned: the read that finds one removes it, and ``get_stats()``
sweeps the rest first, so its counts are exact.

Configuration comes from ``CLAUDE_PM_CACHE_MAX_ENTRIES``, ``CLAUDE_PM_CACHE_MAX_MB`` and
``CLAUDE_PM_CACHE_DEFAULT_TTL`` through ``claude_pm.config``, read when the instance is
created: after changing them, call ``reset_instance()``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import math
import os
import string
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Callable, ClassVar, TypeVar

from claude_pm import runtime
from claude_pm._core import PromptCache
from claude_pm.config import (
    CACHE_MAX_ENTRIES_LIMIT,
    CACHE_MAX_MB_LIMIT,
    CACHE_TTL_LIMIT_SECONDS,
    get_settings,
)
from claude_pm.definitions import stored_default_ttl

__all__ = ["SharedPromptCache", "cache_result"]

_MIB = 1024 * 1024
_MISSING = object()
_F = TypeVar("_F", bound=Callable[..., Any])

# 1.x configuration keys are accepted beside the 1.3 names.
_ALIASES = {"max_size": "max_entries", "max_memory_mb": "max_bytes"}
_CONFIG_KEYS = ("max_entries", "max_size", "max_bytes", "max_memory_mb", "default_ttl")


class SharedPromptCache(PromptCache):
    """The shared prompt cache. Use ``get_instance()``; constructing one directly gives an
    independent cache (``max_entries``, ``max_bytes`` and ``default_ttl`` keywords).

    It subclasses the native class instead of wrapping it so that ``get`` and ``set``
    are the native methods: a Python wrapper frame would double the cost of a hit.
    """

    __slots__ = ()

    _instance: ClassVar[SharedPromptCache | None] = None
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def get_instance(cls, config: Mapping[str, Any] | None = None) -> SharedPromptCache:
        """The process-wide cache, created on first use from ``config`` and the environment.

        ``config`` may set ``max_entries`` (1.x: ``max_size``), ``max_bytes`` (1.x:
        ``max_memory_mb``) and ``default_ttl`` (seconds; 0 or None: no expiry); keys it
        leaves out come from the environment. Once the instance exists, a ``config`` that
        disagrees with it raises ``ValueError`` rather than being ignored.
        """
        instance = cls._instance
        if instance is not None and config is None:
            return instance
        with cls._instance_lock:
            wanted = _normalise(config or {})
            instance = cls._instance
            if instance is None:
                settings = get_settings()
                instance = cls(
                    max_entries=wanted.get("max_entries", settings.cache_max_entries),
                    max_bytes=wanted.get("max_bytes", settings.cache_max_bytes),
                    default_ttl=wanted.get("default_ttl", settings.cache_default_ttl),
                )
                cls._instance = instance
                return instance
            current = {
                "max_entries": instance.max_entries,
                "max_bytes": instance.max_bytes,
                "default_ttl": instance.default_ttl,
            }
            conflicts = {key: value for key, value in wanted.items() if current[key] != value}
            if conflicts:
                raise ValueError(
                    f"SharedPromptCache already exists with {current}; the requested "
                    f"{conflicts} differs. Call SharedPromptCache.reset_instance() first."
                )
            return instance

    @classmethod
    def reset_instance(cls) -> None:
        """Forget the process-wide cache; the next ``get_instance()`` builds a new one."""
        with cls._instance_lock:
            cls._instance = None

    @classmethod
    def existing_instance(cls) -> SharedPromptCache | None:
        """The process-wide cache if one exists and is usable, without creating it or locking.

        In a forked child, None when the parent's cache was inside ``invalidate()`` or
        ``clear()`` on another thread at the fork (see ``_SCANS``).
        """
        instance = cls._instance
        return None if instance is not None and _interrupted_by_fork(instance) else instance

    def invalidate(self, pattern: str) -> int:
        with _scanning(self):
            return super().invalidate(pattern)

    def clear(self) -> int:
        with _scanning(self):
            return super().clear()

    def get_stats(self) -> dict[str, Any]:
        """Counters, live ``entries`` and ``bytes``, bounds, and ``hit_rate`` in percent."""
        stats: dict[str, Any] = self.stats()
        stats["hit_rate"] = round(100.0 * _fraction(stats["hits"], stats), 2)
        stats["max_entries"] = self.max_entries
        stats["max_bytes"] = self.max_bytes
        stats["default_ttl"] = self.default_ttl
        return stats

    def get_metrics(self) -> dict[str, Any]:
        """The 1.x metrics dict: rates as 0..1 fractions, sizes in bytes and MiB.

        ``cleanup_interval`` is None: there is no periodic cleanup task.
        """
        stats = self.stats()
        size_mb = stats["bytes"] / _MIB
        max_memory_mb = self.max_bytes / _MIB
        usage_percent = 100.0 * stats["bytes"] / self.max_bytes
        return {
            "hits": stats["hits"],
            "misses": stats["misses"],
            "hit_rate": _fraction(stats["hits"], stats),
            "miss_rate": _fraction(stats["misses"], stats),
            "sets": stats["sets"],
            "deletes": stats["deletes"],
            "invalidations": stats["invalidations"],
            "size_bytes": stats["bytes"],
            "size_mb": size_mb,
            "entry_count": stats["entries"],
            "max_size": self.max_entries,
            "max_memory_mb": max_memory_mb,
            "evictions": stats["evictions"],
            "expired_removals": stats["expirations"],
            "memory_usage_percent": usage_percent,
            "memory_pressure": usage_percent > 80,
            "ttl_default": self.default_ttl,
            "cleanup_interval": None,
        }


def _fraction(part: int, stats: Mapping[str, int]) -> float:
    lookups = stats["hits"] + stats["misses"]
    return part / lookups if lookups else 0.0


def _normalise(config: Mapping[str, Any]) -> dict[str, Any]:
    """Validated config keys under their 1.3 names, in the units the native class takes."""
    unknown = sorted(set(config) - set(_CONFIG_KEYS))
    if unknown:
        raise ValueError(f"unknown SharedPromptCache config keys {unknown}; allowed: {list(_CONFIG_KEYS)}")
    normalised: dict[str, Any] = {}
    for key, value in config.items():
        name = _ALIASES.get(key, key)
        if name in normalised:
            raise ValueError(f"config sets {name!r} twice (as {key!r} and its alias); give one")
        if key == "max_memory_mb":
            value = int(
                _number(key, value, f"a number of MiB > 0 and <= {CACHE_MAX_MB_LIMIT}", upper=CACHE_MAX_MB_LIMIT) * _MIB
            )
        elif key == "max_bytes":
            limit = CACHE_MAX_MB_LIMIT * _MIB
            value = _number(key, value, f"an integer from 1 to {limit}", integral=True, upper=limit)
        elif key == "default_ttl":
            if value is not None and value != math.inf:
                _number(
                    key,
                    value,
                    f"seconds from 0 to {CACHE_TTL_LIMIT_SECONDS}, math.inf or None",
                    zero=True,
                    upper=CACHE_TTL_LIMIT_SECONDS,
                )
            value = stored_default_ttl(value)
        else:
            value = _number(
                key,
                value,
                f"an integer from 1 to {CACHE_MAX_ENTRIES_LIMIT}",
                integral=True,
                upper=CACHE_MAX_ENTRIES_LIMIT,
            )
        normalised[name] = value
    return normalised


def _number(key: str, value: Any, allowed: str, *, upper: float, integral: bool = False, zero: bool = False) -> Any:
    kinds: tuple[type, ...] = (int,) if integral else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise TypeError(f"config[{key!r}] must be {allowed}, not {type(value).__name__}")
    if math.isnan(value) or value < 0 or (value == 0 and not zero) or value > upper:
        raise ValueError(f"config[{key!r}]={value!r} is not valid: expected {allowed}")
    return value


def cache_result(key_pattern: str, ttl: float | None = None) -> Callable[[_F], _F]:
    """Cache a function's results in the shared cache under ``key_pattern``.

    The pattern names the function's parameters in ``str.format`` fields, e.g.
    ``"agent_profile:{agent_name}"``; they are filled in whether the call passes them
    positionally, by keyword or leaves them at their defaults. ``{args_hash}`` stands for
    a digest of all the arguments. ``ttl`` is as for ``SharedPromptCache.set``. A result
    of ``None`` is cached like any other. Results that are neither ``str`` nor ``bytes``
    are pickled (see the module docs); an unpicklable or oversized result raises.
    """
    fields = _pattern_fields(key_pattern)
    if ttl is not None and not ttl >= 0:
        raise ValueError(f"ttl={ttl!r} is not valid: expected seconds >= 0 or None")

    def decorate(func: _F) -> _F:
        signature = inspect.signature(func)
        unknown = fields - set(signature.parameters) - {"args_hash"}
        if unknown:
            raise ValueError(
                f"key_pattern {key_pattern!r} names {sorted(unknown)}, which are not parameters "
                f"of {func.__qualname__}{signature}"
            )

        @functools.wraps(func)
        def cached(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            if "args_hash" in fields:
                arguments["args_hash"] = _arguments_digest(arguments)
            key = key_pattern.format_map(arguments)
            cache = SharedPromptCache.get_instance()
            result = cache.get(key, _MISSING)
            if result is _MISSING:
                result = func(*args, **kwargs)
                cache.set(key, result, ttl)
            return result

        return cached  # type: ignore[return-value]

    return decorate


# The native cache takes its internal locks while holding the GIL, which the forking
# thread holds, except in invalidate() and clear(): they scan with the GIL released. A
# fork during a scan on another thread leaves that cache's locks held in the child for
# good. Scans in progress, by (pid, thread id): plain dict updates are atomic under the
# GIL, so no lock is needed that a fork could catch held.
_SCANS: dict[tuple[int, int], PromptCache] = {}


@contextlib.contextmanager
def _scanning(cache: PromptCache) -> Iterator[None]:
    key = (os.getpid(), threading.get_ident())
    _SCANS[key] = cache
    try:
        yield
    finally:
        _SCANS.pop(key, None)


def _interrupted_by_fork(cache: PromptCache) -> bool:
    pid = os.getpid()
    return any(scanned is cache and scan_pid != pid for (scan_pid, _), scanned in list(_SCANS.items()))


def _after_fork_in_child() -> None:
    # A parent thread may have held the lock inside get_instance() at the fork; it does
    # not exist in the child to release it. A cache caught mid-scan is dropped: the
    # child's next get_instance() builds a new, empty one.
    SharedPromptCache._instance_lock = threading.Lock()
    instance = SharedPromptCache._instance
    if instance is not None and _interrupted_by_fork(instance):
        SharedPromptCache._instance = None
    _SCANS.clear()


def _forget_instance() -> None:
    SharedPromptCache.reset_instance()
    _SCANS.clear()


runtime.register("prompt_cache", after_fork_in_child=_after_fork_in_child, reset=_forget_instance)


def _pattern_fields(key_pattern: str) -> set[str]:
    fields = set()
    for _literal, field, _spec, _conversion in string.Formatter().parse(key_pattern):
        if field is None:
            continue
        root = field.split(".", 1)[0].split("[", 1)[0]
        if not root or root.isdigit():
            raise ValueError(f"key_pattern {key_pattern!r} must name parameters, e.g. '{{agent_name}}'")
        fields.add(root)
    return fields


def _arguments_digest(arguments: Mapping[str, Any]) -> str:
    text = repr(sorted(arguments.items()))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
