"""cache_result: keys built from positional, keyword and default arguments."""

from __future__ import annotations

import time

import pytest
from claude_pm.services.shared_prompt_cache import SharedPromptCache, cache_result

# Why a test below runs on one thread when scripts/test.sh runs this file under
# pytest-run-parallel (--parallel-threads=4: each test body in four threads at once).
COUNTS_CALLS = "counts calls of a function cached in the one process-wide SharedPromptCache, which the threads share"


@pytest.fixture(autouse=True)
def fresh_singleton():
    SharedPromptCache.reset_instance()
    yield
    SharedPromptCache.reset_instance()


@pytest.mark.thread_unsafe(reason=COUNTS_CALLS)
def test_positional_keyword_and_default_arguments_share_one_key():
    calls = []

    @cache_result("profile:{agent_name}:{level}")
    def load_profile(agent_name, level="full"):
        calls.append((agent_name, level))
        return {"agent": agent_name, "level": level}

    assert load_profile("qa") == {"agent": "qa", "level": "full"}
    assert load_profile(agent_name="qa") == {"agent": "qa", "level": "full"}
    assert load_profile("qa", "full") == {"agent": "qa", "level": "full"}
    assert load_profile("qa", level="full") == {"agent": "qa", "level": "full"}
    assert calls == [("qa", "full")]
    assert load_profile("qa", level="short")["level"] == "short"
    assert len(calls) == 2
    assert SharedPromptCache.get_instance().get("profile:qa:full") == {"agent": "qa", "level": "full"}


@pytest.mark.thread_unsafe(reason=COUNTS_CALLS)
def test_a_none_result_is_cached():
    calls = []

    @cache_result("lookup:{name}")
    def lookup(name):
        calls.append(name)
        return None

    assert lookup("x") is None
    assert lookup("x") is None
    assert calls == ["x"]


@pytest.mark.thread_unsafe(reason=COUNTS_CALLS)
def test_args_hash_distinguishes_all_arguments():
    calls = []

    @cache_result("render:{args_hash}")
    def render(template, *, width=80):
        calls.append((template, width))
        return f"{template}@{width}"

    assert render("a") == "a@80"
    assert render("a", width=80) == "a@80"
    assert render("a", width=40) == "a@40"
    assert calls == [("a", 80), ("a", 40)]


@pytest.mark.thread_unsafe(reason=COUNTS_CALLS)
def test_ttl_applies_to_cached_results():
    calls = []

    @cache_result("clock:{name}", ttl=0.03)
    def stamp(name):
        calls.append(name)
        return len(calls)

    assert stamp("a") == 1
    assert stamp("a") == 1
    time.sleep(0.06)
    assert stamp("a") == 2


def test_wrapper_keeps_the_function_identity():
    @cache_result("doc:{x}")
    def documented(x):
        """Documented."""
        return x

    assert documented.__name__ == "documented"
    assert documented.__doc__ == "Documented."


def test_a_pattern_naming_an_unknown_parameter_fails_at_decoration():
    with pytest.raises(ValueError, match="agent"):

        @cache_result("profile:{agent}")
        def load(agent_name):
            return agent_name


def test_positional_fields_are_rejected():
    with pytest.raises(ValueError, match="name parameters"):
        cache_result("profile:{}")


def test_negative_ttl_is_rejected():
    with pytest.raises(ValueError, match="ttl"):
        cache_result("k:{x}", ttl=-1)
