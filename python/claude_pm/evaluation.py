"""Routing quality on a labelled JSONL file: accuracy, per-tier confusion matrix and
the under-routing rate (COMPLEX work scored SIMPLE, i.e. sent to haiku).

Each line is a JSON object with the task in ``task`` (or ``text``) and the expected
tier in ``tier`` (SIMPLE/MEDIUM/COMPLEX). When ``acceptable_tiers`` is present, a
prediction is correct if it is any of them; the confusion matrix uses ``tier``.
Caller facts found in ``extra`` (file_count, context_size, ...) are passed on.

A labelled corpus is split for tuning by a fixed hash of each task's text (`split_of`):
70 % "tune", 30 % "check". The check split measures wording no tuning decision looked
at; a gap of more than a few points between the two means a vocabulary fits its words.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_pm.analysis import TaskComplexityAnalyzer
from claude_pm.definitions import FACT_NAMES, LEVEL_NAMES

__all__ = [
    "SPLITS",
    "EvalReport",
    "evaluate_file",
    "evaluate_records",
    "evaluate_split",
    "format_report",
    "read_records",
    "split_of",
]

SPLITS: tuple[str, ...] = ("tune", "check")
# Tenths of the hash space that go to the tune split.
_TUNE_TENTHS = 7


def split_of(text: str) -> str:
    """ "tune" or "check": the first byte of the SHA-256 of the UTF-8 text, modulo 10,
    below 7 is tune. Fixed, so a task never changes split."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return SPLITS[0] if digest[0] % 10 < _TUNE_TENTHS else SPLITS[1]


@dataclass
class EvalReport:
    """The outcome of an evaluation run."""

    total: int = 0
    correct: int = 0
    # confusion[expected][predicted] = count
    confusion: dict[str, dict[str, int]] = field(
        default_factory=lambda: {e: {p: 0 for p in LEVEL_NAMES} for e in LEVEL_NAMES}
    )
    complex_total: int = 0
    complex_scored_simple: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def under_routing_rate(self) -> float:
        """Share of COMPLEX-labelled tasks scored SIMPLE."""
        return self.complex_scored_simple / self.complex_total if self.complex_total else 0.0

    def per_tier_recall(self) -> dict[str, float]:
        recall = {}
        for tier in LEVEL_NAMES:
            row_total = sum(self.confusion[tier].values())
            recall[tier] = self.confusion[tier][tier] / row_total if row_total else 0.0
        return recall

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "under_routing_rate": self.under_routing_rate,
            "complex_scored_simple": self.complex_scored_simple,
            "confusion": {e: dict(row) for e, row in self.confusion.items()},
            "per_tier_recall": self.per_tier_recall(),
            "misses": list(self.misses),
        }


def _tier(value: Any, where: str) -> str:
    if isinstance(value, str) and value.upper() in LEVEL_NAMES:
        return value.upper()
    raise ValueError(f"{where}: {value!r} is not a tier: expected one of {', '.join(LEVEL_NAMES)}")


def _parse_record(record: Any, where: str) -> tuple[str, str, tuple[str, ...], dict[str, Any]]:
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object")
    text = record.get("task", record.get("text"))
    if not isinstance(text, str):
        raise ValueError(f"{where}: expected the task text in 'task' or 'text'")
    if "tier" in record:
        expected = _tier(record["tier"], f"{where} field 'tier'")
    elif record.get("acceptable_tiers"):
        expected = _tier(record["acceptable_tiers"][0], f"{where} field 'acceptable_tiers'")
    else:
        raise ValueError(f"{where}: expected the label in 'tier' or 'acceptable_tiers'")
    raw_acceptable = record.get("acceptable_tiers") or [expected]
    if not isinstance(raw_acceptable, list):
        raise ValueError(f"{where} field 'acceptable_tiers': expected a list of tiers")
    acceptable = tuple(_tier(t, f"{where} field 'acceptable_tiers'") for t in raw_acceptable)
    extra = record.get("extra") or {}
    facts = {k: extra[k] for k in FACT_NAMES if isinstance(extra, dict) and k in extra}
    return text, expected, acceptable, facts


def evaluate_records(records: list[tuple[str, Any]], analyzer: TaskComplexityAnalyzer | None = None) -> EvalReport:
    """Evaluates (location, record) pairs; `location` names the record in errors."""
    analyzer = analyzer or TaskComplexityAnalyzer()
    report = EvalReport()
    for where, record in records:
        text, expected, acceptable, facts = _parse_record(record, where)
        try:
            result = analyzer.analyze_task(text, **facts)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}: {error}") from None
        predicted = result.complexity_level.value
        report.total += 1
        report.confusion[expected][predicted] += 1
        if predicted in acceptable:
            report.correct += 1
        else:
            record_id = record.get("id", where)
            report.misses.append(
                {"id": record_id, "expected": expected, "predicted": predicted, "score": result.complexity_score}
            )
        if expected == "COMPLEX":
            report.complex_total += 1
            report.complex_scored_simple += predicted == "SIMPLE"
    return report


def read_records(path: str | os.PathLike[str]) -> list[tuple[str, Any]]:
    """(location, record) pairs of a JSONL file, or of every ``*.jsonl`` file of a
    directory in name order; a malformed line raises ValueError naming its number, and
    so does a path without any row."""
    root = Path(path)
    files = sorted(root.glob("*.jsonl")) if root.is_dir() else [root]
    records: list[tuple[str, Any]] = []
    for file in files:
        with open(file, encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                where = f"{os.fspath(file)}:{number}"
                try:
                    records.append((where, json.loads(line)))
                except json.JSONDecodeError as error:
                    raise ValueError(f"{where}: not valid JSON ({error.msg})") from None
    if not records:
        # An accuracy over nothing would read as a (0 %) result; it is an input mistake.
        raise ValueError(
            f"{os.fspath(path)}: no labelled rows: expected one JSON object per line with the "
            "task in 'task' (or 'text') and its tier in 'tier' (or 'acceptable_tiers')"
        )
    return records


def evaluate_file(path: str | os.PathLike[str], analyzer: TaskComplexityAnalyzer | None = None) -> EvalReport:
    """Evaluates a JSONL file (or a directory of them); see `read_records`."""
    return evaluate_records(read_records(path), analyzer)


def evaluate_split(
    path: str | os.PathLike[str], analyzer: TaskComplexityAnalyzer | None = None
) -> dict[str, EvalReport]:
    """One report per split ("tune", "check") of the records at `path` (`split_of`)."""
    records = read_records(path)
    analyzer = analyzer or TaskComplexityAnalyzer()
    by_split: dict[str, list[tuple[str, Any]]] = {name: [] for name in SPLITS}
    for where, record in records:
        text = _parse_record(record, where)[0]
        by_split[split_of(text)].append((where, record))
    return {name: evaluate_records(rows, analyzer) for name, rows in by_split.items()}


def format_report(report: EvalReport) -> str:
    """A plain-text report: accuracy, under-routing and the confusion matrix."""
    width = max(len(t) for t in LEVEL_NAMES) + 2
    lines = [
        f"tasks:          {report.total}",
        f"accuracy:       {report.accuracy:.1%} ({report.correct}/{report.total})",
        f"under-routing:  {report.under_routing_rate:.1%} "
        f"({report.complex_scored_simple} of {report.complex_total} COMPLEX tasks scored SIMPLE)",
        "",
        "confusion (rows: expected, columns: predicted)",
        " " * width + "".join(t.rjust(width) for t in LEVEL_NAMES) + "recall".rjust(width),
    ]
    recall = report.per_tier_recall()
    for expected in LEVEL_NAMES:
        row = report.confusion[expected]
        cells = "".join(str(row[p]).rjust(width) for p in LEVEL_NAMES)
        lines.append(expected.ljust(width) + cells + f"{recall[expected]:.0%}".rjust(width))
    return "\n".join(lines)
