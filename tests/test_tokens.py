"""The one token estimator: ceil(UTF-8 bytes / 4)."""

from __future__ import annotations

import pytest
from claude_pm.tokens import estimate_tokens
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", 0), ("a", 1), ("abcd", 1), ("abcde", 2), ("List files", 3), ("é" * 4, 2), ("日本語の", 3), ("\ud800", 1)],
)
def test_estimate_is_utf8_bytes_over_four_rounded_up(text, expected):
    assert estimate_tokens(text) == expected


@given(st.text(), st.text())
def test_estimate_is_additive_within_rounding(left, right):
    both = estimate_tokens(left + right)
    assert max(estimate_tokens(left), estimate_tokens(right)) <= both <= estimate_tokens(left) + estimate_tokens(right)


def test_estimate_rejects_non_text():
    with pytest.raises(TypeError, match="text must be a str, not bytes"):
        estimate_tokens(b"abcd")  # type: ignore[arg-type]
