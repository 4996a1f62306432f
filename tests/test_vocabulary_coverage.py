"""Every frequent English, German, Spanish and French verb has exactly one class.

The word lists come from lexical data (lemminflect, wordfreq, simplemma) through
scripts/check_vocabulary.py; this suite runs its checks on the shipped rules file and
checks that the checks themselves catch what they are for.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from oracle import inflections as oracle_inflections

if sys.version_info < (3, 10):
    # A check of the rules file's data, not of the runtime: it reads simplemma 2's
    # dictionaries (Python 3.10+), and the main test run is on 3.11.
    pytest.skip("the vocabulary word lists need Python 3.10+", allow_module_level=True)

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_vocabulary.py"
_spec = importlib.util.spec_from_file_location("check_vocabulary", SCRIPT)
assert _spec is not None and _spec.loader is not None
cv = importlib.util.module_from_spec(_spec)
sys.modules["check_vocabulary"] = cv
_spec.loader.exec_module(cv)


@pytest.fixture(scope="module")
def verbs() -> dict[str, list[str]]:
    return cv.verb_lists()


@pytest.fixture(scope="module")
def shipped() -> cv.Vocabulary:
    return cv.load_vocabulary(cv.RULES_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report(shipped: cv.Vocabulary, verbs: dict[str, list[str]]) -> cv.Report:
    return cv.check(shipped, verbs)


def test_word_lists_have_the_documented_sizes(verbs: dict[str, list[str]]) -> None:
    assert len(verbs["en"]) == cv.ENGLISH_VERBS
    for lang in cv.OTHER_LANGUAGES:
        assert len(verbs[lang]) == cv.OTHER_VERBS
        assert all(v.endswith(cv.INFINITIVE_ENDINGS[lang]) for v in verbs[lang])
    assert {"be", "have", "make", "build", "fix"} <= set(verbs["en"])
    assert {"machen", "schreiben"} <= set(verbs["de"])
    assert {"hacer", "escribir"} <= set(verbs["es"])
    assert {"faire", "écrire"} <= set(verbs["fr"])


@pytest.mark.parametrize("lang", cv.LISTED_LANGUAGES)
def test_every_frequent_verb_has_a_class(report: cv.Report, lang: str) -> None:
    coverage = next(c for c in report.languages if c.lang == lang)
    assert coverage.missing == [], f"{lang}: {len(coverage.missing)} verbs without a class"


@pytest.mark.parametrize("lang", cv.LISTED_LANGUAGES)
def test_no_frequent_verb_has_two_classes(report: cv.Report, lang: str) -> None:
    coverage = next(c for c in report.languages if c.lang == lang)
    assert coverage.conflicts == {}


def test_no_lexicon_word_has_two_classes(report: cv.Report) -> None:
    assert report.form_conflicts == {}


def test_irregular_english_forms_are_listed(report: cv.Report) -> None:
    assert report.irregular_missing == {}


def test_rules_file_lexicon_is_well_formed(report: cv.Report) -> None:
    assert report.errors == []


def test_inflections_match_the_oracle(shipped: cv.Vocabulary) -> None:
    words = {w for t in shipped.lists for w in t.words}
    assert words, "no words to compare"
    for word in words:
        for past in (True, False):
            assert sorted(cv.inflections(word, past)) == sorted(oracle_inflections(word, past)), word


RULES_HEAD = """
[[actions]]
name = "medium"
past = true
words = ["build"]
forms = ["built"]

[[actions]]
name = "simple"
inflect = false
words = ["list"]
forms = []
"""


def test_check_reports_a_missing_verb() -> None:
    vocab = cv.load_vocabulary(RULES_HEAD)
    report = cv.check(vocab, {"en": ["build", "list", "ponder"]})
    assert report.languages[0].missing == ["ponder"]
    assert not report.ok


def test_check_reports_a_verb_in_two_classes() -> None:
    vocab = cv.load_vocabulary(RULES_HEAD + '\n[lexicon.en.neutral]\nwords = ["list"]\n')
    report = cv.check(vocab, {"en": ["build", "list"]})
    assert report.languages[0].conflicts == {"list": ["neutral", "simple"]}
    assert "list" in report.form_conflicts
    assert not report.ok


def test_check_reports_a_missing_irregular_form() -> None:
    vocab = cv.load_vocabulary(RULES_HEAD + '\n[lexicon.en.medium]\nwords = ["write"]\n')
    report = cv.check(vocab, {"en": ["build", "list", "write"]})
    assert report.irregular_missing == {"medium": {"written": "write", "wrote": "write"}}
    fixed = cv.load_vocabulary(RULES_HEAD + '\n[lexicon.en.medium]\nwords = ["write"]\nforms = ["wrote", "written"]\n')
    assert cv.check(fixed, {"en": ["build", "list", "write"]}).ok


def test_exact_classes_need_no_irregular_forms() -> None:
    vocab = cv.load_vocabulary(RULES_HEAD.replace('words = ["list"]', 'words = ["list", "find"]'))
    assert cv.check(vocab, {"en": ["find"]}).ok


def test_unknown_class_and_bad_forms_are_errors() -> None:
    extra = '\n[lexicon.de.nonsense]\nforms = ["x"]\n[lexicon.fr.medium]\nforms = ["Mettre", "l\'ouvrir"]\n'
    vocab = cv.load_vocabulary(RULES_HEAD + extra)
    errors = "\n".join(vocab.errors)
    assert "lexicon.de.nonsense" in errors and "unknown class" in errors
    assert "'Mettre'" in errors and '"l\'ouvrir"' in errors


def test_suggested_forms_are_request_forms() -> None:
    assert {"reparieren", "repariere", "repariert"} <= set(cv.suggest_forms("de", "reparieren"))
    assert {"busque", "busquen", "buscado"} <= set(cv.suggest_forms("es", "buscar"))
    # "cuenta" is more often the noun (account) than the imperative of contar
    assert "cuenta" not in cv.suggest_forms("es", "contar")
    assert {"écrivez", "écris"} <= set(cv.suggest_forms("fr", "écrire"))


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text("[[actions]\n", encoding="utf-8")
    assert cv.main(["--rules", str(bad)]) == 2
    assert "--rules" in capsys.readouterr().err
