"""The project's labelled corpus: its shape, its fixed tune/check split, and the router's
quality on the check split, which no tuning decision looks at.

The corpus was labelled by hand, in seven languages, before any tuning on it (the
`en-c`, `de-b`, `es-b`, `fr-b`, `zh-b`, `ja-b`, `ko-b` files, then the `en-d`, `de-c`,
`es-c`, `fr-c`, `zh-c`, `ja-c`, `ko-c` files, then the `en-e`, `de-d`, `es-d`, `fr-d`,
`zh-d`, `ja-d`, `ko-d` files, the `en-f`, `de-e`, `es-e`, `fr-e`, `zh-e`, `ja-e`, `ko-e`
files, the `en-g`, `de-f`, `fr-f`, `zh-f`, `ja-f`, `ko-f` files, the `en-h`, `de-g`,
`es-f`, `fr-g`, `zh-g`, `ja-g`, `ko-g` files, the `en-i`, `de-h`, `es-g`, `fr-h`, `zh-h`,
`ja-h`, `ko-h` files, the `en-j`, `de-i`, `es-h`, `fr-i`, `zh-i`, `ja-i`, `ko-i` files
and then the `en-k`, `de-j`, `es-i`, `fr-j`, `zh-j`, `ja-j`, `ko-j` files were written
later, after the rules were tuned, and joined the same split);
the check split is what the router scores on wording it was never adjusted to.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest
from claude_pm.evaluation import SPLITS, evaluate_split, split_of

CORPUS = Path(__file__).resolve().parent / "data" / "routing_corpus"
AGENTS = {"engineer", "qa", "documentation", "research", "ops", "security", "data_engineer", "version_control", "pm"}

# The check split holds 90 %; the target is also no COMPLEX task sent to haiku. These
# floors keep a change from quietly losing ground.
CHECK_ACCURACY_FLOOR = 0.90
CHECK_UNDER_ROUTING_CEILING = 0.01
# A larger gap between the splits means the vocabulary fits the tune split's words.
MAX_TUNE_CHECK_GAP = 0.05


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [
        json.loads(line)
        for file in sorted(CORPUS.glob("*.jsonl"))
        for line in file.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def reports():
    return evaluate_split(CORPUS)


def test_the_corpus_covers_the_languages_tiers_and_agents(rows: list[dict]):
    assert len(rows) >= 2000
    per_language = collections.Counter(r["lang"] for r in rows)
    for lang in ("de", "es", "fr", "zh", "ja"):
        assert per_language[lang] >= 150, lang
    assert per_language["en"] >= 1000
    assert {r["agent"] for r in rows} == AGENTS
    tiers = collections.Counter(r["tier"] for r in rows)
    assert min(tiers.values()) / len(rows) > 0.28, tiers
    assert len({r["task"] for r in rows}) == len(rows), "duplicate tasks"


def test_the_split_is_fixed_by_the_text_and_near_seventy_thirty(rows: list[dict]):
    tune = [r for r in rows if split_of(r["task"]) == "tune"]
    assert 0.65 < len(tune) / len(rows) < 0.75
    assert split_of("Refactor the billing system") == split_of("Refactor the billing system")
    assert {split_of(r["task"]) for r in rows} == set(SPLITS)


def test_the_check_split_holds_its_floor(reports):
    check = reports["check"]
    assert check.total > 600
    assert check.accuracy >= CHECK_ACCURACY_FLOOR, check.to_dict()["confusion"]
    assert check.under_routing_rate <= CHECK_UNDER_ROUTING_CEILING


def test_tune_and_check_do_not_drift_apart(reports):
    assert reports["tune"].accuracy - reports["check"].accuracy <= MAX_TUNE_CHECK_GAP
