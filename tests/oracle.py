"""A pure-Python implementation of the scoring rules, reading the same rules file.

It is the reference the Rust engine is checked against (differential tests) and the
speed baseline of the benchmarks. It follows `rust/scoring/` step by step and does
not validate rules files (the engine does).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

__all__ = ["RULES_PATH", "OracleAnalysis", "OracleRules", "OracleScorer"]

RULES_PATH = Path(__file__).resolve().parents[1] / "python" / "claude_pm" / "data" / "scoring_rules.toml"

MAX_PHRASE_WORDS = 4
MAX_DISTINCT_TERMS = 8
PAST_AUXILIARY_REACH = 3
# The most words a request may have and still be about the text error named in the
# sentences before it ("There's a typo in the README. Fix it.").
SHORT_REQUEST_WORDS = 4

# Unicode White_Space, as Rust's char::is_whitespace uses it.
WHITE_SPACE = frozenset(
    [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
)
SENTENCE_END = frozenset(".!?;:\n")
WORD_CATEGORIES = frozenset(["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc"])
SURROGATE = re.compile("[\ud800-\udfff]")


def is_space(c: str) -> bool:
    return ord(c) in WHITE_SPACE


def is_word_char(c: str) -> bool:
    if c < "\x80":
        return c.isalnum() or c == "_"
    return unicodedata.category(c) in WORD_CATEGORIES


def lower(c: str) -> str:
    return c.lower()


# Scripts whose words are found by dictionary: Han, Hiragana, Katakana, Hangul.
SEGMENTED_RANGES = (
    (0x1100, 0x11FF),
    (0x3005, 0x3005),
    (0x3040, 0x30FA),
    (0x30FC, 0x30FF),
    (0x3130, 0x318F),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7A3),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F),
    (0x20000, 0x2FA1F),
)
FULLWIDTH_END = frozenset("\u3002\uff01\uff1f\uff1b\uff1a")
MARKS = frozenset(["Mn", "Mc", "Me"])
UNSTRESS = str.maketrans("áéíóú", "aeiou")


def is_segmented(c: str) -> bool:
    o = ord(c)
    return any(a <= o <= b for a, b in SEGMENTED_RANGES)


@dataclass
class Word:
    text: str
    sentence_start: bool
    numbered: bool
    question_before: bool
    hyphen_next: bool
    segmented: bool
    in_path: bool = False
    commas_before: int = 0
    punct_before: bool = False
    quoted: bool = False
    quote_edge: int = 0  # QUOTE_OPENS | QUOTE_AFTER
    question_opens: bool = False  # "¿" in the separators before the word


COMMAS = frozenset(",\uff0c\u3001")
QUOTE_SPAN = 200
QUOTE_CLOSE = {'"': '"', "`": "`", "\u00ab": "\u00bb", "\u201c": "\u201d", "\u300c": "\u300d", "\u300e": "\u300f"}
QUOTE_OPENS = 1  # the first word of a quotation (not of a fenced code block)
QUOTE_AFTER = 2  # a quotation closed in the separators before the word
SINGLE_QUOTE_CLOSE = {"'": "'", "\u2018": "\u2019"}
QUOTE_MARKS = frozenset([*QUOTE_CLOSE, *QUOTE_CLOSE.values(), *SINGLE_QUOTE_CLOSE, *SINGLE_QUOTE_CLOSE.values()])


def single_quote_close(text: str, offsets: list[int], i: int) -> int | None:
    """Byte index of the mark closing a single quotation opened by the mark at
    character `i`: it opens only before a word and not after one, and closes on its
    line, not before a word of a script with spaces (single marks double as
    apostrophes)."""
    if (i > 0 and is_word_char(text[i - 1])) or not (i + 1 < len(text) and is_word_char(text[i + 1])):
        return None
    close = SINGLE_QUOTE_CLOSE[text[i]]
    end = min(offsets[i + 1] + QUOTE_SPAN, offsets[-1])
    j = i + 1
    while j < len(text) and offsets[j] < end and text[j] != "\n":
        # A particle may follow a closing mark ("'설정'이"); a contraction's letter may not.
        if text[j] == close and not (j + 1 < len(text) and is_word_char(text[j + 1]) and not is_segmented(text[j + 1])):
            return offsets[j]
        j += 1
    return None


def quote_close(data: bytes, at: int, open_mark: str) -> int | None:
    """Byte index of the mark closing a quotation opened at byte `at` (see the engine)."""
    after = at + len(open_mark.encode("utf-8"))
    if open_mark == "`" and data[after : after + 2] == b"``":
        body = after + 2
        j = data.find(b"```", body)
        return None if j < 0 else j + 2
    if open_mark not in QUOTE_CLOSE:
        return None
    close = QUOTE_CLOSE[open_mark].encode("utf-8")
    window = data[after : after + QUOTE_SPAN]
    j = window.find(close)
    return after + j if j > 0 else None


def quote_at(text: str, data: bytes, offsets: list[int], i: int, quote_end: int) -> int:
    """The quotation state after the mark at character `i` (see the engine)."""
    at = offsets[i]
    if quote_end != 0:
        return 0 if at >= quote_end else quote_end
    if text[i] in SINGLE_QUOTE_CLOSE:
        return single_quote_close(text, offsets, i) or 0
    return quote_close(data, at, text[i]) or 0


def tokenize(text: str) -> tuple[list[Word], bool]:
    """Every word of the text, and whether it ends with a question mark."""
    out: list[Word] = []
    i, n = 0, len(text)
    first = True
    data = text.encode("utf-8")
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + len(ch.encode("utf-8")))
    quote_end = 0
    edge = 0
    while True:
        saw_end = saw_question = last_space = fullwidth = opens = False
        commas = 0
        punct = False
        while i < n and not is_word_char(text[i]):
            c = text[i]
            punct = punct or not is_space(c)
            if c in COMMAS:
                commas = min(255, commas + 1)
            if c in QUOTE_MARKS:
                was = quote_end
                quote_end = quote_at(text, data, offsets, i, quote_end)
                if was == 0 and quote_end != 0 and not text.startswith("```", i):
                    edge |= QUOTE_OPENS
                elif was != 0 and quote_end == 0:
                    edge |= QUOTE_AFTER
            saw_end = saw_end or c in SENTENCE_END
            saw_question = saw_question or c == "?"
            opens = opens or c == "\u00bf"
            if c in FULLWIDTH_END:
                fullwidth = saw_end = True
                saw_question = saw_question or c == "\uff1f"
            last_space = is_space(c) or (last_space and c in "\u00bf\u00a1")
            i += 1
        if i >= n:
            return out, saw_question
        sentence_start = first or (saw_end and (last_space or fullwidth))
        segmented = is_segmented(text[i])
        j = i
        if segmented:
            while (
                j < n
                and text[j] >= "\x80"
                and (is_segmented(text[j]) or (is_word_char(text[j]) and unicodedata.category(text[j]) in MARKS))
            ):
                j += 1
            word = text[i:j]
        else:
            while j < n and is_word_char(text[j]) and not (text[j] >= "\x80" and is_segmented(text[j])):
                j += 1
            word = "".join(lower(ch) for ch in text[i:j])
        numbered = (
            not segmented
            and 1 <= len(word) <= 2
            and all("0" <= ch <= "9" for ch in word)
            and j + 1 < n
            and text[j] in ".)"
            and is_space(text[j + 1])
        )
        hyphen_next = not segmented and j + 1 < n and text[j] in "-\u2010" and is_word_char(text[j + 1])
        in_path = (i > 0 and text[i - 1] in "/\\") or (j < n and text[j] in "/\\")
        quoted = offsets[i] < quote_end
        quote_edge = edge & (QUOTE_AFTER | (QUOTE_OPENS if quoted else 0))
        edge = 0
        out.append(
            Word(
                word,
                sentence_start,
                numbered,
                saw_question,
                hyphen_next,
                segmented,
                in_path,
                commas,
                punct,
                quoted,
                quote_edge,
                opens,
            )
        )
        first = False
        i = j


def words(text: str) -> list[tuple[str, bool, bool]]:
    """(word, sentence_start, numbered) for every word of the text."""
    return [(w.text, w.sentence_start, w.numbered) for w in tokenize(text)[0]]


def inflections(base: str, past: bool = True) -> list[str]:
    forms = [base, base + "s", base + "es", base + "ing"]
    if past:
        forms.append(base + "ed")
    vowels = "aeiou"
    if base.endswith("e"):
        forms += [base[:-1] + "ing"] + ([base + "d"] if past else [])
    if len(base) >= 2 and base[-1] == "y" and base[-2] not in vowels:
        forms += [base[:-1] + "ies"] + ([base[:-1] + "ied"] if past else [])
    if len(base) >= 3:
        a, b, c = base[-3], base[-2], base[-1]

        def consonant(x: str) -> bool:
            return x.isascii() and x.isalpha() and x not in vowels

        if consonant(a) and b in vowels and consonant(c) and c not in "wxy":
            forms += [base + c + "ing"] + ([base + c + "ed"] if past else [])
    return forms


@dataclass
class Policy:
    base: int
    scope_points: int
    scope_cap: int
    boosts: bool
    trivial: str
    floor: int
    narrow: bool
    weak_trivial: bool
    weak_points: int | None = None
    scope_floor_terms: int = 1


@dataclass
class ActionClass:
    name: str
    verb_complexity: str
    policy: Policy
    sentence_start: bool
    verb: bool = False
    nouns_in_questions: bool = False
    status_in_questions: bool = False
    weighs_options: bool = False
    fallback: bool = False
    hides_fallback: bool = True
    question_term: int | None = None
    terms: list[str] = field(default_factory=list)


def _policy(table: dict[str, Any]) -> Policy:
    return Policy(
        table["base"],
        table["scope_points"],
        table["scope_cap"],
        table["boosts"],
        table["trivial"],
        table.get("floor", 0),
        table.get("narrow", False),
        table.get("weak_trivial", True),
        table.get("weak_points"),
        table.get("scope_floor_terms", 1),
    )


def has_action(hits: list[tuple[Any, int]]) -> bool:
    """Whether a word's hits hold an action of some class (a verb, for the affix
    and particle rules)."""
    return any(isinstance(group, tuple) and group[0] == "action" for group, _ in hits)


class OracleRules:
    """The rules file compiled into plain dicts."""

    def __init__(self, text: str) -> None:
        doc = tomllib.loads(text)
        # (word, group, term) of verbs' bare forms, and of every other hit of a word.
        self.bare: set[tuple[Any, ...]] = set()
        self.not_bare: set[tuple[Any, ...]] = set()
        self.version: str = doc["version"]
        self.medium_floor: int = doc["points"]["medium_floor"]
        self.complex_floor: int = doc["points"]["complex_floor"]
        self.words: dict[str, list[tuple[Any, int]]] = {}
        self.phrase_ids: dict[str, int] = {}
        self.phrases: dict[tuple[int, ...], list[tuple[Any, int]]] = {}
        self.passive_auxiliaries = [
            w for raw in doc.get("grammar", {}).get("passive_auxiliaries", []) for w, _, _ in words(raw)
        ]
        self.classes: list[ActionClass] = []
        self.future: list[tuple[str, tuple[Any, int]]] = []
        for i, action in enumerate(doc["actions"]):
            cls = ActionClass(
                action["name"],
                action["verb_complexity"],
                _policy(action),
                action.get("sentence_start", False),
                action.get("verb", False),
                action.get("nouns_in_questions", False),
                action.get("status_in_questions", False),
                action.get("weighs_options", False),
                action.get("fallback", False),
                action.get("hides_fallback", True),
            )
            inflect, past = action.get("inflect", True), action.get("past", False)
            self._add(("action", i), action, cls.terms, inflect, past, romance=(True, True))
            if action.get("question_mark", False):
                cls.question_term = self._intern(cls.terms, "?")
            self.classes.append(cls)
        names = [a["name"] for a in doc["actions"]]
        for language, sections in sorted(doc.get("lexicon", {}).items()):
            for name, table in sorted(sections.items()):
                if name == "neutral":
                    self._add("neutral", table, [])
                else:
                    i = names.index(name)
                    self._add(
                        ("action", i),
                        table,
                        self.classes[i].terms,
                        doc["actions"][i].get("inflect", True),
                        doc["actions"][i].get("past", False),
                        romance=(language == "es", language == "fr"),
                    )
        # Derived forms only for words no list names.
        unlisted = [(form, hit) for form, hit in self.future if not self.words.get(form)]
        for form, hit in unlisted:
            self._word(form, hit)
            self.not_bare.add((form, *hit))
        self.question_class = next((i for i, c in enumerate(self.classes) if c.question_term is not None), None)
        normalise = doc.get("normalise", {})
        self.prefixes = [w for raw in normalise.get("prefixes", []) for w, _, _ in words(raw)]
        self.suffixes = [w for raw in normalise.get("suffixes", []) for w, _, _ in words(raw)]
        self.person_endings = [w for raw in normalise.get("person_endings", []) for w, _, _ in words(raw)]
        self.no_action = _policy(doc["no_action"])
        self.scope_terms: list[str] = []
        scope = doc["scope"]
        self._add("scope", scope, self.scope_terms)
        self._add("quantifier", {"forms": scope.get("quantifiers", [])}, [])
        self._add("unit", scope.get("units", {}), self.scope_terms)
        self.unit_window: int = scope.get("unit_window", 0)
        self.tradeoff = self._weighted("tradeoff", doc["tradeoff"])
        for raw in doc.get("grammar", {}).get("alternatives", []):
            (form,) = [w for w, _, _ in words(raw)]
            hit = ("alternative", self._intern(self.tradeoff[2], form))
            self._word(form, hit)
            self.not_bare.add((form, *hit))
        # A condition in a question asks to reason about it ("what happens if ..."):
        # evidence for the class that asks for it, named by the condition word.
        self.condition_class = next((i for i, a in enumerate(doc["actions"]) if a.get("asks_conditions")), None)
        if self.condition_class is not None:
            for raw in doc.get("grammar", {}).get("conditions", []):
                (form,) = [w for w, _, _ in words(raw)]
                hit = ("condition", self._intern(self.classes[self.condition_class].terms, form))
                self._word(form, hit)
                self.not_bare.add((form, *hit))
        self._add("hyphen_pronoun", {"forms": doc.get("grammar", {}).get("hyphen_pronouns", [])}, [])
        self._add("particle", {"forms": doc.get("grammar", {}).get("separable_particles", [])}, [])
        self._add("retrieval", {"forms": doc.get("grammar", {}).get("retrieval_verbs", [])}, [])
        self._add("lookup_question", {"forms": doc.get("grammar", {}).get("lookup_questions", [])}, [])
        self._add("past_auxiliary", {"forms": doc.get("grammar", {}).get("past_auxiliaries", [])}, [])
        self._add("relative", {"forms": doc.get("grammar", {}).get("relatives", [])}, [])
        self._add("whether", {"forms": doc.get("grammar", {}).get("whether_verbs", [])}, [])
        self.coordination = self._weighted("coordination", doc["coordination"])
        self.narrow = self._weighted("narrow", doc["narrow"])
        domain = doc["domain"]
        self.domain = self._weighted("domain", domain)
        self.domain_medium_hits: int = domain["medium_floor_hits"]
        self.domain_complex_hits: int = domain["complex_floor_hits"]
        steps = doc["steps"]
        self.step_points: int = steps["points"]
        self.step_cap: int = steps["cap"]
        self._add("sequencer", steps, [])
        self._add("marker", {"forms": steps["markers"]}, [])
        self._add("ordinal", {"forms": steps["ordinals"]}, [])
        trivial = doc["trivial"]
        self.weak_points: int = trivial["weak_points"]
        self.strong_points: int = trivial["strong_points"]
        self.weak_terms: list[str] = []
        self._add("weak", {"forms": trivial["weak"], "phrases": trivial.get("weak_phrases", [])}, self.weak_terms)
        self.value_term = self._intern(self.weak_terms, "value")
        self.strong_terms: list[str] = []
        self._add(
            "strong", {"forms": trivial["strong"], "phrases": trivial.get("strong_phrases", [])}, self.strong_terms
        )
        self._add("value", {"forms": trivial["value_words"]}, [])
        self.replacement_term = self._intern(self.strong_terms, "quoted replacement")
        self.replacement_words = [tokenize(w)[0][0].text for w in trivial.get("replacement_words", [])]
        self._add("negator", {"forms": doc["negation"]["forms"]}, [])
        self._add("post_negator", {"forms": doc["negation"].get("after", [])}, [])
        self.negation_window: int = doc["negation"]["window"]
        grammar = doc.get("grammar", {})
        self._add("determiner", {"forms": grammar.get("determiners", [])}, [])
        self._add("light_verb", {"forms": grammar.get("light_verbs", [])}, [])
        self._add("noun_verb", {"words": grammar.get("noun_verbs", [])}, [])
        self._add("cue", {"forms": grammar.get("cues", [])}, [])
        self._add("preposition", {"forms": grammar.get("prepositions", [])}, [])
        self._add("distributive", {"forms": grammar.get("distributives", [])}, [])
        self._add("thanks", {"forms": grammar.get("thanks", [])}, [])
        self._add("opinion", {"forms": grammar.get("opinions", [])}, [])
        self._add("method_question", {"forms": grammar.get("method_questions", [])}, [])
        self._add("method_state", {"forms": grammar.get("method_states", [])}, [])
        self._add("method_passed", {"forms": grammar.get("method_passed", [])}, [])
        self.inverted_subjects = frozenset(w for raw in grammar.get("inverted_subjects", []) for w, _, _ in words(raw))
        self._add("conjunction", {"forms": grammar.get("conjunctions", [])}, [])
        self._add("pronoun", {"forms": grammar.get("pronouns", grammar.get("subject_pronouns", []))}, [])
        self.noun_particles: list[str] = grammar.get("noun_particles", [])
        requests = grammar.get("requests", [])
        self._add(
            "request",
            {
                "forms": [r for r in requests if len(words(r)) == 1],
                "phrases": [r for r in requests if len(words(r)) != 1],
            },
            [],
        )
        self._add("compound", {"phrases": doc.get("compounds", {}).get("phrases", [])}, [])
        enumeration = doc.get("enumeration", {})
        self.enumeration = (enumeration.get("points", 0), enumeration.get("cap", 0), enumeration.get("free", 0))
        self.options = (enumeration.get("options_from", 0), enumeration.get("options_points", 0))
        self.indicators: list[str] = []
        for i, indicator in enumerate(doc.get("indicators", [])):
            self._add(("indicator", i), indicator, [])
            self.indicators.append(indicator["name"])
        self._separable_verbs([w for raw in grammar.get("separable_particles", []) for w, _, _ in words(raw)])
        self.segmented = {w: hits for w, hits in self.words.items() if is_segmented(w[0])}
        self.longest_segmented = max((len(w) for w in self.segmented), default=0)

    def _separable_verbs(self, particles: list[str]) -> None:
        """Marks the stems of the separable verbs the vocabulary lists ("herleiten"
        marks "leit", "leite", "leiten", "leitt", "leitst" and "leitet")."""
        stems = set()
        for word, hits in self.words.items():
            if word.endswith("en") and has_action(hits):
                for particle in particles:
                    stem = word[:-2][len(particle) :] if word[:-2].startswith(particle) else ""
                    if len(stem) >= 2:
                        stems.update(stem + ending for ending in SEPARABLE_VERB_ENDINGS)
        for stem in sorted(stems):
            self._word(stem, ("separable_verb", 0))

    def known(self, word: str) -> bool:
        """Whether the engine's word tables have an entry for `word`."""
        return word in self.words or word in self.phrase_ids

    def find(self, word: str, after_cue: bool = False) -> tuple[str, list[tuple[Any, int]]] | None:
        """The entry of a word, or of the word without its first matching prefix, or
        without its first matching clitic ending (as written, then unstressed), or
        after a cue word without a second-person ending."""
        found = self.find_affixed(word)
        if after_cue and not self.known(word) and (found is None or not has_action(found[1])):
            for ending in self.person_endings:
                stem = word[: len(word) - len(ending)]
                if word.endswith(ending) and len(stem) >= 3:
                    hits = self.words.get(stem, [])
                    if has_action(hits):
                        return stem, hits
        return found

    def find_affixed(self, word: str) -> tuple[str, list[tuple[Any, int]]] | None:
        """`find` without the second-person ending."""
        if self.known(word):
            return word, self.words.get(word, [])
        # A stress mark is a clitic's trace, so such a word tries the clitic first:
        # "demuéstrame" is "demuestra" + "me", not "de" + "muéstrame"; "reformate" is
        # "re" + "formate".
        if not word.isascii():
            found = self.without_clitic(word)
            if found is not None:
                return found
        for prefix in self.prefixes:
            if word.startswith(prefix):
                rest = word[len(prefix) :]
                if len(rest.encode("utf-8")) >= 3:
                    if self.known(rest):
                        return rest, self.words.get(rest, [])
                    break
        return self.without_clitic(word)

    def without_clitic(self, word: str) -> tuple[str, list[tuple[Any, int]]] | None:
        """The entry of a word without its first matching clitic ending, if its stem
        (as written, then unstressed) holds an action."""
        for suffix in self.suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                stem = word[: len(word) - len(suffix)]
                # Clitics attach to verbs: a stem without an action is no match
                # ("sqlite" is not "sqli" + "te").
                for candidate in (stem, stem.translate(UNSTRESS)):
                    hits = self.words.get(candidate, [])
                    if has_action(hits):
                        return candidate, hits
                return None
        return None

    def segments(self, run: str) -> list[tuple[list[tuple[Any, int]], bool, bool]]:
        """Hits of the dictionary words in a run, leftmost-longest, whether a noun
        particle follows each and whether it ends the run."""
        out = []
        i = 0
        while i < len(run):
            for length in range(min(self.longest_segmented, len(run) - i), 0, -1):
                hits = self.segmented.get(run[i : i + length])
                if hits is not None:
                    i += length
                    out.append((hits, any(run.startswith(p, i) for p in self.noun_particles), i == len(run)))
                    break
            else:
                i += 1
        return out

    @staticmethod
    def _intern(terms: list[str], name: str) -> int:
        if name in terms:
            return terms.index(name)
        terms.append(name)
        return len(terms) - 1

    def _word(self, word: str, hit: tuple[Any, int]) -> None:
        hits = self.words.setdefault(word, [])
        if hit[0] == "unit" and any(group == "scope" for group, _ in hits):
            return  # a scope word that is also a unit is one scope term
        if hit not in hits:
            hits.append(hit)

    def _add(
        self,
        group: Any,
        table: dict[str, Any],
        terms: list[str],
        inflect: bool = True,
        past: bool = True,
        romance: tuple[bool, bool] = (False, False),
    ) -> None:
        """Adds a list's words, forms and phrases; `romance` (Spanish, French) queues the
        future and conditional forms of the infinitives among its forms."""
        for raw in table.get("words", []):
            (base,) = [w for w, _, _ in words(raw)]
            hit = (group, self._intern(terms, base))
            inflected = inflect and not is_segmented(base[0])
            for form in inflections(base, past) if inflected else [base, *contracted(group, base)]:
                self._word(form, hit)
                bare = not inflected or form in (base, base + "s", base + "es")
                (self.bare if bare else self.not_bare).add((form, *hit))
            if inflected and not past and isinstance(group, tuple) and group[0] == "action":
                # "needs to be migrated": a past form after "be" asks for the work.
                for auxiliary in self.passive_auxiliaries:
                    for form in sorted(set(inflections(base, True)) - set(inflections(base, False))):
                        key = (
                            self.phrase_ids.setdefault(auxiliary, len(self.phrase_ids) + 1),
                            self.phrase_ids.setdefault(form, len(self.phrase_ids) + 1),
                        )
                        hits = self.phrases.setdefault(key, [])
                        if hit not in hits:
                            hits.append(hit)
        for raw in table.get("forms", []):
            (form,) = [w for w, _, _ in words(raw)]
            hit = (group, self._intern(terms, form))
            for written in [form, *contracted(group, form)]:
                self._word(written, hit)
                self.not_bare.add((written, *hit))
            self.future.extend((derived, hit) for derived in future_forms(form, *romance))
        for raw in table.get("phrases", []):
            parts = [w for w, _, _ in words(raw)]
            hit = (group, self._intern(terms, " ".join(parts)))
            key = tuple(self.phrase_ids.setdefault(p, len(self.phrase_ids) + 1) for p in parts)
            hits = self.phrases.setdefault(key, [])
            if hit not in hits:
                hits.append(hit)

    def _weighted(self, group: str, table: dict[str, Any]) -> tuple[int, int, list[str]]:
        terms: list[str] = []
        self._add(group, table, terms)
        return table["points"], table["cap"], terms


SEPARABLE_VERB_ENDINGS = ("en", "st", "et", "e", "t", "")
SPANISH_FUTURE = (
    "ía",
    "ías",
    "íamos",
    "íais",
    "ían",
    "ia",
    "ias",
    "iamos",
    "ian",
    "é",
    "ás",
    "á",
    "emos",
    "éis",
    "án",
    "as",
    "an",
)
FRENCH_FUTURE = ("ai", "as", "a", "ons", "ez", "ont", "ais", "ait", "ions", "iez", "aient")
IRREGULAR_FUTURE = (
    ("hacer", "har", True),
    ("poner", "pondr", True),
    ("tener", "tendr", True),
    ("faire", "fer", False),
    ("evoir", "evr", False),
)


def future_forms(infinitive: str, spanish: bool, french: bool) -> list[str]:
    """Spanish and French future and conditional forms of an infinitive ("rediseñarías",
    "refondrais"), in the engine's order."""
    out: list[str] = []
    if not (spanish or french) or len(infinitive) < 5:
        return out

    def add(stem: str, endings: tuple[str, ...]) -> None:
        for ending in endings:
            if stem + ending not in out:
                out.append(stem + ending)

    if spanish and infinitive.endswith(("ar", "er", "ir")):
        add(infinitive, SPANISH_FUTURE)
    if french:
        if infinitive.endswith(("er", "ir")):
            add(infinitive, FRENCH_FUTURE)
        elif infinitive.endswith("re"):
            add(infinitive[:-2] + "r", FRENCH_FUTURE)
    for end, stem_end, is_spanish in IRREGULAR_FUTURE:
        if (spanish if is_spanish else french) and infinitive.endswith(end):
            add(infinitive[: -len(end)] + stem_end, SPANISH_FUTURE if is_spanish else FRENCH_FUTURE)
    return out


def contracted(group: Any, form: str) -> list[str]:
    """ "上げといて": casual Japanese contracts a verb's te-form and おく to とい / どい."""
    if not (isinstance(group, tuple) and group[0] == "action") or form[-1:] not in ("て", "で"):
        return []
    out = form[:-1] + ("とい" if form[-1] == "て" else "どい")
    return [out] if len(out) > 2 else []


def _insert(found: list[int], term: int) -> None:
    if len(found) < MAX_DISTINCT_TERMS and term not in found:
        found.append(term)


@dataclass
class Triviality:
    """Triviality terms: the text's (bounded lists in order of first appearance), or a
    clause's (sets of the text's terms that stand in it)."""

    weak: list[int] = field(default_factory=list)
    strong: list[int] = field(default_factory=list)
    narrow: list[int] = field(default_factory=list)

    def extend(self, other: Triviality) -> None:
        self.weak = sorted(set(self.weak) | set(other.weak))
        self.strong = sorted(set(self.strong) | set(other.strong))
        self.narrow = sorted(set(self.narrow) | set(other.narrow))


@dataclass
class Clause:
    classes: set[int] = field(default_factory=set)
    triviality: Triviality = field(default_factory=Triviality)


@dataclass
class Evidence:
    blank: bool = False
    word_count: int = 0
    actions: dict[int, int] = field(default_factory=dict)
    class_triviality: dict[int, Triviality] = field(default_factory=dict)
    triviality: Triviality = field(default_factory=Triviality)
    sets: dict[str, list[int]] = field(default_factory=dict)
    sequencers: int = 0
    list_items: int = 0
    commas: int = 0
    indicators: set[int] = field(default_factory=set)

    def add(self, kind: str, term: int) -> None:
        _insert(self.sets.setdefault(kind, []), term)

    def terms(self, kind: str) -> list[int]:
        return self.sets.get(kind, [])

    def estimated_steps(self) -> int:
        return 0 if self.blank else max(self.list_items, self.sequencers + 1)


class Scan:
    """The engine's one pass over the words, step by step."""

    def __init__(self, rules: OracleRules, text: str) -> None:
        self.rules = rules
        self.ev = Evidence()
        self.index = 0
        self.negated_until = 0
        self.quantified_until = 0
        self.value_before = False
        self.marker_before = False
        self.last_number = 0
        self.recent: list[tuple[int, bool, bool]] = []  # most recent first
        self.clause = Clause()
        self.open: Clause | None = None
        # Triviality of the sentences before the first action, which asked for nothing.
        self.unclaimed = Triviality()
        self.clause_from = 0
        self.opinion_asked = False
        self.question_opens = False
        self.penalty: dict[int, int] = {}
        self.pending: tuple[int, bool, bool] | None = None
        self.determined = "no"
        self.light_before = False
        self.replacement_at = 0
        self.verb_position = False
        self.nominal_position = False
        self.after_preposition = False
        self.request_sentence = False
        # A method word ("cómo", "如何") waits for the next word; the sentence asks how
        # to do something; it named a scope term.
        self.method_pending = self.method_asked = self.scope_in_sentence = False
        self.sentence_words = 0
        self.alternative: int | None = None
        self.sentence_mark: dict[int, int] = {}  # the actions when the sentence began
        self.conjunction_before = False
        self.condition: int | None = None
        self.whether_before = False
        self.whether_now = False
        self.fact_question = False
        self.question_opened = False
        self.retrieval_opened = False
        self.lookup_question = False
        self.done_until = 0
        self.in_run = False
        self.in_noun_phrase = False
        self.noun_phrase_next = False
        self.hyphen_before = False
        self.distributive_before = False
        self.distributed: set[int] = set()
        self.before_previous: tuple[dict[int, int], set[int]] = ({}, set())
        self.negation_mark: tuple[dict[int, int], set[int], list[int]] = ({}, set(), [])
        # The clause's verb, for a separable particle at the clause's end ("fass ...
        # zusammen"): its text, sentence start and hits.
        self.verb: tuple[str, bool, list[tuple[Any, int]]] | None = None
        self.particle: tuple[str, bool] | None = None
        # The verb hits of a word before a hyphen, in case a pronoun follows it
        # ("trouve-moi": a verb, not the first half of a compound).
        self.before_hyphen: tuple[list[tuple[Any, int]], bool, bool] | None = None

    def penalty_of(self, triviality: Triviality) -> int:
        per, cap, _ = self.rules.narrow
        return (
            len(triviality.weak) * self.rules.weak_points
            + len(triviality.strong) * self.rules.strong_points
            + min(len(triviality.narrow) * per, cap)
        )

    def seal(self, clause: Clause) -> None:
        penalty = self.penalty_of(clause.triviality)
        for cls in clause.classes:
            if cls not in self.penalty or penalty < self.penalty[cls]:
                self.penalty[cls] = penalty
                self.ev.class_triviality[cls] = Triviality(
                    list(clause.triviality.weak), list(clause.triviality.strong), list(clause.triviality.narrow)
                )

    def end_clause(self) -> None:
        clause, self.clause = self.clause, Clause()
        words, self.clause_from = self.index - self.clause_from, self.index
        if clause.classes:
            unclaimed, self.unclaimed = self.unclaimed, Triviality()
            if words <= SHORT_REQUEST_WORDS:
                clause.triviality.extend(unclaimed)
            if self.open is not None:
                self.seal(self.open)
            self.open = clause
        elif self.open is not None:
            self.open.triviality.extend(clause.triviality)
        else:
            self.unclaimed.extend(clause.triviality)

    def finish(self) -> None:
        self.conditional(False)
        self.end_clause()
        if self.open is not None:
            self.seal(self.open)
            self.open = None

    def separable(self, final: bool) -> None:
        """A particle held until the next word shows whether it ends its clause; if it
        does, it joins the clause's verb ("leite ... her" is "herleiten")."""
        held, self.particle = self.particle, None
        if held is None or not final or self.verb is None:
            return
        particle, negated = held
        text, start, verb_hits = self.verb
        if negated:
            # "Fass die Architektur nicht an": like a negation after what it rules out.
            self.post_negation()
            return
        # "stellen", "stellst", "stelle": the first ending that leaves a listed verb.
        stems = [text[: len(text) - len(e)] for e in SEPARABLE_VERB_ENDINGS if text.endswith(e)]
        joined_hits = [self.rules.words.get(particle + stem + "en", []) for stem in stems]
        hits = next((h for h in joined_hits if has_action(h)), [])
        if not hits:
            return  # only a verb the vocabulary lists joins
        # The verb's own actions give way to the joined verb's.
        for group, term in verb_hits:
            if isinstance(group, tuple) and group[0] == "action" and self.ev.actions.get(group[1]) == term:
                del self.ev.actions[group[1]]
                self.clause.classes.discard(group[1])
        # The joined verb stands where the verb stood, not in the noun phrase before
        # the particle.
        in_noun_phrase, self.in_noun_phrase = self.in_noun_phrase, False
        for hit in hits:
            self.record(hit, False, start)
        self.in_noun_phrase = in_noun_phrase

    def post_negation(self) -> None:
        actions, classes, scope = self.negation_mark
        self.ev.actions = dict(actions)
        self.clause.classes = set(classes)
        self.ev.sets["scope"] = list(scope)

    def mark_negation(self) -> None:
        """Where a negation after the words it rules out reaches back to."""
        self.negation_mark = (dict(self.ev.actions), set(self.clause.classes), list(self.ev.terms("scope")))

    def conditional(self, asked: bool) -> None:
        """At the end of a sentence: a condition in a question asks to reason about it."""
        term, self.condition = self.condition, None
        if term is not None and (asked or self.question_opened) and not self.request_sentence:
            cls = self.rules.condition_class
            self.ev.actions.setdefault(cls, term)
            self.clause.classes.add(cls)

    def asked_opinion(self) -> None:
        """ "Thoughts on the roadmap?": an opinion asked for is no look-up; the question
        named earlier in the sentence is withdrawn and its question mark asks nothing."""
        self.opinion_asked = True
        self.withdraw_question()

    def after_method_word(self, hits: list[tuple[Any, int]]) -> None:
        """The word after a method word: a state ("¿cómo va el deploy?") keeps the
        look-up; anything else asks how to do something, a request for the work once
        the sentence names a system scope. A pronoun in between is passed over."""
        groups = {h[0] for h in hits}
        if "method_passed" in groups:
            return
        self.method_pending = False
        if "method_state" not in groups:
            self.method_asked = True
            if self.scope_in_sentence:
                self.scoped_method_question()

    def scoped_method_question(self) -> None:
        self.method_asked = False
        self.request_sentence = True
        self.withdraw_question()

    def scope_named(self) -> None:
        self.scope_in_sentence = True
        if self.method_asked:
            self.scoped_method_question()

    def withdraw_question(self) -> None:
        """Withdraws the question named since the sentence began."""
        question = self.rules.question_class
        if question in self.ev.actions and question not in self.sentence_mark:
            del self.ev.actions[question]
            self.clause.classes.discard(question)

    def question(self) -> None:
        if self.alternative is not None:
            self.ev.add("tradeoff", self.alternative)
            self.alternative = None
        self.conditional(True)
        if self.request_sentence or self.sentence_words == 0 or self.opinion_asked:
            return
        cls = self.rules.question_class
        if cls is not None:
            self.ev.actions.setdefault(cls, self.rules.classes[cls].question_term)
            self.clause.classes.add(cls)

    def trivial(self, kind: str, term: int) -> None:
        found = getattr(self.ev.triviality, kind)
        _insert(found, term)
        clause = getattr(self.clause.triviality, kind)
        if term in found and term not in clause:
            clause.append(term)

    def record(self, hit: tuple[Any, int], negated: bool, start: bool, noun: bool = False, bare: bool = False) -> bool:
        group, term = hit
        marker = False
        if isinstance(group, tuple) and group[0] == "action":
            cls = self.rules.classes[group[1]]
            asked_about = (
                self.in_noun_phrase
                and (self.lookup_question or (cls.nouns_in_questions and self.fact_question))
                and not self.request_sentence
            )
            # "Pull up the migration plan": the plan is fetched, not made.
            fetched = self.in_noun_phrase and self.retrieval_opened and not self.request_sentence
            nominal = noun or (bare and self.nominal_position) or asked_about or fetched
            status = cls.status_in_questions and self.question_opened and not self.request_sentence
            done = cls.verb and self.index <= self.done_until  # "which files did you refactor?"
            ruled_out = negated or status or done or (nominal and cls.verb)
            if not ruled_out and (start or not cls.sentence_start):
                self.ev.actions.setdefault(group[1], term)
                self.clause.classes.add(group[1])
                if start and cls.sentence_start:
                    self.fact_question = True
                    self.question_opened = self.question_opened or self.rules.question_class == group[1]
        elif isinstance(group, tuple):
            self.ev.indicators.add(group[1])
        elif group == "scope" and negated:
            pass  # "don't touch the architecture": the reach is ruled out, not asked for
        elif group == "narrow" and negated:
            pass  # "so that no module imports it": a unit ruled out does not bound the work
        elif group in ("scope", "tradeoff", "coordination", "narrow", "domain"):
            self.ev.add(group, term)
            if group == "scope":
                self.scope_named()
            if group == "narrow" and term in self.ev.terms("narrow"):
                if term not in self.clause.triviality.narrow:
                    self.clause.triviality.narrow.append(term)
                if self.distributive_before:
                    self.distributed.add(term)
        elif group == "quantifier":
            self.quantified_until = self.index + self.rules.unit_window
        elif group == "unit":
            if self.index <= self.quantified_until and not negated:
                self.ev.add("scope", term)
                self.scope_named()
        elif group in ("weak", "strong"):
            if not negated:
                self.trivial(group, term)
        elif group == "sequencer":
            self.ev.sequencers += 1
            self.end_clause()
            self.mark_negation()
        elif group == "marker":
            marker = True
        elif group == "value":
            self.value_before = True
        elif group == "post_negator":
            self.post_negation()  # "入れないで": what the clause named so far is ruled out
        elif group == "negator" and not noun:  # "non-blocking": it opens a compound
            self.negated_until = self.index + self.rules.negation_window
        elif group == "request":
            if start:
                self.request_sentence = True
                self.withdraw_question()  # "how can we ...": a request, not a look-up
        elif group == "alternative":
            if not negated and self.alternative is None:
                self.alternative = term
        elif group == "condition":
            if not negated and not self.whether_now and self.condition is None:
                self.condition = term
        elif group == "retrieval":
            if start and self.sentence_words == 1:
                self.retrieval_opened = True
        elif group == "lookup_question":
            if self.in_run:
                # "数据库迁移方案的链接在哪": the verbs named since the negation mark name
                # what is asked about.
                before = self.negation_mark[0]
                asked = [
                    c
                    for c in self.ev.actions
                    if self.rules.classes[c].verb or self.rules.classes[c].status_in_questions
                ]
                for c in [c for c in asked if c not in before]:
                    del self.ev.actions[c]
                    self.clause.classes.discard(c)
            elif start and self.sentence_words == 1:
                self.lookup_question = True
        elif group == "past_auxiliary" or (group == "relative" and not start):
            self.done_until = self.index + PAST_AUXILIARY_REACH
        elif group == "whether":
            self.whether_before = True
        elif group == "compound":
            actions, classes = self.before_previous
            self.ev.actions = dict(actions)
            self.clause.classes = set(classes)
        return marker

    def quotation(self, word: Word) -> None:
        """Two quotations side by side (no comma between) or joined by one
        replacement word: a literal replaced by another (see the engine)."""
        opens = bool(word.quote_edge & QUOTE_OPENS)
        after = bool(word.quote_edge & QUOTE_AFTER)
        side_by_side = opens and after and word.commas_before == 0
        joined = opens and self.replacement_at != 0 and self.index == self.replacement_at
        if side_by_side or joined:
            self.trivial("strong", self.rules.replacement_term)
        joins = after and not opens and word.commas_before == 0 and word.text in self.rules.replacement_words
        self.replacement_at = self.index + 1 if joins else 0

    def word(self, word: Word) -> None:
        rules = self.rules
        if self.particle is not None:
            # "Geh den PR durch und prüf ihn": a cue after the particle ends its clause.
            cue = any(h[0] in ("cue", "sequencer") for h in rules.words.get(word.text, []))
            self.separable(word.punct_before or word.sentence_start or cue)
        self.ev.commas += word.commas_before
        if word.commas_before:
            self.negated_until = 0  # "no rediseñes nada, solo renombra": the comma ends it
            self.mark_negation()
            if self.clause.classes:  # a comma after an action ends its clause
                self.end_clause()
        conjunction, self.conjunction_before = self.conjunction_before, False
        if conjunction and not word.punct_before and self.clause.classes:
            self.end_clause()  # so does a conjunction: "fix the typo and add a CSV export"
        if word.question_before:
            self.question()
        if word.question_opens:
            # "¿sigue caído el nodo?": the inverted mark opens a question, here or
            # with the sentence the word starts.
            if word.sentence_start:
                self.question_opens = True
            else:
                self.question_opened = True
        if word.quote_edge:
            self.quotation(word)
        if self.pending is not None:
            index, start, punct = self.pending
            self.pending = None
            joined = rules.prefixes[index] + word.text
            if (
                not word.segmented
                and not word.in_path
                and not word.quoted
                and rules.find(joined, self.verb_position) is not None
            ):
                self.plain(joined, start, False, modifier=word.hyphen_next, punct_before=punct, as_written=False)
                return
            self.plain(rules.prefixes[index], start, False, modifier=True, punct_before=punct, as_written=False)
        elif word.hyphen_next and word.text in rules.prefixes:
            self.pending = (rules.prefixes.index(word.text), word.sentence_start, word.punct_before)
            return
        if word.segmented and word.quoted:
            self.start(word.sentence_start)
            self.index += 1
            self.sentence_words += 1
        elif word.segmented:
            self.segmented(word.text, word.sentence_start, word.punct_before)
        else:
            self.plain(
                word.text,
                word.sentence_start,
                word.numbered,
                modifier=word.hyphen_next,
                in_path=word.in_path or word.quoted,
                punct_before=word.punct_before,
            )

    def start(self, sentence_start: bool) -> None:
        if sentence_start:
            if self.index > 0:
                self.conditional(False)
                self.end_clause()
            self.negated_until = 0
            self.done_until = 0
            self.quantified_until = 0
            self.request_sentence = False
            self.method_pending = self.method_asked = self.scope_in_sentence = False
            self.sentence_words = 0
            self.alternative = None
            self.sentence_mark = dict(self.ev.actions)
            self.condition = None
            self.verb = None
            self.mark_negation()
            self.fact_question = False
            self.question_opened, self.question_opens = self.question_opens, False
            self.opinion_asked = False
            self.retrieval_opened = False
            self.lookup_question = False

    def segmented(self, run: str, sentence_start: bool, punct_before: bool) -> None:
        distributive_before = self.distributive_before and not punct_before  # "모든 페이지"
        self.start(sentence_start)
        self.sentence_words += 1
        self.nominal_position = False
        self.in_noun_phrase = self.noun_phrase_next = self.hyphen_before = False
        self.distributive_before = distributive_before
        self.value_before = self.marker_before = False
        self.whether_before = self.whether_now = False
        self.verb = None
        found = self.rules.segments(run)
        self.in_run = True
        for hits, noun, at_end in found:
            self.index += 1
            negated = self.index <= self.negated_until
            if self.method_pending:
                self.after_method_word(hits)
            for hit in hits:
                self.record(hit, negated, True, noun)
            if any(h[0] == "method_question" for h in hits):
                # "我们如何保证 ...": the verb follows in the run, unless the run ends.
                if at_end:
                    self.method_pending = True
                else:
                    self.after_method_word([])
            if any(h[0] == "request" for h in hits):
                # "어떻게 달라지는지 해석해 주세요": a request after the question asks for the work.
                self.withdraw_question()
            if any(h[0] == "opinion" for h in hits):
                self.asked_opinion()
            if any(h[0] == "thanks" for h in hits) and not self.request_sentence:
                # "문서 정리 수고하셨습니다": the work named before is what the thanks are for.
                for c in [c for c in self.ev.actions if self.rules.classes[c].verb and c not in self.sentence_mark]:
                    del self.ev.actions[c]
                    self.clause.classes.discard(c)
            # "所有页面": every unit after the quantifier, not one.
            self.distributive_before = any(h[0] == "distributive" for h in hits)
        if not found:
            self.index += 1
            if self.method_pending:
                self.after_method_word([])
        self.in_run = False
        self.recent = []
        self.determined = "no"
        self.light_before = False
        # "帮我 review 一下": a run that ends with a cue puts the next word in a verb's place.
        self.verb_position = bool(found) and found[-1][2] and any(h[0] in ("cue", "sequencer") for h in found[-1][0])
        self.conjunction_before = False
        self.after_preposition = False

    def plain(
        self,
        word: str,
        start: bool,
        numbered: bool,
        modifier: bool = False,
        in_path: bool = False,
        punct_before: bool = False,
        as_written: bool = True,
    ) -> None:
        """`as_written`: a word of the text (not one joined from a prefix), which a
        separable particle may join."""
        rules, ev = self.rules, self.ev
        self.start(start)
        self.index += 1
        self.sentence_words += 1
        if numbered:
            value = int(word)
            if start or (self.last_number > 0 and value == self.last_number + 1):
                ev.list_items += 1
                self.last_number = value
        negated = self.index <= self.negated_until
        is_number = "0" <= word[0] <= "9"
        had_value, self.value_before = self.value_before, False
        self.whether_now, self.whether_before = self.whether_before, False
        had_marker, self.marker_before = self.marker_before, False
        if had_value and is_number and not negated:
            self.trivial("weak", rules.value_term)
        found = None if is_number or in_path else rules.find(word, self.verb_position)
        hits = found[1] if found else []
        if self.method_pending:
            self.after_method_word(hits)
        if any(h[0] == "opinion" for h in hits):
            self.asked_opinion()
        before = (dict(ev.actions), set(self.clause.classes))
        verb_position = self.verb_position or start or punct_before or self.determined == "after_light"
        self.verb_position = False
        noun_verb = any(h[0] == "noun_verb" for h in hits)
        hyphen_before, self.hyphen_before = self.hyphen_before, modifier
        if hyphen_before and word in rules.inverted_subjects:
            self.question_opened = True  # "le pod est-il prêt ?": inversion asks
        noun = modifier or hyphen_before or (noun_verb and not verb_position)
        self.in_noun_phrase = (not punct_before or hyphen_before) and self.noun_phrase_next
        self.noun_phrase_next = False
        self.nominal_position = not punct_before and (self.determined == "yes" or self.after_preposition)
        # "In which file ...", "seit wann ...", "a qué hora ...": a question word right
        # after the preposition or article that opens a sentence opens the question.
        second_word = not punct_before and self.sentence_words == 2
        opens_question = (self.after_preposition or self.determined == "yes") and second_word
        # "Who maintains the crate?": the verb right after the question word names
        # what the person asked about does.
        asks_doer = self.lookup_question and second_word
        self.after_preposition = False
        number_next = False
        is_ordinal = False
        determiner = light_verb = cue = preposition = pronoun = distributive = conjunction = False
        self.distributive_before = self.distributive_before and not punct_before
        looked_up = found[0] if found else None
        for hit in hits:
            is_ordinal = is_ordinal or hit[0] == "ordinal"
            determiner = determiner or hit[0] == "determiner"
            light_verb = light_verb or hit[0] == "light_verb"
            cue = cue or hit[0] in ("cue", "sequencer")
            preposition = preposition or hit[0] == "preposition"
            pronoun = pronoun or hit[0] == "pronoun"
            distributive = distributive or hit[0] == "distributive"
            conjunction = conjunction or hit[0] == "conjunction"
            key = (looked_up, *hit)
            bare = key in rules.bare and key not in rules.not_bare
            # "J'aimerais savoir quelle version ...": after a verb of knowing, too.
            asks = (opens_question or self.whether_now) and hit[0] == ("action", rules.question_class)
            number_next = self.record(hit, negated, start or asks, noun or (asks_doer and bare), bare) or number_next
        action_hit = has_action(hits)
        if start and any(h[0] == "method_question" for h in hits):
            self.method_pending = True
        if negated and (determiner or preposition):
            self.negated_until += 1  # "not a full overhaul": articles do not use up the reach
        held, self.before_hyphen = self.before_hyphen, None
        if held is not None and hyphen_before and any(h[0] == "hyphen_pronoun" for h in hits):
            verb_hits, verb_negated, verb_start = held
            in_noun_phrase, self.in_noun_phrase = self.in_noun_phrase, False
            for hit in verb_hits:
                self.record(hit, verb_negated, verb_start)
            self.in_noun_phrase = in_noun_phrase
        if modifier:
            verb_hits = [
                h for h in hits if isinstance(h[0], tuple) and h[0][0] == "action" and rules.classes[h[0][1]].verb
            ]
            if verb_hits:
                self.before_hyphen = (verb_hits, negated, start)
        particle = any(h[0] == "particle" for h in hits)
        if particle and self.verb is not None and as_written:
            self.particle = (word, negated)
        elif (
            (verb_position or second_word)  # "wie stellen wir das Backend um?"
            and not hyphen_before
            and not in_path
            and as_written
            and any(h[0] == "separable_verb" for h in hits)
        ):
            self.verb = (word, start, hits)
        self.noun_phrase_next = determiner or preposition or (self.in_noun_phrase and not action_hit and not cue)
        if had_marker and (is_number or is_ordinal):
            ev.list_items += 1
        phrase_word = rules.phrase_ids.get(found[0], 0) if found else 0
        sequenced = False
        if phrase_word:
            recent = self.recent
            for length in range(2, MAX_PHRASE_WORDS + 1):
                if len(recent) < length - 1 or recent[length - 2][0] == 0:
                    break
                first = recent[length - 2]
                key = (*tuple(r[0] for r in reversed(recent[: length - 1])), phrase_word)
                for hit in rules.phrases.get(key, []):
                    if hit[0] == "compound" and (length != 2 or start):
                        continue
                    sequenced = sequenced or hit[0] == "sequencer"
                    number_next = self.record(hit, first[1], first[2]) or number_next
        self.before_previous = before
        light_before = self.light_before and not punct_before
        self.determined = "no" if not determiner else "after_light" if light_before else "yes"
        self.distributive_before = distributive
        self.light_before = light_verb or (pronoun and light_before)
        self.verb_position = cue
        self.conjunction_before = conjunction
        self.after_preposition = preposition
        if sequenced:
            # "After that redesign ...": the phrase's last word is a pronoun, and a
            # verb stands after the phrase as after "then".
            self.determined = "no"
            self.verb_position = True
            self.after_preposition = self.noun_phrase_next = False
        self.recent.insert(0, (phrase_word, negated, start))
        del self.recent[MAX_PHRASE_WORDS - 1 :]
        self.marker_before = number_next


def collect(rules: OracleRules, text: str) -> Evidence:
    scan = Scan(rules, text)
    found, ends_with_question = tokenize(text)
    for word in found:
        scan.word(word)
    scan.separable(True)
    if scan.pending is not None:
        index, start, punct = scan.pending
        scan.plain(rules.prefixes[index], start, False, modifier=True, punct_before=punct, as_written=False)
    if ends_with_question:
        scan.question()
    scan.finish()
    if "narrow" in scan.ev.sets:
        scan.ev.sets["narrow"] = [t for t in scan.ev.sets["narrow"] if t not in scan.distributed]
    scan.ev.word_count = scan.index
    # Without a word, whitespace or a reaction ("👍") asks for nothing; "???" may ask
    # about the previous reply.
    scan.ev.blank = scan.index == 0 and (
        all(is_space(c) for c in text) or any(c >= "\x80" and unicodedata.category(c) == "So" for c in text)
    )
    return scan.ev


@dataclass
class OracleAnalysis:
    score: int
    level: int
    confidence: int
    description_points: int
    verb_complexity: str
    technical_indicators: list[str]
    estimated_steps: int
    word_count: int
    signals: list[tuple[str, int]]


def candidate(rules: OracleRules, ev: Evidence, cls: int | None, out: list[tuple[str, int]]) -> int:
    def push(name: str, points: int) -> None:
        if points:
            out.append((name, points))

    policy = rules.no_action if cls is None else rules.classes[cls].policy
    points = policy.base
    if cls is None:
        push("no_action", points)
    else:
        push(f"action:{rules.classes[cls].terms[ev.actions[cls]]}", points)

    def capped(kind: str, names: list[str], found: list[int], per: int, cap: int) -> int:
        used = 0
        for term in found:
            p = min(per, cap - used)
            if p <= 0:
                break
            push(f"{kind}:{names[term]}", p)
            used += p
        return used

    scope = ev.terms("scope")
    points += capped("scope", rules.scope_terms, scope, policy.scope_points, policy.scope_cap)
    if policy.boosts:
        for kind, label, (per, cap, names) in (
            ("tradeoff", "tradeoff", rules.tradeoff),
            ("coordination", "phased", rules.coordination),
            ("domain", "domain", rules.domain),
        ):
            points += capped(label, names, ev.terms(kind), per, cap)
        steps = min(rules.step_points * (ev.estimated_steps() - 1), rules.step_cap)
        push("steps", steps)
        points += steps
        per, cap, free = rules.enumeration
        listed = min(per * max(0, ev.commas - free), cap)
        push("enumeration", listed)
        points += listed
        options_from, options_points = rules.options
        if cls is not None and rules.classes[cls].weighs_options and options_from > 0 and ev.commas >= options_from:
            push("options", options_points)
            points += options_points
    if policy.trivial == "always" or (policy.trivial == "unscoped" and not scope):
        found = ev.triviality if cls is None else ev.class_triviality.get(cls, Triviality())
        weak = [t for t in ev.triviality.weak if t in found.weak] if policy.weak_trivial else []
        weak_points = rules.weak_points if policy.weak_points is None else policy.weak_points
        for term in weak:
            push(f"trivial:{rules.weak_terms[term]}", -weak_points)
            points -= weak_points
        for term in [t for t in ev.triviality.strong if t in found.strong]:
            push(f"trivial:{rules.strong_terms[term]}", -rules.strong_points)
            points -= rules.strong_points

    if policy.narrow and not scope:
        per, cap, names = rules.narrow
        used = 0
        bounded = None if cls is None else ev.class_triviality.get(cls, Triviality()).narrow
        for term in ev.terms("narrow"):
            if bounded is not None and term not in bounded:
                continue  # another clause's unit does not bound this action
            penalty = min(per, cap - used)
            if penalty <= 0:
                break
            push(f"narrow:{names[term]}", -penalty)
            points -= penalty
            used += penalty

    def raise_to(floor: int, name: str) -> None:
        nonlocal points
        if points < floor:
            push(name, floor - points)
            points = floor

    if policy.scope_points > 0 and len(scope) >= policy.scope_floor_terms:
        raise_to(rules.medium_floor, "floor:scope")
    raise_to(policy.floor, "floor:action")
    hits = len(ev.terms("domain"))
    if hits >= rules.domain_complex_hits:
        raise_to(rules.complex_floor, "floor:domain")
    elif hits >= rules.domain_medium_hits:
        raise_to(rules.medium_floor, "floor:domain")
    clamped = max(0, min(100, points))
    push("clamp", clamped - points)
    return clamped


DEPTH_POINTS = {None: 0, "none": 0, "shallow": 2, "moderate": 5, "deep": 10}


class OracleScorer:
    """Scores like `claude_pm._core.Scorer`, in pure Python."""

    def __init__(self, rules: OracleRules | None = None, simple: int = 30, medium: int = 70) -> None:
        self.rules = rules or OracleRules(RULES_PATH.read_text(encoding="utf-8"))
        self.simple, self.medium = simple, medium

    def level_of(self, score: int) -> int:
        return 0 if score <= self.simple else 1 if score <= self.medium else 2

    def analyze(
        self,
        text: str,
        *,
        file_count: int = 0,
        context_size: int = 0,
        integration_points: int = 0,
        requires_research: bool = False,
        requires_testing: bool = False,
        requires_documentation: bool = False,
        technical_depth: str | None = None,
    ) -> OracleAnalysis:
        rules = self.rules
        text = SURROGATE.sub("\ufffd", text)
        ev = collect(rules, text)
        winner: int | None = None
        signals: list[tuple[str, int]] = []
        description = 0
        if not ev.blank:
            best = None
            primary = any(not rules.classes[c].fallback and rules.classes[c].hides_fallback for c in ev.actions)
            for cls in range(len(rules.classes)):
                if cls in ev.actions and not (primary and rules.classes[cls].fallback):
                    points = candidate(rules, ev, cls, [])
                    if best is None or points > best:
                        best, winner = points, cls
            description = candidate(rules, ev, winner, signals)
        files = 0 if file_count <= 2 else 10 if file_count <= 5 else min(20, 10 + 2 * (min(file_count, 10) - 5))
        context = 0 if context_size < 1000 else 5 if context_size < 5000 else 10 if context_size < 10000 else 15
        facts = [
            ("files", files),
            ("context", context),
            ("integration", 5 * min(integration_points, 3)),
            ("research", 5 if requires_research else 0),
            ("testing", 5 if requires_testing else 0),
            ("documentation", 5 if requires_documentation else 0),
            ("depth", DEPTH_POINTS[None if technical_depth is None else technical_depth.lower()]),
        ]
        total = description
        for name, points in facts:
            if points:
                signals.append((name, points))
            total += points
        score = max(0, min(100, total))
        if score != total:
            signals.append(("clamp", score - total))
        return OracleAnalysis(
            score=score,
            level=self.level_of(score),
            confidence=min(abs(score - self.simple), abs(score - self.medium)),
            description_points=description,
            verb_complexity="unknown" if winner is None else rules.classes[winner].verb_complexity,
            technical_indicators=[n for i, n in enumerate(rules.indicators) if i in ev.indicators],
            estimated_steps=ev.estimated_steps(),
            word_count=ev.word_count,
            signals=signals,
        )
