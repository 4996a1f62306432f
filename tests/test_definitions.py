"""claude_pm.definitions is the one place of the shared names and rules; the rest import them."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest
from claude_pm import analysis, definitions, metrics, prompt_cache, prompt_library
from claude_pm import prompt_files as core_prompt_files
from claude_pm import templates as core_templates
from claude_pm._core import Scorer
from claude_pm.agents import base_agent_loader, prompt_files, templates
from claude_pm.analysis import TaskComplexityAnalyzer
from claude_pm.config import get_settings
from claude_pm.prompt_cache import SharedPromptCache
from claude_pm.services import shared_prompt_cache, task_complexity_analyzer
from claude_pm.templates import PromptTemplate, template_for_score

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "python" / "claude_pm"

# Literals that spell a shared fact. Each may appear only in the module that defines it.
FACT_LITERALS = {
    ("SIMPLE", "MEDIUM", "COMPLEX"): "claude_pm/definitions.py",
    ("haiku", "sonnet", "opus"): "claude_pm/config.py",  # TIERS, re-exported by definitions
    "other": "claude_pm/definitions.py",
    (10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0): "claude_pm/definitions.py",
}
# selection.py is being rewritten elsewhere; it still spells LEVEL_NAMES and "other".
TEMPORARY_COPIES = {"claude_pm/selection.py"}


def _literals(tree: ast.AST) -> list[tuple[object, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.value, node.lineno))
        elif isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts):
            found.append((tuple(e.value for e in node.elts), node.lineno))
    return found


def test_each_shared_fact_is_spelt_out_in_one_module():
    copies = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        where = path.relative_to(PACKAGE_DIR.parent).as_posix()
        if where in TEMPORARY_COPIES:
            continue
        for value, line in _literals(ast.parse(path.read_text(encoding="utf-8"))):
            owner = FACT_LITERALS.get(value)  # type: ignore[call-overload]
            if owner is not None and owner != where:
                copies.append(f"{where}:{line}: {value!r} (defined in {owner})")
    assert copies == []


def test_the_facades_and_the_metrics_hand_out_the_same_objects():
    pairs = [(base_agent_loader, prompt_library), (prompt_files, core_prompt_files), (templates, core_templates)]
    pairs += [(shared_prompt_cache, prompt_cache), (task_complexity_analyzer, analysis)]
    for facade, core in pairs:
        for name in facade.__all__:
            assert getattr(facade, name) is getattr(core, name), f"{facade.__name__}.{name}"
    assert task_complexity_analyzer.FACT_NAMES is definitions.FACT_NAMES
    assert task_complexity_analyzer.OPTIMAL_PROMPT_SIZES is definitions.OPTIMAL_PROMPT_SIZES
    assert task_complexity_analyzer.logger.name == "claude_pm.services.task_complexity_analyzer"
    assert metrics.OTHER is definitions.OTHER_LABEL
    assert metrics.COMPLEXITY_LEVELS is definitions.LEVEL_NAMES
    assert metrics.TOKEN_REDUCTION_BUCKETS is definitions.TOKEN_REDUCTION_BUCKETS


@pytest.mark.parametrize("thresholds", [(30, 70), (0, 1), (0, 100), (49, 50), (99, 100)])
def test_the_level_rule_is_the_engines(thresholds):
    simple, medium = thresholds
    scorer = Scorer(simple_threshold=simple, medium_threshold=medium)
    by_level = (PromptTemplate.MINIMAL, PromptTemplate.STANDARD, PromptTemplate.FULL)
    for score in range(101):
        level = definitions.level_index(score, simple, medium)
        assert level == scorer.level_of(score), score
        assert template_for_score(score, simple, medium) is by_level[level]


def test_the_default_thresholds_are_the_engines_and_the_settings():
    scorer = Scorer()
    assert (scorer.simple_threshold, scorer.medium_threshold) == (
        definitions.DEFAULT_SIMPLE_THRESHOLD,
        definitions.DEFAULT_MEDIUM_THRESHOLD,
    )
    analyzer = TaskComplexityAnalyzer()  # the conftest clears CLAUDE_PM_* variables
    assert (analyzer.simple_threshold, analyzer.medium_threshold) == (
        definitions.DEFAULT_SIMPLE_THRESHOLD,
        definitions.DEFAULT_MEDIUM_THRESHOLD,
    )


@pytest.mark.parametrize(
    ("ttl", "stored"), [(None, None), (0, None), (0.0, None), (math.inf, None), (5, 5), (0.5, 0.5)]
)
def test_a_default_ttl_of_none_zero_or_infinity_never_expires(ttl, stored):
    assert definitions.stored_default_ttl(ttl) == stored


def test_the_shared_cache_and_the_settings_store_a_default_ttl_alike(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_CACHE_DEFAULT_TTL", "0")
    assert get_settings().cache_default_ttl is None
    for given in (None, 0, math.inf):
        SharedPromptCache.reset_instance()
        assert SharedPromptCache.get_instance({"default_ttl": given}).default_ttl is None
    SharedPromptCache.reset_instance()
