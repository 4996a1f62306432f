"""The rules file: the packaged one, a user's own, and malformed ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from claude_pm._core import Scorer, ScoringRules
from claude_pm.errors import RulesError
from claude_pm.services.task_complexity_analyzer import TaskComplexityAnalyzer
from oracle import RULES_PATH

PACKAGED = RULES_PATH.read_text(encoding="utf-8")


def edited(find: str, replace: str) -> str:
    assert find in PACKAGED, find
    return PACKAGED.replace(find, replace, 1)


def test_packaged_rules_have_a_version():
    assert ScoringRules.default().version
    assert Scorer().rules_version == ScoringRules.default().version


def test_a_users_vocabulary_changes_the_tier(tmp_path: Path):
    # A domain team teaches the router that "reconcile" is complex work.
    custom = tmp_path / "rules.toml"
    custom.write_text(edited('"reengineer",', '"reengineer", "reconcile",'), encoding="utf-8")
    default = TaskComplexityAnalyzer()
    theirs = TaskComplexityAnalyzer(rules=custom)
    task = "Reconcile the ledgers"
    assert default.analyze_task(task).complexity_level.value == "MEDIUM"
    assert theirs.analyze_task(task).complexity_level.value == "COMPLEX"
    assert TaskComplexityAnalyzer(rules=str(custom)).analyze_task(task).complexity_score == (
        theirs.analyze_task(task).complexity_score
    )


def test_a_rules_file_written_before_pronouns_was_renamed_still_loads():
    # Rules files copied from 1.3 call the list `subject_pronouns`.
    older = Scorer(ScoringRules.from_toml(edited("\npronouns = [", "\nsubject_pronouns = [")))
    task = "Give me a summary of the incident channel from last night."
    assert older.analyze_parts(task)[:2] == Scorer().analyze_parts(task)[:2]
    assert older.analyze_parts(task)[5] == Scorer().analyze_parts(task)[5]


def test_replacement_words_are_optional():
    # Without the list, only quotations side by side are a literal replaced.
    without = re.sub(r"\nreplacement_words = \[[^\]]*\]", "", PACKAGED, count=1)
    assert without != PACKAGED
    scorer = Scorer(ScoringRules.from_toml(without))
    joined = "Change 'colour' to 'color' in the style guide."
    side_by_side = "Change 'colour' → 'color' in the style guide."
    assert "trivial:quoted replacement" not in {name for name, _ in scorer.analyze_parts(joined)[5]}
    assert "trivial:quoted replacement" in {name for name, _ in scorer.analyze_parts(side_by_side)[5]}


def test_the_rules_path_can_come_from_the_environment(tmp_path: Path, monkeypatch):
    custom = tmp_path / "rules.toml"
    custom.write_text(edited('"reengineer",', '"reengineer", "reconcile",'), encoding="utf-8")
    monkeypatch.setenv("CLAUDE_PM_SCORING_RULES", str(custom))
    assert TaskComplexityAnalyzer().analyze_task("Reconcile the ledgers").complexity_level.value == ("COMPLEX")


@pytest.mark.parametrize(
    ("find", "replace", "field"),
    [
        ("base = 78", 'base = "high"', "actions[0].base"),
        ("complex_floor = 75", "complex_floor = 175", "points.complex_floor"),
        ('trivial = "never"', 'trivial = "sometimes"', "actions[0].trivial"),
        ('verb_complexity = "complex"', 'verb_complexity = "huge"', "actions[0].verb_complexity"),
        ('"proof", "proofs",', '"proof", "proof read",', "actions[1].forms[6]"),
        ("\nwindow = 3", "\nwindow = -3", "negation.window"),
        ("unit_window = 3", "unit_window = 0", "scope.unit_window"),
        ("unit_window = 3", "unit_window = 300", "scope.unit_window"),
        ('"every", "all", "each",', '"every", "all", "each", "",', "scope.quantifiers[3]"),
        ("[scope.units]", "[scope.units]\nnouns = []", "scope.units.nouns"),
        ('alternatives = ["or", "oder"', 'alternatives = ["or", "or else"', "grammar.alternatives[1]"),
        ('alternatives = ["or", "oder"', 'alternatives = ["or", ""', "grammar.alternatives[1]"),
        ('noun_particles = ["の"', 'noun_particles = [""', "grammar.noun_particles[0]"),
        ('conditions = [\n    "if",', 'conditions = [\n    "if only",', "grammar.conditions[0]"),
        ("asks_conditions = true\n", "", "grammar.conditions"),
        ('name = "judgement"\n', 'name = "judgement"\nasks_conditions = true\n', "actions"),
        ('retrieval_verbs = [\n    "show",', 'retrieval_verbs = [\n    "do",', "grammar.retrieval_verbs[0]"),
        ('after = [\n    "ないで",', 'after = [\n    "",', "negation.after[0]"),
        # Plain lists are named as written, without a `.forms` the file does not have.
        ('cues = [\n    "to",', 'cues = [\n    "",', "grammar.cues[0]"),
        ('lookup_questions = [\n    "who",', 'lookup_questions = [\n    "",', "grammar.lookup_questions[0]"),
        ('hyphen_pronouns = ["moi",', 'hyphen_pronouns = ["moi même",', "grammar.hyphen_pronouns[0]"),
        ('separable_particles = [\n    "um",', 'separable_particles = [\n    "",', "grammar.separable_particles[0]"),
        ('weak_phrases = [\n    "one word",', 'weak_phrases = [\n    "a b c d e",', "trivial.weak_phrases[0]"),
        ('requests = [\n    "could u",', 'requests = [\n    "",', "grammar.requests[0]"),
        ('past_auxiliaries = ["did"]', 'past_auxiliaries = ["did not"]', "grammar.past_auxiliaries[0]"),
        ("weak_points = 20", "weak_points = 120", "no_action.weak_points"),
        ('replacement_words = [\n    "to",', 'replacement_words = [\n    "",', "trivial.replacement_words[0]"),
        ('person_endings = ["s"]', 'person_endings = ["s", "e s"]', "normalise.person_endings[1]"),
        ('inverted_subjects = ["il",', 'inverted_subjects = ["il elle",', "grammar.inverted_subjects[0]"),
        ('passive_auxiliaries = ["be"]', 'passive_auxiliaries = ["to be"]', "grammar.passive_auxiliaries[0]"),
        ('opinions = [\n    "thoughts",', 'opinions = [\n    "",', "grammar.opinions[0]"),
        ('method_questions = [\n    "cómo",', 'method_questions = [\n    "",', "grammar.method_questions[0]"),
        ('method_states = [\n    "está",', 'method_states = [\n    "",', "grammar.method_states[0]"),
        ('method_passed = [\n    "se",', 'method_passed = [\n    "se lo",', "grammar.method_passed[0]"),
        ("scope_floor_terms = 2", "scope_floor_terms = 0", "actions[11].scope_floor_terms"),
        (
            'replacement_words = [\n    "to",',
            'replacement_words = [\n    "in place of",',
            "trivial.replacement_words[0]",
        ),
    ],
)
def test_a_malformed_file_names_the_field(find: str, replace: str, field: str):
    with pytest.raises(RulesError, match=field.replace("[", r"\[").replace("]", r"\]")) as info:
        ScoringRules.from_toml(edited(find, replace))
    assert info.value.field == field


def test_rules_errors_are_value_errors_and_catchable_without_the_native_module():
    with pytest.raises(ValueError, match="<document>"):
        ScoringRules.from_toml("version = ")


def test_a_missing_file_is_an_os_error_naming_the_path(tmp_path: Path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(FileNotFoundError) as info:
        TaskComplexityAnalyzer(rules=missing)
    assert info.value.filename == str(missing)


def test_rules_of_the_wrong_type_are_a_type_error():
    with pytest.raises(TypeError, match="rules"):
        TaskComplexityAnalyzer(rules=42)  # type: ignore[arg-type]
