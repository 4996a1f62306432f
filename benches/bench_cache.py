"""SharedPromptCache against cachetools.TTLCache under the same load, in the same run.

Run: python -m pytest benches/bench_cache.py --benchmark-enable -q

Both caches get the same 2,000 keys, the same prompt-sized str values (300..3,000
characters) and the same hit ratio. cachetools is not thread-safe, so the baseline is
TTLCache behind a threading.Lock (as a shared cache must be); the bare TTLCache is
reported too. The multi-threaded benchmark runs the same total work on 1 and on 4
threads: a lock convoy shows up as 4 threads being much slower than 1.

The ratio table printed at the end divides the baseline's median by ours; the targets
are get (hit) >= 1.5x and set >= 3x the locked TTLCache.
"""

from __future__ import annotations

import random
import threading
from typing import Any, Callable

import pytest
from cachetools import TTLCache
from claude_pm.services.shared_prompt_cache import SharedPromptCache

AGENTS = ("engineer", "qa", "documentation", "research", "ops", "security", "data_engineer", "version_control", "pm")
TEMPLATES = ("MINIMAL", "STANDARD", "FULL")
KEY_COUNT = 2000
MAX_ENTRIES = 10_000
TTL_SECONDS = 3600.0
THREAD_OPS = 20_000
TARGETS = {"get_hit": 1.5, "set_overwrite": 3.0}

_rng = random.Random(1234)
KEYS = [f"prompt:{AGENTS[i % len(AGENTS)]}:{TEMPLATES[i % 3]}:{i}" for i in range(KEY_COUNT)]
VALUES = ["x" * _rng.randint(300, 3000) for _ in range(KEY_COUNT)]
ABSENT = [f"absent:{i}" for i in range(KEY_COUNT // 4)]
# 80% hits: every fifth lookup asks for a key that was never stored.
MIXED_LOOKUPS = [ABSENT[i // 5 % len(ABSENT)] if i % 5 == 4 else KEYS[i] for i in range(KEY_COUNT)]


class LockedTTLCache:
    """cachetools.TTLCache made safe to share between threads, as a shared cache must be."""

    def __init__(self, maxsize: int, ttl: float) -> None:
        self._cache: TTLCache = TTLCache(maxsize=maxsize, ttl=ttl)
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self._cache.get(key, default)

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self._cache[key] = value


class BareTTLCache(TTLCache):
    """The unsynchronised TTLCache with the same method names, for reference only."""

    def set(self, key: str, value: Any) -> None:
        self[key] = value


def ours(max_entries: int = MAX_ENTRIES) -> Any:
    return SharedPromptCache(max_entries=max_entries, max_bytes=64 * 1024 * 1024, default_ttl=TTL_SECONDS)


def locked(max_entries: int = MAX_ENTRIES) -> Any:
    return LockedTTLCache(max_entries, TTL_SECONDS)


def bare(max_entries: int = MAX_ENTRIES) -> Any:
    return BareTTLCache(maxsize=max_entries, ttl=TTL_SECONDS)


IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {"claude_pm": ours, "ttlcache_locked": locked, "ttlcache_bare": bare}
_medians: dict[tuple[str, str], float] = {}


def warm(cache: Any) -> Any:
    for key, value in zip(KEYS, VALUES):
        cache.set(key, value)
    return cache


def run_gets(cache: Any, keys: list[str]) -> None:
    get = cache.get
    for key in keys:
        get(key)


def run_sets(cache: Any) -> None:
    set_ = cache.set
    for key, value in zip(KEYS, VALUES):
        set_(key, value)


def measure(benchmark: Any, group: str, implementation: str, function: Callable[[], None]) -> None:
    benchmark.group = group
    benchmark(function)
    if benchmark.stats is not None:
        _medians[(group, implementation)] = benchmark.stats.stats.median


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_get_hit(benchmark, implementation):
    cache = warm(IMPLEMENTATIONS[implementation]())
    measure(benchmark, "get_hit", implementation, lambda: run_gets(cache, KEYS))


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_get_mixed_80_percent_hits(benchmark, implementation):
    cache = warm(IMPLEMENTATIONS[implementation]())
    measure(benchmark, "get_mixed", implementation, lambda: run_gets(cache, MIXED_LOOKUPS))


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_set_overwrite(benchmark, implementation):
    cache = warm(IMPLEMENTATIONS[implementation]())
    measure(benchmark, "set_overwrite", implementation, lambda: run_sets(cache))


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_set_evicting(benchmark, implementation):
    cache = warm(IMPLEMENTATIONS[implementation](max_entries=KEY_COUNT // 4))
    measure(benchmark, "set_evicting", implementation, lambda: run_sets(cache))


def run_threads(cache: Any, threads: int) -> None:
    """THREAD_OPS operations split over `threads` threads: 90% gets, 10% sets."""
    per_thread = THREAD_OPS // threads
    start = threading.Barrier(threads)

    def worker(offset: int) -> None:
        get, set_ = cache.get, cache.set
        start.wait()
        for i in range(offset, offset + per_thread):
            index = i % KEY_COUNT
            if i % 10 == 0:
                set_(KEYS[index], VALUES[index])
            else:
                get(KEYS[index])

    workers = [threading.Thread(target=worker, args=(n * per_thread,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()


@pytest.mark.parametrize("threads", [1, 4])
@pytest.mark.parametrize("implementation", ["claude_pm", "ttlcache_locked"])
def test_threads(benchmark, implementation, threads):
    cache = warm(IMPLEMENTATIONS[implementation]())
    group = f"threads_{threads}"
    benchmark.group = group
    benchmark.pedantic(run_threads, args=(cache, threads), rounds=7, iterations=1, warmup_rounds=1)
    if benchmark.stats is not None:
        _medians[(group, implementation)] = benchmark.stats.stats.median


@pytest.fixture(scope="module", autouse=True)
def ratio_report(request):
    yield
    if not _medians:
        return
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    lines = ["", "cache ratios (baseline median / claude_pm median; > 1 means claude_pm is faster)"]
    for group in ("get_hit", "get_mixed", "set_overwrite", "set_evicting", "threads_1", "threads_4"):
        mine = _medians.get((group, "claude_pm"))
        if mine is None:
            continue
        for baseline in ("ttlcache_locked", "ttlcache_bare"):
            theirs = _medians.get((group, baseline))
            if theirs is not None:
                target = TARGETS.get(group) if baseline == "ttlcache_locked" else None
                verdict = ""
                if target is not None:
                    verdict = f"  (target >= {target}x: {'met' if theirs / mine >= target else 'MISSED'})"
                lines.append(f"  {group:14} vs {baseline:16} {theirs / mine:6.2f}x{verdict}")
    for implementation in ("claude_pm", "ttlcache_locked"):
        one, four = _medians.get(("threads_1", implementation)), _medians.get(("threads_4", implementation))
        if one and four:
            lines.append(f"  {implementation:16} 4 threads take {four / one:4.2f}x the time of 1 thread, same work")
    with request.config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        for line in lines:
            reporter.write_line(line)
