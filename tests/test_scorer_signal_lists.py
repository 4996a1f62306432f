"""The native scorer's compact result (`analyze_parts`) and the router report the same
signals as its full `analyze`, call after call and scorer by scorer: each Scorer
reuses the (name, points) pairs it has reported before, and that reuse must never
hand one scorer's pairs to another or a stale pair to a later call."""

from __future__ import annotations

from pathlib import Path

import claude_pm
from claude_pm import selection
from claude_pm._core import Scorer, ScoringRules

RULES_FILE = Path(claude_pm.__file__).parent / "data" / "scoring_rules.toml"

TEXTS = [
    "Refactor the entire platform across all services",
    "Just fix the typo",
    "Intermittent gremlins on the blue widget",
    "1. reproduce the hang. 2. fix the lock order. 3. add a test.",
    "Is this non-compete clause enforceable, given the statute and case law?",
    "请重构用户服务",
    "",
]


def test_parts_and_router_report_the_analysis_signals_on_every_call():
    scorer = Scorer()
    router = selection._current_state().router
    for _ in range(3):
        for text in TEXTS:
            for facts in ({}, {"file_count": 12, "requires_testing": True, "technical_depth": "deep"}):
                analysis = scorer.analyze(text, **facts)
                parts = scorer.analyze_parts(text, **facts)
                assert parts[:3] == (analysis.score, analysis.level, analysis.confidence)
                assert parts[5] == analysis.signals
                routed = router.route("engineer", text, None, facts, None, None, False, False)[3]
                assert routed["signals"] == analysis.signals


def test_each_scorer_reports_its_own_rules_points():
    text = "Purple elephants on the moon"
    shipped = Scorer()
    before = shipped.analyze_parts(text)[5]
    assert ("no_action", 50) in before
    changed = RULES_FILE.read_text(encoding="utf-8").replace("[no_action]\nbase = 50\n", "[no_action]\nbase = 45\n", 1)
    other = Scorer(ScoringRules.from_toml(changed))
    assert ("no_action", 45) in other.analyze_parts(text)[5]
    assert other.analyze_parts(text)[5] == other.analyze(text).signals
    assert shipped.analyze_parts(text)[5] == before
