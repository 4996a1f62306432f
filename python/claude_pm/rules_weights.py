"""The point values of a scoring rules file: find them, change them in the text, keep everything else.

A rules file's weights are its integer point values: each action class's `base`,
`scope_points`, `scope_cap` and `floor`, the `no_action` policy's, the modifiers'
`points` and `cap` (scope terms, trade-offs, phased work, narrow scope, hard domains,
steps, enumeration), triviality's `weak_points`/`strong_points` and the `[points]`
floors. Counts (`free`, `*_hits`, the negation `window`) and the vocabulary are not
weights. `RulesWeights.with_values` rewrites only the digits of the changed lines, so
the result keeps the file's comments, order and layout and a unified diff shows
exactly the changed weights; every edit is checked by parsing the new text back.

`RulesWeights.reduced_text` is a speed device for fitting: the same rules with every
term that cannot match any of the given texts left out (loading a rules file costs
time linear in its terms). Callers check it reproduces the full file's scores.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

__all__ = ["POINT_KEYS", "RulesWeights", "Weight"]

# Keys whose integer values are points (everything else numeric is a count).
POINT_KEYS = frozenset(
    {"base", "scope_points", "scope_cap", "floor", "points", "cap", "weak_points", "strong_points"}
    | {"medium_floor", "complex_floor"}
)
# Tables whose keys are points; [[actions]] entries are named by their `name`.
_POINT_TABLES = ("points", "no_action", "enumeration", "scope", "tradeoff", "coordination", "narrow", "domain")
_POINT_TABLES += ("steps", "trivial")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")
_INTEGER_LINE = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(-?\d+)(\s*(#.*)?)$")
_POINT_MAX = 100
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Weight:
    """One point value: its name (``actions.medium.base``, ``trivial.strong_points``), value and line."""

    name: str
    value: int
    line: int


class RulesWeights:
    """The weights of one rules file's text; ValueError naming the file when its layout hides them."""

    def __init__(self, text: str, source: str = "rules file") -> None:
        self.text = text
        self.source = source
        try:
            self.document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{source}: not valid TOML: {error}") from None
        self._lines = text.splitlines(keepends=True)
        self.weights = self._locate()
        self._by_name = {weight.name: weight for weight in self.weights}

    @property
    def names(self) -> list[str]:
        return [weight.name for weight in self.weights]

    def values(self) -> dict[str, int]:
        return {weight.name: weight.value for weight in self.weights}

    def bounds(self, name: str) -> tuple[int, int]:
        return (0, _POINT_MAX)

    def _expected(self) -> dict[str, int]:
        """Every weight the parsed document holds, by name."""
        expected: dict[str, int] = {}
        for table in _POINT_TABLES:
            for key, value in (self.document.get(table) or {}).items():
                if key in POINT_KEYS and isinstance(value, int) and not isinstance(value, bool):
                    expected[f"{table}.{key}"] = value
        for index, action in enumerate(self.document.get("actions") or []):
            for key, value in action.items():
                if key in POINT_KEYS and isinstance(value, int) and not isinstance(value, bool):
                    expected[f"actions.{action.get('name', index)}.{key}"] = value
        return expected

    def _locate(self) -> list[Weight]:
        table: str | None = None
        action_index = -1
        actions = self.document.get("actions") or []
        found: list[Weight] = []
        for number, line in enumerate(self._lines):
            header = _HEADER.match(line) if line.lstrip().startswith("[") and not line.startswith((" ", "\t")) else None
            if header:
                name = header.group(2).strip()
                if header.group(1) == "[[" and name == "actions":
                    action_index += 1
                    table = f"actions.{actions[action_index].get('name', action_index)}"
                else:
                    table = name if name in _POINT_TABLES else None
                continue
            match = _INTEGER_LINE.match(line.rstrip("\r\n"))
            if table is not None and match and match.group(2) in POINT_KEYS:
                found.append(Weight(f"{table}.{match.group(2)}", int(match.group(4)), number))
        located = {weight.name: weight.value for weight in found}
        if located != self._expected() or len(found) != len(located):
            missing = sorted(set(self._expected()) - set(located))
            raise ValueError(
                f"{self.source}: weights must be written one per line as `key = integer` under their table "
                f"header so they can be edited in place; not found that way: {', '.join(missing) or 'duplicates'}"
            )
        return found

    def with_values(self, values: Mapping[str, int], *, check: bool = True) -> str:
        """The text with the given weights changed and nothing else; checked by parsing it back
        (``check=False`` skips that for the fitting loop, whose final text is checked)."""
        lines = list(self._lines)
        for name, value in values.items():
            weight = self._by_name.get(name)
            if weight is None:
                raise ValueError(f"{self.source}: no weight named {name!r}: expected one of {', '.join(self.names)}")
            line = lines[weight.line]
            ending = line[len(line.rstrip("\r\n")) :]
            match = _INTEGER_LINE.match(line.rstrip("\r\n"))
            assert match is not None
            lines[weight.line] = f"{match.group(1)}{match.group(2)}{match.group(3)}{int(value)}{match.group(5)}{ending}"
        text = "".join(lines)
        if not check:
            return text
        wanted = dict(self.values(), **{name: int(value) for name, value in values.items()})
        if RulesWeights(text, self.source).values() != wanted:  # _locate proved each line holds its weight
            raise AssertionError(f"{self.source}: editing the weights changed other values")
        return text

    def reduced_text(self, texts: Iterable[str]) -> str:
        """These rules (same weights and switches) without the terms no word of `texts` can match.

        A term is kept when each of its words, less a final e or y (inflections drop or
        change them), occurs in the texts, with or without hyphens and accents (the
        scanner joins hyphenated prefixes and looks words up without stress marks), or
        is a separable verb whose stem occurs (a particle may join it).
        Conservative by construction; callers still compare scores with the full rules.
        """
        blob = "\n".join(texts).lower()
        words: set[str] = set()
        for variant in (blob, blob.replace("-", "")):
            words.update(_WORD.findall(variant))
            words.update(_WORD.findall(_unaccented(variant)))
        by_trigram: dict[str, list[str]] = {}
        for word in words:
            for start in range(len(word) - 2):
                by_trigram.setdefault(word[start : start + 3], []).append(word)
        short = "\n".join(words)

        def occurs(stem: str) -> bool:
            if len(stem) < 3:
                return stem in short
            return any(stem in word for word in by_trigram.get(stem[:3], ()))

        particles = self.document.get("grammar", {}).get("separable_particles", [])

        def separable(word: str) -> bool:
            # A clause-final particle joins its verb's stem ("leite ... her" is "herleiten").
            return word.endswith("en") and any(
                word.startswith(particle) and len(word) - len(particle) >= 4 and occurs(word[len(particle) : -2])
                for particle in particles
            )

        def matchable(term: str) -> bool:
            for word in term.lower().split():
                stem = word[:-1] if len(word) > 3 and word[-1] in "ey" else word
                if not occurs(stem) and not occurs(_unaccented(stem)) and not separable(word):
                    return False
            return True

        return _dump(_filtered(self.document, matchable))


def _unaccented(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def _filtered(value: Any, keep: Any) -> Any:
    if isinstance(value, dict):
        return {key: _filtered(item, keep) for key, item in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(item, str) for item in value):
            return [item for item in value if keep(item)]
        return [_filtered(item, keep) for item in value]
    return value


def _dump(document: dict[str, Any]) -> str:
    """A TOML text for the parsed rules document (tables, arrays of tables, strings, numbers, booleans)."""
    out: list[str] = []

    def scalar(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value)
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, list):
            return "[" + ", ".join(scalar(item) for item in value) + "]"
        raise TypeError(f"cannot write {type(value).__name__} to TOML")

    def is_table_array(value: Any) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)

    def key_of(key: str) -> str:
        return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)

    def table(prefix: list[str], body: dict[str, Any]) -> None:
        for key, value in body.items():
            if not isinstance(value, dict) and not is_table_array(value):
                out.append(f"{key_of(key)} = {scalar(value)}")
        for key, value in body.items():
            path = [*prefix, key_of(key)]
            if isinstance(value, dict):
                out.append(f"[{'.'.join(path)}]")
                table(path, value)
            elif is_table_array(value):
                for item in value:
                    out.append(f"[[{'.'.join(path)}]]")
                    table(path, item)

    table([], document)
    return "\n".join(out) + "\n"
