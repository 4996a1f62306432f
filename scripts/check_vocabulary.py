#!/usr/bin/env python3
"""Check that the scoring vocabulary gives every frequent verb exactly one class.

The scorer recognises a task's action by its verbs, so a frequent verb the rules file
does not list is a silent gap. This script builds word lists of frequent verbs from
lexical data and checks them against `python/claude_pm/data/scoring_rules.toml`. It
runs at build and test time (tests/test_vocabulary_coverage.py); nothing in the
library imports it.

Word lists
    English: the verb lemmas of lemminflect's inflection lexicon (lower-case,
    alphabetic entries with a VB* tag), ranked by `wordfreq.zipf_frequency(w, "en")`,
    the first 2,000 kept.
    German, Spanish, French: the 20,000 most frequent words of wordfreq's
    `top_n_list`, each lemmatised with simplemma. A lemma is taken as a verb when it
    has the shape of an infinitive (German -en/-ern/-eln, Spanish -ar/-er/-ir,
    French -er/-ir/-re/-oir), is lower-case (German nouns are capitalised) and has
    at least 8 distinct forms in simplemma's dictionary (a noun has two, an
    adjective a handful; a verb is conjugated). A lemma's frequency is the sum of the
    wordfreq frequencies of the listed words that lemmatise to it; for German a word
    whose capitalised spelling is a noun form ("stunden": Stunden) is not counted,
    so that noun plurals do not rank as verbs. `NOT_VERBS` removes the few
    adjectives, adverbs and lemmatiser artefacts that pass those tests. The first
    400 per language are kept.

Rules
    A verb is covered when a term list of one action class, or of a table
    `[lexicon.<lang>.<class>]` (<class> is an action's name or "neutral"),
    recognises it: `words` match their inflections by the suffix rule of the rules
    file's header (`inflections` below) unless the action has `inflect = false`;
    `forms` match exactly. The engine does not know a word's language, so a word is
    looked up in every language's lists at once.

Checks (any failure exits 1)
    coverage   every listed verb is recognised by some class
    conflicts  no listed verb, and no word of a lexicon table, is recognised by two
               classes
    irregular  for every English verb under `words` of an inflecting, non-neutral
               class, each inflection lemminflect knows that the suffix rule does
               not produce (built, wrote, broken) is in the same class's `forms`
    shape      every form is one lower-case word as the engine splits text

Usage
    scripts/check_vocabulary.py [--rules PATH] [--missing] [--suggest-forms LANG LEMMA...]
"""

from __future__ import annotations

import argparse
import collections
import functools
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

RULES_PATH = Path(__file__).resolve().parents[1] / "python" / "claude_pm" / "data" / "scoring_rules.toml"

ENGLISH_VERBS = 2000
OTHER_VERBS = 400
OTHER_LANGUAGES = ("de", "es", "fr")
# Languages the lexicon may hold words for without a frequency list to check.
UNLISTED_LANGUAGES = ("zh", "ja", "ko")
# Languages whose frequent verbs are checked.
LISTED_LANGUAGES = ("en", *OTHER_LANGUAGES)
LANGUAGES = (*LISTED_LANGUAGES, *UNLISTED_LANGUAGES)
# A suggested form must be attested: simplemma's dictionary holds rare and archaic forms.
MIN_FORM_ZIPF = 1.5
# How many of wordfreq's most frequent words are lemmatised per language.
FREQUENT_WORDS = 20000
# A verb has many forms in simplemma's dictionary; nouns and most adjectives few.
MIN_VERB_FORMS = 8
INFINITIVE_ENDINGS = {"de": ("en", "ern", "eln"), "es": ("ar", "er", "ir"), "fr": ("er", "ir", "re", "oir")}
NEUTRAL = "neutral"

# Lemmas with an infinitive's shape and many dictionary forms that are not verbs:
# adjectives and adverbs, and lemmatiser artefacts (Spanish "amigar" from "amigo").
NOT_VERBS = {
    "de": {
        "eigen", "eben", "offen", "verschieden", "modern", "selten", "fern", "zufrieden",
        "entschieden", "verloren", "erwachsen", "willkommen", "einzeln", "weissen",
        "vorhanden", "bisschen", "gegen", "zwischen", "sondern", "wegen", "zusammen",
        "morgen", "oben", "gern", "gestern", "dagegen", "unten", "hinten", "draußen",
        "deswegen", "inzwischen", "aussehen", "nen", "en", "süssen", "trocken", "vollkommen",
        "gefangen",
    },
    "es": {
        "lugar", "mujer", "popular", "mar", "dólar", "par", "ayer", "twitter", "similar",
        "familiar", "particular", "líder", "hogar", "carácter", "celular", "taller",
        "super", "cáncer", "bar", "escolar", "solar", "militar", "titular", "nuclear",
        "salar", "amigar", "vivar", "florar", "seriar", "segurar", "jamar", "lindar",
        "salgar", "aforar", "placer",
    },
    "fr": {
        "premier", "dernier", "particulier", "étranger", "financier", "entier", "policier",
        "léger", "immobilier", "cher", "fier", "moyenner", "priser", "miser", "seconder",
        "twitter", "super", "angleterre", "voire", "hier", "officier",
    },
}


# ---------------------------------------------------------------------------------
# Word lists
# ---------------------------------------------------------------------------------


def english_verbs(limit: int = ENGLISH_VERBS) -> list[str]:
    """The `limit` most frequent English verb lemmas, most frequent first."""
    from lemminflect import Inflections
    from wordfreq import zipf_frequency

    lexicon = Inflections()._getInflDict()
    lemmas = [
        lemma
        for lemma, tags in lexicon.items()
        if lemma.isalpha() and lemma.islower() and any(tag.startswith("VB") for tag in tags)
    ]
    lemmas.sort(key=lambda w: (-zipf_frequency(w, "en"), w))
    return lemmas[:limit]


@functools.cache
def _dictionary(lang: str):
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    return DefaultDictionaryFactory().get_dictionary(lang)


@functools.cache
def _forms_by_lemma(lang: str) -> dict[str, tuple[str, ...]]:
    """simplemma's form -> lemma dictionary inverted (lower-case forms only)."""
    inverse: dict[str, list[str]] = collections.defaultdict(list)
    for form, lemma in _dictionary(lang).items():
        if form.islower():
            inverse[lemma].append(form)
    return {lemma: tuple(forms) for lemma, forms in inverse.items()}


def other_verbs(lang: str, limit: int = OTHER_VERBS) -> list[str]:
    """The `limit` most frequent verb lemmas (infinitives) of `lang`, most frequent first."""
    import simplemma
    from wordfreq import top_n_list, word_frequency

    dictionary = _dictionary(lang)
    endings = INFINITIVE_ENDINGS[lang]
    score: collections.Counter[str] = collections.Counter()
    for word in top_n_list(lang, FREQUENT_WORDS):
        if not word.isalpha():
            continue
        if lang == "de" and dictionary.get(word.capitalize()) is not None:
            continue
        lemma = simplemma.lemmatize(word, lang)
        if lemma.islower() and lemma.endswith(endings) and lemma not in NOT_VERBS[lang]:
            score[lemma] += word_frequency(word, lang)
    forms = _forms_by_lemma(lang)
    ranked = sorted(score, key=lambda lemma: (-score[lemma], lemma))
    return [lemma for lemma in ranked if len(forms.get(lemma, ())) >= MIN_VERB_FORMS][:limit]


def verb_lists() -> dict[str, list[str]]:
    return {"en": english_verbs(), **{lang: other_verbs(lang) for lang in OTHER_LANGUAGES}}


# ---------------------------------------------------------------------------------
# The rules file
# ---------------------------------------------------------------------------------


def _is_vowel(c: str) -> bool:
    return c in "aeiou"


def inflections(base: str, past: bool = True) -> list[str]:
    """The English inflections the scorer recognises for a base form under `words`.

    +s, +es, +ing; a final "e" dropped before -ing; a final consonant-y becoming
    -ies; a final consonant-vowel-consonant (not w, x, y) doubled before -ing; with
    `past` (classes that set `past = true`) also +ed, +d, -ied and the doubled
    consonant before -ed. The same rule as `inflections` in rust/scoring/rules.rs.
    """
    forms = [base, base + "s", base + "es", base + "ing"] + ([base + "ed"] if past else [])
    if base.endswith("e"):
        forms += [base[:-1] + "ing"] + ([base + "d"] if past else [])
    if len(base) >= 2 and base[-1] == "y" and not _is_vowel(base[-2]):
        forms += [base[:-1] + "ies"] + ([base[:-1] + "ied"] if past else [])
    if len(base) >= 3:
        a, b, c = base[-3:]

        def consonant(x: str) -> bool:
            return x.isascii() and x.isalpha() and not _is_vowel(x)

        if consonant(a) and _is_vowel(b) and consonant(c) and c not in "wxy":
            forms += [base + c + "ing"] + ([base + c + "ed"] if past else [])
    return forms


_WORD_CATEGORIES = frozenset(["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc"])


def is_one_word(term: str) -> bool:
    """Whether the engine reads `term` as one word equal to itself (lower-case, no separator)."""
    return (
        bool(term)
        and all(unicodedata.category(c) in _WORD_CATEGORIES for c in term)
        and "".join(c.lower() for c in term) == term
    )


@dataclass
class TermList:
    """One `words`/`forms` list: where it comes from and what it recognises."""

    source: str  # "actions.<name>" or "lexicon.<lang>.<class>"
    cls: str
    lexicon: bool
    inflect: bool
    words: list[str]
    forms: list[str]
    past: bool = True

    def recognised(self) -> Iterable[str]:
        for word in self.words:
            yield from inflections(word, self.past) if self.inflect else (word,)
        yield from self.forms


@dataclass
class Vocabulary:
    classes: list[str]  # action names, then "neutral"
    lists: list[TermList]
    errors: list[str] = field(default_factory=list)
    # word -> class -> the sources that recognise it
    index: dict[str, dict[str, set[str]]] = field(default_factory=dict)

    def classes_of(self, word: str) -> set[str]:
        return set(self.index.get(word, {}))


def load_vocabulary(text: str) -> Vocabulary:
    """The action classes' and lexicon tables' term lists of a rules file."""
    doc = tomllib.loads(text)
    actions = doc.get("actions", [])
    inflect = {a["name"]: a.get("inflect", True) for a in actions}
    inflect[NEUTRAL] = True
    past = {a["name"]: a.get("past", False) for a in actions}
    past[NEUTRAL] = True
    vocab = Vocabulary(classes=[a["name"] for a in actions] + [NEUTRAL], lists=[])
    for action in actions:
        vocab.lists.append(
            TermList(
                f"actions.{action['name']}", action["name"], False, inflect[action["name"]],
                list(action.get("words", [])), list(action.get("forms", [])), past[action["name"]],
            )
        )
    for lang, tables in doc.get("lexicon", {}).items():
        if lang not in LANGUAGES:
            vocab.errors.append(f"[lexicon.{lang}]: unknown language, expected one of {', '.join(LANGUAGES)}")
            continue
        for cls, table in tables.items():
            source = f"lexicon.{lang}.{cls}"
            if cls not in inflect:
                vocab.errors.append(f"[{source}]: unknown class, expected one of {', '.join(vocab.classes)}")
                continue
            if lang != "en" and table.get("words"):
                vocab.errors.append(f"[{source}]: `words` are English base forms; use `forms`")
            vocab.lists.append(
                TermList(
                    source, cls, True, inflect[cls], list(table.get("words", [])),
                    list(table.get("forms", [])), past[cls],
                )
            )
    for terms in vocab.lists:
        for term in [*terms.words, *terms.forms]:
            if not is_one_word(term):
                vocab.errors.append(f"[{terms.source}]: {term!r} is not one lower-case word")
        for word in terms.recognised():
            vocab.index.setdefault(word, {}).setdefault(terms.cls, set()).add(terms.source)
    return vocab


# ---------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------


@dataclass
class LanguageCoverage:
    lang: str
    total: int
    missing: list[str]
    # verb -> its classes, for verbs recognised by more than one
    conflicts: dict[str, list[str]]

    @property
    def covered(self) -> int:
        return self.total - len(self.missing)


@dataclass
class Report:
    languages: list[LanguageCoverage]
    # words of lexicon tables recognised by two classes: word -> classes
    form_conflicts: dict[str, list[str]]
    # class -> English irregular inflections missing from its forms: form -> base word
    irregular_missing: dict[str, dict[str, str]]
    errors: list[str]

    @property
    def ok(self) -> bool:
        return (
            not self.errors
            and not self.form_conflicts
            and not any(self.irregular_missing.values())
            and all(not c.missing and not c.conflicts for c in self.languages)
        )


# Penn tags of the present forms (3rd person, gerund); past adds VBD and VBN.
PRESENT_TAGS = frozenset(["VB", "VBP", "VBZ", "VBG"])


def irregular_inflections(verb: str, past: bool = True) -> list[str]:
    """lemminflect's inflections of `verb` that the suffix rule does not produce;
    without `past`, present forms only (past forms describe a state, not a request)."""
    from lemminflect import getAllInflections

    regular = set(inflections(verb, past))
    found = {
        form.lower()
        for tag, forms in getAllInflections(verb, upos="VERB").items()
        if past or tag in PRESENT_TAGS
        for form in forms
    }
    return sorted(form for form in found if form not in regular and form.isalpha())


def check(vocab: Vocabulary, verbs: dict[str, Sequence[str]]) -> Report:
    languages = []
    for lang, lemmas in verbs.items():
        missing = [v for v in lemmas if not vocab.classes_of(v)]
        conflicts = {v: sorted(vocab.classes_of(v)) for v in lemmas if len(vocab.classes_of(v)) > 1}
        languages.append(LanguageCoverage(lang, len(lemmas), missing, conflicts))
    lexicon_words = {w for t in vocab.lists if t.lexicon for w in t.recognised()}
    form_conflicts = {w: sorted(vocab.classes_of(w)) for w in sorted(lexicon_words) if len(vocab.classes_of(w)) > 1}
    irregular: dict[str, dict[str, str]] = {}
    for terms in vocab.lists:
        if terms.cls == NEUTRAL or not terms.inflect:
            continue
        for word in terms.words:
            for form in irregular_inflections(word, terms.past):
                if terms.cls not in vocab.classes_of(form):
                    irregular.setdefault(terms.cls, {})[form] = word
    return Report(languages, form_conflicts, irregular, list(vocab.errors))


def format_report(report: Report, show_missing: bool) -> str:
    lines = []
    for cov in report.languages:
        pct = 100.0 * cov.covered / cov.total if cov.total else 100.0
        lines.append(f"{cov.lang}: {cov.covered}/{cov.total} verbs covered ({pct:.1f} %)")
        if show_missing and cov.missing:
            lines.append("  missing: " + " ".join(cov.missing))
        for verb, classes in cov.conflicts.items():
            lines.append(f"  {verb!r} is in two classes: {', '.join(classes)}")
    for word, classes in report.form_conflicts.items():
        lines.append(f"lexicon word {word!r} is in two classes: {', '.join(classes)}")
    for cls, forms in report.irregular_missing.items():
        lines.append(f"{cls}: {len(forms)} irregular forms missing from `forms`")
        if show_missing:
            lines.append("  " + " ".join(f"{form} ({base})" for form, base in sorted(forms.items())))
    lines.extend(report.errors)
    lines.append("OK" if report.ok else "FAILED")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------
# Form suggestions for German, Spanish and French verbs
# ---------------------------------------------------------------------------------
# The forms a request uses: infinitive, imperatives, present third person singular
# and past participle. Candidates come from regular conjugation with the common stem
# vowel changes; a candidate is kept only when simplemma's dictionary lemmatises it
# to the verb, which both drops impossible forms and forms that are more often another
# word (simplemma maps each form to its most likely lemma: Spanish "cuenta" -> cuenta).

GERMAN_SEPARABLE = (
    "zurück", "zusammen", "statt", "kennen", "fest", "hinzu", "weg", "dar", "her", "hin",
    "nach", "mit", "bei", "ein", "aus", "auf", "vor", "an", "ab", "zu",
)
GERMAN_INSEPARABLE = ("be", "emp", "ent", "er", "ge", "miss", "ver", "zer", "über", "unter", "wider", "hinter")
_VOWELS = ("a", "e", "i", "o", "u", "ie", "ä", "ö", "ü", "ei", "au", "äu")


def _vowel_variants(stem: str, changes: dict[str, tuple[str, ...]]) -> set[str]:
    """`stem` with its last vowel group replaced as `changes` allows."""
    out = {stem}
    for i in range(len(stem) - 1, -1, -1):
        for old, news in changes.items():
            if stem.startswith(old, i) and (i + len(old) == len(stem) or stem[i + len(old)] not in "aeiouäöü"):
                if i == 0 or stem[i - 1] not in "aeiouäöü":
                    out.update(stem[:i] + new + stem[i + len(old):] for new in news)
        if stem[i] in "aeiouäöü":
            break
    return out


def _is_verb(lang: str, word: str) -> bool:
    return len(_forms_by_lemma(lang).get(word, ())) >= MIN_VERB_FORMS


def _german_prefix(inf: str, prefixes: Sequence[str]) -> str | None:
    """The prefix of a prefixed verb ("auf" of "aufbauen"), when the rest is a verb itself."""
    return next((p for p in prefixes if inf.startswith(p) and _is_verb("de", inf[len(p):])), None)


def _german_stem(inf: str) -> str:
    return inf[:-2] if inf.endswith("en") else inf[:-1]


def _german_candidates(inf: str) -> set[str]:
    separable = _german_prefix(inf, GERMAN_SEPARABLE)
    if separable:
        # "lege ... an": the finite forms split, only the infinitive and participle stay whole.
        return {inf} | {separable + form for form in _german_participles(inf[len(separable):])}
    stem = _german_stem(inf)
    # arbeitet, öffnet, rechnet: an "e" before the -t after d, t or a consonant + m/n
    needs_e = stem.endswith(("d", "t")) or (stem[-1:] in "mn" and stem[-2:-1] not in "aeiouäöülrh")
    out = {inf, stem, stem + "e", stem + ("et" if needs_e else "t")}
    if inf.endswith("eln"):
        out.add(stem[:-2] + "le")
    for variant in _vowel_variants(stem, {"e": ("i", "ie"), "a": ("ä",), "au": ("äu",), "o": ("ö",)}):
        out.update({variant, variant + "t"})
    out.update(_german_participles(inf))
    return out


def _german_participles(inf: str) -> set[str]:
    stem = _german_stem(inf)
    plain = inf.endswith("ieren") or _german_prefix(inf, GERMAN_INSEPARABLE) is not None
    prefix = "" if plain else "ge"
    out = {prefix + stem + "t", prefix + stem + "et"}
    for variant in _vowel_variants(stem, {v: _VOWELS for v in _VOWELS}):
        out.add(prefix + variant + "en")
    return out


_SPANISH_STEM_CHANGES = {"e": ("ie", "i"), "o": ("ue",), "u": ("ue",)}
_SPANISH_PARTICIPLES = {
    "abrir": "abierto", "cubrir": "cubierto", "decir": "dicho", "escribir": "escrito", "hacer": "hecho",
    "morir": "muerto", "poner": "puesto", "resolver": "resuelto", "romper": "roto", "ver": "visto",
    "volver": "vuelto", "imprimir": "impreso", "describir": "descrito", "descubrir": "descubierto",
    "devolver": "devuelto", "proponer": "propuesto", "componer": "compuesto", "exponer": "expuesto",
}


def _spanish_candidates(inf: str) -> set[str]:
    stem, ending = inf[:-2], inf[-2:]
    # present-subjunctive stem spelling: buscar -> busque, pagar -> pague, analizar -> analice
    subj_stem = stem
    if ending == "ar":
        for old, new in (("c", "qu"), ("g", "gu"), ("z", "c")):
            if stem.endswith(old):
                subj_stem = stem[: -len(old)] + new
    elif stem.endswith("g"):
        subj_stem = stem[:-1] + "j"
    elif stem.endswith("gu") and ending == "ir":
        subj_stem = stem[:-2] + "g"
    elif stem.endswith("c") and stem[-2:-1] in "aeiou":
        subj_stem = stem[:-1] + "zc"
    indicative_vowel = "a" if ending == "ar" else "e"
    subj_vowel = "e" if ending == "ar" else "a"
    out = {inf, inf[:-1] + "d", stem + ("ado" if ending == "ar" else "ido")}
    if stem.endswith("u") and ending == "ir":  # construir -> construye, construya
        out.update({stem + "ye", stem + "ya", stem + "yan"})
    if inf in _SPANISH_PARTICIPLES:
        out.add(_SPANISH_PARTICIPLES[inf])
    for s in _vowel_variants(stem, _SPANISH_STEM_CHANGES):
        out.add(s + indicative_vowel)
    for s in _vowel_variants(subj_stem, _SPANISH_STEM_CHANGES):
        out.update({s + subj_vowel, s + subj_vowel + "n"})
    # accented forms: evaluar -> evalúa, enviar -> envía
    for form in list(out):
        for plain, accented in (("ua", "úa"), ("ue", "úe"), ("ia", "ía"), ("ie", "íe")):
            if form.endswith(plain) or form.endswith(plain + "n"):
                cut = form.rfind(plain)
                out.add(form[:cut] + accented + form[cut + 2:])
    return out


def _french_candidates(inf: str) -> set[str]:
    out = {inf}
    if inf.endswith("er"):
        stem = inf[:-2]
        singular = {stem}
        singular |= {v for v in _vowel_variants(stem, {"e": ("è",), "é": ("è",)})}
        if stem.endswith(("el", "et")):
            singular.add(stem + stem[-1])
        if stem.endswith("y"):
            singular.add(stem[:-1] + "i")
        out |= {s + "e" for s in singular} | {stem + "ez", stem + "é"}
        if stem.endswith(("c", "g")):
            out.add(stem + "ez")
        return out
    stem = inf[:-3] if inf.endswith(("oir", "ire")) else inf[:-2]
    for s in {stem, inf[:-2], inf[:-3]}:
        out |= {s + e for e in ("s", "t", "d", "ds", "ez", "u", "i", "is", "it", "e", "issez", "ert")}
    # irregular third-group forms (écrivez, lisez, fais): the verb's dictionary forms
    # with a present or imperative ending that are not future (écrirez) or imperfect
    for form in _forms_by_lemma("fr").get(inf, ()):
        future = form.startswith(inf[:-1]) and len(form) > len(inf)
        if not future and form.endswith("ez") and not form.endswith("iez"):
            out.add(form)
        elif not future and form.endswith(("s", "t", "d", "x")) and len(form) < len(inf):
            if not form.endswith(("ais", "ait", "ûmes", "ûtes", "îmes", "îtes")):
                out.add(form)
    return out


def suggest_forms(lang: str, lemma: str) -> list[str]:
    """The request forms of an infinitive that simplemma lemmatises back to it."""
    from wordfreq import zipf_frequency

    candidates = {"de": _german_candidates, "es": _spanish_candidates, "fr": _french_candidates}[lang](lemma)
    dictionary = _dictionary(lang)
    kept = {lemma}
    for form in candidates:
        if form.isalpha() and dictionary.get(form) == lemma and zipf_frequency(form, lang) >= MIN_FORM_ZIPF:
            kept.add(form)
    return sorted(kept, key=lambda f: (f != lemma, f))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check that frequent verbs have exactly one class in the rules file.")
    parser.add_argument("--rules", type=Path, default=RULES_PATH, help="rules file (default: the shipped one)")
    parser.add_argument("--missing", action="store_true", help="list the uncovered verbs and missing irregular forms")
    parser.add_argument(
        "--suggest-forms", nargs="+", metavar=("LANG", "LEMMA"),
        help="print the request forms of German, Spanish or French infinitives and exit",
    )
    args = parser.parse_args(argv)
    if args.suggest_forms:
        lang, *lemmas = args.suggest_forms
        if lang not in OTHER_LANGUAGES or not lemmas:
            parser.error(f"--suggest-forms takes a language ({', '.join(OTHER_LANGUAGES)}) and infinitives")
        for lemma in lemmas:
            print(f"{lemma}: {' '.join(suggest_forms(lang, lemma))}")
        return 0
    try:
        text = args.rules.read_text(encoding="utf-8")
        vocab = load_vocabulary(text)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as error:
        print(f"check_vocabulary: cannot read --rules {args.rules}: {error}", file=sys.stderr)
        return 2
    report = check(vocab, verb_lists())
    print(format_report(report, args.missing))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
