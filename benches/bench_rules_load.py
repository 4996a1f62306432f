"""Loading a rules file is linear in the number of terms per list.

A list of 64,000 terms against one of 16,000, in the same run: the time ratio stays
near 4 when loading is linear (1.3.0 interned every term by a scan of its list, which
made the ratio near 16 and 65,000 terms cost 5 s). Run with
``python -m pytest benches/bench_rules_load.py --benchmark-enable``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from claude_pm._core import ScoringRules

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from oracle import RULES_PATH

PACKAGED = RULES_PATH.read_text(encoding="utf-8")


def rules_with_scope_terms(count: int) -> str:
    """The packaged rules with `count` extra distinct scope forms."""
    extra = ", ".join(f'"zone{i}"' for i in range(count))
    marker = "[scope]\n"
    at = PACKAGED.index(marker)
    forms_at = PACKAGED.index("forms = [\n", at) + len("forms = [\n")
    return PACKAGED[:forms_at] + f"    {extra},\n" + PACKAGED[forms_at:]


@pytest.mark.parametrize("terms", [16_000, 64_000])
def test_rules_load(benchmark, terms: int) -> None:
    text = rules_with_scope_terms(terms)
    benchmark.group = "rules load"
    benchmark.extra_info["terms"] = terms
    rules = benchmark(ScoringRules.from_toml, text)
    assert rules.version
