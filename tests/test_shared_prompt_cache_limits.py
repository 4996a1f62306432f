"""SharedPromptCache.get_instance(config) bounds every number it takes, as the environment does."""

from __future__ import annotations

import math
import re

import pytest
from claude_pm.config import CACHE_MAX_ENTRIES_LIMIT, CACHE_MAX_MB_LIMIT, CACHE_TTL_LIMIT_SECONDS
from claude_pm.services.shared_prompt_cache import SharedPromptCache

# Why a test below runs on one thread when scripts/test.sh runs this file under
# pytest-run-parallel (--parallel-threads=4: each test body in four threads at once).
RECONFIGURES = "resets and reconfigures the process-wide SharedPromptCache singleton, which other threads use"

MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("key", "too_large"),
    [
        ("max_entries", 2**63),
        ("max_size", CACHE_MAX_ENTRIES_LIMIT + 1),
        ("max_bytes", 2**64),
        ("max_memory_mb", CACHE_MAX_MB_LIMIT + 1),
        ("max_memory_mb", 1e300),
        ("default_ttl", 2**70),
        ("default_ttl", CACHE_TTL_LIMIT_SECONDS + 1),
    ],
)
def test_a_number_over_its_bound_is_a_value_error_quoting_it(key, too_large):
    with pytest.raises(ValueError, match=re.escape(f"config[{key!r}]={too_large!r} is not valid: expected ")):
        SharedPromptCache.get_instance({key: too_large})
    SharedPromptCache.reset_instance()


@pytest.mark.thread_unsafe(reason=RECONFIGURES)
def test_the_bounds_themselves_are_accepted():
    cache = SharedPromptCache.get_instance(
        {"max_entries": CACHE_MAX_ENTRIES_LIMIT, "default_ttl": CACHE_TTL_LIMIT_SECONDS}
    )
    assert cache.max_entries == CACHE_MAX_ENTRIES_LIMIT
    SharedPromptCache.reset_instance()
    assert SharedPromptCache.get_instance({"default_ttl": math.inf}).default_ttl is None
    SharedPromptCache.reset_instance()
    assert SharedPromptCache.get_instance({"max_memory_mb": 2}).max_bytes == 2 * MIB
