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

RULES_PATH = (
    Path(__file__).resolve().parents[1] / "python" / "claude_pm" / "data" / "scoring_rules.toml"
)

MAX_PHRASE_WORDS = 4
MAX_DISTINCT_TERMS = 8

# Unicode White_Space, as Rust's char::is_whitespace uses it.
WHITE_SPACE = frozenset(
    [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
     0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
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


def words(text: str) -> list[tuple[str, bool, bool]]:
    """(word, sentence_start, list_item) for every word of the text."""
    out = []
    i, n = 0, len(text)
    first, saw_end, last_space = True, False, False
    while i < n:
        c = text[i]
        if not is_word_char(c):
            saw_end = saw_end or c in SENTENCE_END
            last_space = is_space(c)
            i += 1
            continue
        sentence_start = first or (saw_end and last_space)
        j = i
        while j < n and is_word_char(text[j]):
            j += 1
        word = "".join(lower(ch) for ch in text[i:j])
        list_item = (
            sentence_start
            and 1 <= len(word) <= 2
            and all("0" <= ch <= "9" for ch in word)
            and j + 1 < n
            and text[j] in ".)"
            and is_space(text[j + 1])
        )
        out.append((word, sentence_start, list_item))
        first, saw_end, last_space = False, False, False
        i = j
    return out


def inflections(base: str) -> list[str]:
    forms = [base, base + "s", base + "es", base + "ed", base + "ing"]
    vowels = "aeiou"
    if base.endswith("e"):
        forms += [base + "d", base[:-1] + "ing"]
    if len(base) >= 2 and base[-1] == "y" and base[-2] not in vowels:
        forms += [base[:-1] + "ies", base[:-1] + "ied"]
    if len(base) >= 3:
        a, b, c = base[-3], base[-2], base[-1]

        def consonant(x: str) -> bool:
            return x.isascii() and x.isalpha() and x not in vowels

        if consonant(a) and b in vowels and consonant(c) and c not in "wxy":
            forms += [base + c + "ed", base + c + "ing"]
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


@dataclass
class ActionClass:
    name: str
    verb_complexity: str
    policy: Policy
    sentence_start: bool
    terms: list[str] = field(default_factory=list)


def _policy(table: dict[str, Any]) -> Policy:
    return Policy(
        table["base"], table["scope_points"], table["scope_cap"], table["boosts"],
        table["trivial"], table.get("floor", 0), table.get("narrow", False),
    )


class OracleRules:
    """The rules file compiled into plain dicts."""

    def __init__(self, text: str) -> None:
        doc = tomllib.loads(text)
        self.version: str = doc["version"]
        self.medium_floor: int = doc["points"]["medium_floor"]
        self.complex_floor: int = doc["points"]["complex_floor"]
        self.words: dict[str, list[tuple[Any, int]]] = {}
        self.phrase_ids: dict[str, int] = {}
        self.phrases: dict[tuple[int, ...], list[tuple[Any, int]]] = {}
        self.classes: list[ActionClass] = []
        for i, action in enumerate(doc["actions"]):
            cls = ActionClass(
                action["name"], action["verb_complexity"], _policy(action),
                action.get("sentence_start", False),
            )
            self._add(("action", i), action, cls.terms, action.get("inflect", True))
            self.classes.append(cls)
        self.no_action = _policy(doc["no_action"])
        self.scope_terms: list[str] = []
        self._add("scope", doc["scope"], self.scope_terms)
        self.tradeoff = self._weighted("tradeoff", doc["tradeoff"])
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
        self._add("weak", {"forms": trivial["weak"], "phrases": trivial.get("weak_phrases", [])},
                  self.weak_terms)
        self.value_term = self._intern(self.weak_terms, "value")
        self.strong_terms: list[str] = []
        self._add("strong",
                  {"forms": trivial["strong"], "phrases": trivial.get("strong_phrases", [])},
                  self.strong_terms)
        self._add("value", {"forms": trivial["value_words"]}, [])
        self._add("negator", doc["negation"], [])
        self.negation_window: int = doc["negation"]["window"]
        self.indicators: list[str] = []
        for i, indicator in enumerate(doc.get("indicators", [])):
            self._add(("indicator", i), indicator, [])
            self.indicators.append(indicator["name"])

    @staticmethod
    def _intern(terms: list[str], name: str) -> int:
        if name in terms:
            return terms.index(name)
        terms.append(name)
        return len(terms) - 1

    def _word(self, word: str, hit: tuple[Any, int]) -> None:
        hits = self.words.setdefault(word, [])
        if hit not in hits:
            hits.append(hit)

    def _add(self, group: Any, table: dict[str, Any], terms: list[str], inflect: bool = True) -> None:
        for raw in table.get("words", []):
            (base,) = [w for w, _, _ in words(raw)]
            hit = (group, self._intern(terms, base))
            for form in inflections(base) if inflect else [base]:
                self._word(form, hit)
        for raw in table.get("forms", []):
            (form,) = [w for w, _, _ in words(raw)]
            self._word(form, (group, self._intern(terms, form)))
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


@dataclass
class Evidence:
    blank: bool
    word_count: int = 0
    actions: dict[int, int] = field(default_factory=dict)
    sets: dict[str, list[int]] = field(default_factory=dict)
    sequencers: int = 0
    list_items: int = 0
    indicators: set[int] = field(default_factory=set)

    def add(self, kind: str, term: int) -> None:
        found = self.sets.setdefault(kind, [])
        if len(found) < MAX_DISTINCT_TERMS and term not in found:
            found.append(term)

    def terms(self, kind: str) -> list[int]:
        return self.sets.get(kind, [])

    def estimated_steps(self) -> int:
        return 0 if self.blank else max(self.list_items, self.sequencers + 1)


def collect(rules: OracleRules, text: str) -> Evidence:
    ev = Evidence(blank=all(is_space(c) for c in text))
    index = 0
    negated_until = 0
    value_before = False
    marker_before = False
    recent: list[tuple[int, bool, bool]] = []  # most recent first

    def record(hit: tuple[Any, int], negated: bool, start: bool) -> bool:
        nonlocal negated_until, value_before
        group, term = hit
        marker = False
        if isinstance(group, tuple) and group[0] == "action":
            if not negated and (start or not rules.classes[group[1]].sentence_start):
                ev.actions.setdefault(group[1], term)
        elif isinstance(group, tuple):
            ev.indicators.add(group[1])
        elif group in ("scope", "tradeoff", "coordination", "narrow", "domain"):
            ev.add(group, term)
        elif group in ("weak", "strong"):
            if not negated:
                ev.add(group, term)
        elif group == "sequencer":
            ev.sequencers += 1
        elif group == "marker":
            marker = True
        elif group == "value":
            value_before = True
        elif group == "negator":
            negated_until = index + rules.negation_window
        return marker

    for word, start, item in words(text):
        ev.word_count += 1
        index += 1
        if start:
            negated_until = 0
        if item:
            ev.list_items += 1
        negated = index <= negated_until
        is_number = "0" <= word[0] <= "9"
        had_value, value_before = value_before, False
        had_marker, marker_before = marker_before, False
        if had_value and is_number and not negated:
            ev.add("weak", rules.value_term)
        hits = [] if is_number else rules.words.get(word, [])
        number_next = False
        is_ordinal = False
        for hit in hits:
            is_ordinal = is_ordinal or hit[0] == "ordinal"
            number_next = record(hit, negated, start) or number_next
        if had_marker and (is_number or is_ordinal):
            ev.list_items += 1
        phrase_word = rules.phrase_ids.get(word, 0) if not is_number else 0
        if phrase_word:
            for length in range(2, MAX_PHRASE_WORDS + 1):
                if len(recent) < length - 1 or recent[length - 2][0] == 0:
                    break
                first = recent[length - 2]
                key = (*tuple(r[0] for r in reversed(recent[:length - 1])), phrase_word)
                for hit in rules.phrases.get(key, []):
                    number_next = record(hit, first[1], first[2]) or number_next
        recent.insert(0, (phrase_word, negated, start))
        del recent[MAX_PHRASE_WORDS - 1:]
        marker_before = number_next
    return ev


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
    if policy.trivial == "always" or (policy.trivial == "unscoped" and not scope):
        for term in ev.terms("weak"):
            push(f"trivial:{rules.weak_terms[term]}", -rules.weak_points)
            points -= rules.weak_points
        for term in ev.terms("strong"):
            push(f"trivial:{rules.strong_terms[term]}", -rules.strong_points)
            points -= rules.strong_points

    if policy.narrow and not scope:
        per, cap, names = rules.narrow
        used = 0
        for term in ev.terms("narrow"):
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

    if policy.scope_points > 0 and scope:
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
        self, text: str, *, file_count: int = 0, context_size: int = 0,
        integration_points: int = 0, requires_research: bool = False,
        requires_testing: bool = False, requires_documentation: bool = False,
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
            for cls in range(len(rules.classes)):
                if cls in ev.actions:
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
