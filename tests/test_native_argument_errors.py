"""The native shims read their arguments through one module (rust/py_args.rs): each
kind of argument is rejected with the same message shape whichever class takes it."""

import pytest
from claude_pm import _core


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (True, ValueError, "file_count=True is not valid: expected a non-negative int, not bool"),
        ("3", TypeError, "file_count must be a non-negative int, not str"),
        (-1, ValueError, "file_count=-1 is not valid: expected a non-negative int"),
    ],
)
def test_a_bad_count_names_the_argument_and_the_allowed_values(value, error, message):
    with pytest.raises(error) as raised:
        _core.Scorer().analyze("fix it", file_count=value)
    assert str(raised.value) == message


def test_a_count_beyond_64_bits_is_read_as_the_largest():
    scorer = _core.Scorer()
    assert scorer.analyze("fix it", file_count=2**70).score == scorer.analyze("fix it", file_count=2**64 - 1).score


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (True, ValueError, "threads=True is not valid: expected an int in 1..=256, not bool"),
        (1.0, TypeError, "threads must be an int in 1..=256, not float"),
        (0, ValueError, "threads=0 is not valid: expected an int in 1..=256"),
        (257, ValueError, "threads=257 is not valid: expected an int in 1..=256"),
        (2**64, ValueError, f"threads={2**64} is not valid: expected an int in 1..=256"),
    ],
)
def test_a_bounded_count_names_its_bounds(value, error, message):
    with pytest.raises(error) as raised:
        _core.Scorer().score_many(["a"], threads=value)
    assert str(raised.value) == message


def test_a_flag_must_be_bool():
    with pytest.raises(TypeError, match=r"^requires_testing must be bool, not int$"):
        _core.Scorer().analyze("fix it", requires_testing=1)


def test_scored_text_replaces_lone_surrogates_but_a_cache_key_rejects_them():
    scorer = _core.Scorer()
    assert scorer.analyze("fix \ud800 it").score == scorer.analyze("fix \ufffd it").score
    cache = _core.PromptCache(max_entries=10, max_bytes=1000, default_ttl=None)
    with pytest.raises(UnicodeEncodeError):
        cache.set("k\ud800", "v")
    with pytest.raises(TypeError, match=r"^key must be str, not int$"):
        cache.get(1)


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (True, ValueError, "max_entries must be a positive int, not a bool"),
        (0, ValueError, "max_entries=0 is not valid: expected an integer >= 1"),
        (2**63, ValueError, f"max_entries={2**63} is out of range: expected 1..={2**63 - 1}"),
    ],
)
def test_a_cache_size_must_be_positive(value, error, message):
    with pytest.raises(error) as raised:
        _core.PromptCache(max_entries=value, max_bytes=1000, default_ttl=None)
    assert str(raised.value) == message


def test_retention_hours_names_the_allowed_values():
    with pytest.raises(ValueError, match=r"^retention_hours=-1 is not valid: expected a whole number of hours >= 1$"):
        _core.SelectionStats(retention_hours=-1)
