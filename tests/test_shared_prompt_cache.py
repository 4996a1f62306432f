"""SharedPromptCache: values, bounds, expiry, invalidation, counters and the singleton."""

from __future__ import annotations

import math
import threading
import time

import pytest
from claude_pm.errors import ConfigError
from claude_pm.services.shared_prompt_cache import SharedPromptCache

MISSING = object()


def make_cache(max_entries: int = 1000, max_bytes: int = 1 << 20, default_ttl: float | None = None):
    return SharedPromptCache(max_entries=max_entries, max_bytes=max_bytes, default_ttl=default_ttl)


@pytest.fixture(autouse=True)
def fresh_singleton():
    # conftest's clean_environment has already removed the CLAUDE_PM_CACHE_* variables.
    SharedPromptCache.reset_instance()
    yield
    SharedPromptCache.reset_instance()


class TestValues:
    def test_str_and_bytes_come_back_as_the_same_objects(self):
        cache = make_cache()
        text, data = "prompt " * 100, b"\x00\x01" * 50
        cache.set("text", text)
        cache.set("data", data)
        assert cache.get("text") is text
        assert cache.get("data") is data

    def test_other_values_are_pickled_copies(self):
        cache = make_cache()
        original = {"model": "claude-4-opus", "signals": [("refactor", 12)]}
        cache.set("config", original)
        first = cache.get("config")
        assert first == original and first is not original
        first["model"] = "changed"
        assert cache.get("config")["model"] == "claude-4-opus"

    def test_a_stored_none_is_not_a_miss(self):
        cache = make_cache()
        cache.set("nothing", None)
        assert cache.get("nothing", MISSING) is None
        assert cache.get("absent", MISSING) is MISSING
        assert cache.get("absent") is None
        stats = cache.get_stats()
        assert (stats["hits"], stats["misses"]) == (1, 2)

    def test_unpicklable_values_raise_type_error_naming_the_type(self):
        cache = make_cache()
        with pytest.raises(TypeError, match="lock"):
            cache.set("lock", threading.Lock())
        assert cache.get_stats()["sets"] == 0

    def test_str_weighs_its_utf8_length_and_bytes_their_length(self):
        cache = make_cache()
        cache.set("a", "abcd")  # 1 byte per character in UTF-8
        cache.set("b", "\u20ac\u20ac")  # 3 bytes per character in UTF-8
        cache.set("\u00e9", "\U0001f600")  # a 2-byte key, a 4-byte value
        cache.set("c", b"12345")
        assert cache.get_stats()["bytes"] == (1 + 4) + (1 + 6) + (2 + 4) + (1 + 5)

    def test_keys_must_be_str(self):
        cache = make_cache()
        with pytest.raises(TypeError, match="key"):
            cache.set(42, "value")  # type: ignore[arg-type]


class TestBounds:
    def test_byte_bound_is_never_exceeded(self):
        cache = make_cache(max_entries=10_000, max_bytes=20_000)
        for i in range(2000):
            cache.set(f"prompt:{i}", "x" * (50 + (i * 7919) % 1500))
            if i % 50 == 0:
                assert cache.get_stats()["bytes"] <= 20_000
        stats = cache.get_stats()
        assert stats["bytes"] <= 20_000
        assert stats["evictions"] > 0

    def test_entry_bound_is_never_exceeded(self):
        cache = make_cache(max_entries=40)
        for i in range(500):
            cache.set(f"k{i}", "v")
            assert cache.get_stats()["entries"] <= 40
        stats = cache.get_stats()
        assert stats["entries"] + stats["evictions"] == 500

    def test_entries_read_since_stored_survive_a_scan_of_new_keys(self):
        cache = make_cache(max_entries=50)
        for i in range(50):
            cache.set(f"hot{i}", "v")
        for i in range(50):
            assert cache.get(f"hot{i}") == "v"
        for i in range(300):
            cache.set(f"scan{i}", "v")
        survivors = sum(cache.get(f"hot{i}") is not None for i in range(50))
        assert survivors >= 40

    def test_overwriting_a_key_evicts_nothing_else(self):
        cache = make_cache(max_entries=4, max_bytes=4000)
        for key in "abcd":
            cache.set(key, "y" * 900)
        for round_ in range(300):
            cache.set("a", "z" * (900 + round_ % 40))
        stats = cache.get_stats()
        assert (stats["entries"], stats["evictions"]) == (4, 0)
        assert all(cache.get(key) is not None for key in "abcd")

    def test_a_value_larger_than_the_bound_is_refused(self):
        cache = make_cache(max_bytes=10_000)
        cache.set("small", "s")
        with pytest.raises(ValueError, match='"huge"'):
            cache.set("huge", "x" * 20_000)
        assert cache.get("huge") is None
        assert cache.get("small") == "s"
        assert cache.get_stats()["sets"] == 1


class TestExpiry:
    def test_entries_expire_after_their_ttl(self):
        cache = make_cache(default_ttl=0.05)
        cache.set("default", "v")
        cache.set("short", "v", ttl=0.05)
        cache.set("long", "v", ttl=60)
        cache.set("forever", "v", ttl=0)
        cache.set("also_forever", "v", ttl=math.inf)
        time.sleep(0.1)
        assert cache.get("default") is None
        assert cache.get("short") is None
        assert cache.get("long") == "v"
        assert cache.get("forever") == "v"
        assert cache.get("also_forever") == "v"
        stats = cache.get_stats()
        assert (stats["expirations"], stats["entries"]) == (2, 3)

    def test_expired_entries_are_swept_without_being_read(self):
        cache = make_cache()
        for i in range(10):
            cache.set(f"k{i}", "v", ttl=0.03)
        time.sleep(0.06)
        stats = cache.get_stats()
        assert (stats["expirations"], stats["entries"], stats["bytes"]) == (10, 0, 0)

    def test_deleting_an_expired_entry_counts_an_expiration(self):
        cache = make_cache()
        cache.set("k", "v", ttl=0.03)
        time.sleep(0.06)
        assert cache.delete("k") is False
        stats = cache.get_stats()
        assert (stats["deletes"], stats["expirations"]) == (0, 1)

    @pytest.mark.parametrize("ttl", [-1, math.nan])
    def test_bad_ttl_is_rejected(self, ttl):
        with pytest.raises(ValueError, match="ttl"):
            make_cache().set("k", "v", ttl=ttl)


class TestInvalidation:
    def test_glob_invalidation_returns_and_counts_what_it_removed(self):
        cache = make_cache()
        for key in ("agent:qa:1", "agent:qa:2", "agent:ops:1", "agent/ops/2", "other"):
            cache.set(key, "v")
        assert cache.invalidate("agent:qa:*") == 2
        assert cache.invalidate("agent:?ps:[0-9]") == 1
        assert cache.invalidate("agent*2") == 1  # * crosses separators, like fnmatch
        assert cache.invalidate("nothing:*") == 0
        assert cache.get("other") == "v"
        assert cache.get_stats()["invalidations"] == 4

    def test_a_malformed_glob_is_a_value_error_naming_it(self):
        with pytest.raises(ValueError, match=r"\[unclosed"):
            make_cache().invalidate("[unclosed")

    def test_delete_and_clear(self):
        cache = make_cache()
        for key in "abc":
            cache.set(key, "v")
        assert cache.delete("a") is True
        assert cache.delete("a") is False
        assert cache.clear() == 2
        stats = cache.get_stats()
        assert (stats["deletes"], stats["invalidations"], stats["entries"], stats["bytes"]) == (1, 2, 0, 0)


class TestStats:
    def test_stats_and_metrics_shapes(self):
        cache = make_cache(max_entries=100, max_bytes=2 * 1024 * 1024, default_ttl=30)
        cache.set("k", "value")
        cache.get("k")
        cache.get("k")
        cache.get("missing")
        stats = cache.get_stats()
        assert stats["hit_rate"] == pytest.approx(66.67)
        assert (stats["max_entries"], stats["max_bytes"], stats["default_ttl"]) == (100, 2 * 1024 * 1024, 30.0)
        metrics = cache.get_metrics()
        assert metrics["hit_rate"] == pytest.approx(2 / 3)
        assert metrics["miss_rate"] == pytest.approx(1 / 3)
        assert metrics["size_bytes"] == 6
        assert metrics["entry_count"] == 1
        assert metrics["max_size"] == 100
        assert metrics["max_memory_mb"] == 2.0
        assert metrics["ttl_default"] == 30.0
        assert set(metrics) >= {
            "sets",
            "deletes",
            "invalidations",
            "size_mb",
            "evictions",
            "expired_removals",
            "memory_usage_percent",
            "memory_pressure",
            "cleanup_interval",
        }

    def test_zero_lookups_give_a_zero_hit_rate(self):
        assert make_cache().get_stats()["hit_rate"] == 0.0
        assert make_cache().get_metrics()["hit_rate"] == 0.0

    def test_counters_are_exact_after_an_eight_thread_hammer(self):
        cache = make_cache(max_entries=64)
        results: list[tuple[int, int, int]] = []
        barrier = threading.Barrier(8)

        def worker(seed: int) -> None:
            hits = misses = sets = 0
            barrier.wait()
            for i in range(3000):
                key = f"k{(i * 31 + seed * 7) % 150}"
                if i % 4 == 0:
                    cache.set(key, "value")
                    sets += 1
                elif cache.get(key) is None:
                    misses += 1
                else:
                    hits += 1
            results.append((hits, misses, sets))

        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stats = cache.get_stats()
        assert stats["hits"] == sum(r[0] for r in results)
        assert stats["misses"] == sum(r[1] for r in results)
        assert stats["sets"] == sum(r[2] for r in results)
        assert stats["entries"] <= 64


class TestSingleton:
    def test_get_instance_reads_the_environment(self, monkeypatch):
        monkeypatch.setenv("CLAUDE_PM_CACHE_MAX_ENTRIES", "123")
        monkeypatch.setenv("CLAUDE_PM_CACHE_MAX_MB", "2")
        monkeypatch.setenv("CLAUDE_PM_CACHE_DEFAULT_TTL", "0")
        cache = SharedPromptCache.get_instance()
        assert (cache.max_entries, cache.max_bytes, cache.default_ttl) == (123, 2 * 1024 * 1024, None)
        assert SharedPromptCache.get_instance() is cache

    def test_defaults_without_environment(self):
        cache = SharedPromptCache.get_instance()
        assert (cache.max_entries, cache.max_bytes, cache.default_ttl) == (10_000, 64 * 1024 * 1024, 3600.0)

    @pytest.mark.parametrize(
        ("variable", "value"),
        [
            ("CLAUDE_PM_CACHE_MAX_ENTRIES", "0"),
            ("CLAUDE_PM_CACHE_MAX_ENTRIES", "many"),
            ("CLAUDE_PM_CACHE_MAX_MB", "-1"),
            ("CLAUDE_PM_CACHE_MAX_MB", "lots"),
            ("CLAUDE_PM_CACHE_DEFAULT_TTL", "-5"),
            ("CLAUDE_PM_CACHE_DEFAULT_TTL", "soon"),
        ],
    )
    def test_bad_environment_values_raise_config_error_naming_the_variable(self, monkeypatch, variable, value):
        monkeypatch.setenv(variable, value)
        with pytest.raises(ConfigError, match=variable):
            SharedPromptCache.get_instance()

    def test_a_second_call_with_a_different_config_raises(self):
        cache = SharedPromptCache.get_instance({"max_size": 500, "max_memory_mb": 8, "default_ttl": 60})
        assert (cache.max_entries, cache.max_bytes, cache.default_ttl) == (500, 8 * 1024 * 1024, 60.0)
        assert SharedPromptCache.get_instance({"max_entries": 500}) is cache
        assert SharedPromptCache.get_instance() is cache
        with pytest.raises(ValueError, match="reset_instance"):
            SharedPromptCache.get_instance({"max_entries": 501})

    @pytest.mark.parametrize(
        ("config", "error"),
        [
            ({"max_size": 0}, ValueError),
            ({"max_size": "10"}, TypeError),
            ({"max_entries": True}, TypeError),
            ({"max_memory_mb": -1}, ValueError),
            ({"default_ttl": math.nan}, ValueError),
            ({"max_size": 10, "max_entries": 10}, ValueError),
            ({"cleanup_interval": 60}, ValueError),
        ],
    )
    def test_bad_config_values_raise(self, config, error):
        with pytest.raises(error):
            SharedPromptCache.get_instance(config)

    def test_reset_instance_needs_no_event_loop_and_gives_a_new_cache(self):
        first = SharedPromptCache.get_instance()
        first.set("k", "v")
        SharedPromptCache.reset_instance()
        second = SharedPromptCache.get_instance()
        assert second is not first
        assert second.get("k") is None

    def test_the_guide_snippet_prints_a_percentage(self, capsys):
        cache = SharedPromptCache.get_instance()
        cache.set("k", "v")
        cache.get("k")
        stats = cache.get_stats()
        print(f"Cache hit rate: {stats['hit_rate']}%")
        assert capsys.readouterr().out == "Cache hit rate: 100.0%\n"


@pytest.mark.parametrize("name", ["max_entries", "max_bytes"])
def test_a_bound_too_large_for_64_bits_is_a_value_error_quoting_it(name):
    from claude_pm._core import PromptCache

    arguments = {"max_entries": 10, "max_bytes": 1000, "default_ttl": None, name: 2**63}
    with pytest.raises(ValueError, match=f"{name}=9223372036854775808 is out of range"):
        PromptCache(**arguments)
