"""Routing-quality report: the dev set bar, and the report on small files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from claude_pm.evaluation import EvalReport, evaluate_file, format_report


def test_dev_set_accuracy_and_no_complex_task_scored_simple(shared_dir: Path):
    report = evaluate_file(shared_dir / "data" / "routing_dev.jsonl")
    assert report.total == 150
    assert report.accuracy >= 0.90, format_report(report)
    assert report.confusion["COMPLEX"]["SIMPLE"] == 0, format_report(report)
    assert report.under_routing_rate == 0.0


def test_peer_cases_never_send_most_complex_work_to_haiku(shared_dir: Path):
    # Labels there come from other routers; this project's labels win where they disagree, so
    # only the worst error is bounded.
    report = evaluate_file(shared_dir / "data" / "peer_routing_cases.jsonl")
    assert report.total > 500
    assert report.under_routing_rate < 0.05, format_report(report)


def write(path: Path, records: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_report_counts_and_any_of_labels(tmp_path: Path):
    path = write(
        tmp_path / "cases.jsonl",
        [
            {"id": "a", "task": "List files", "tier": "SIMPLE"},
            {"id": "b", "text": "Implement feature", "tier": "MEDIUM"},
            {"id": "c", "task": "List files", "tier": "COMPLEX"},
            {"id": "d", "text": "Refactor system", "tier": "MEDIUM", "acceptable_tiers": ["MEDIUM", "COMPLEX"]},
            {
                "id": "e",
                "task": "Implement feature",
                "tier": "SIMPLE",
                "extra": {"file_count": 12, "context_size": 20000, "integration_points": 3, "technical_depth": "deep"},
            },
        ],
    )
    report = evaluate_file(path)
    assert isinstance(report, EvalReport)
    assert (report.total, report.correct) == (5, 3)
    assert report.confusion["COMPLEX"]["SIMPLE"] == 1
    assert report.confusion["SIMPLE"]["COMPLEX"] == 1
    assert report.under_routing_rate == 1.0
    assert [m["id"] for m in report.misses] == ["c", "e"]
    text = format_report(report)
    assert "accuracy:       60.0% (3/5)" in text
    assert "under-routing:  100.0%" in text
    data = report.to_dict()
    assert data["confusion"]["MEDIUM"]["COMPLEX"] == 1
    json.dumps(data)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", r"cases.jsonl:2: not valid JSON"),
        ('{"tier": "SIMPLE"}', r"cases.jsonl:2: expected the task text"),
        ('{"task": "x", "tier": "EASY"}', r"cases.jsonl:2 field 'tier': 'EASY' is not a tier"),
        ('{"task": "x"}', r"cases.jsonl:2: expected the label"),
        ('{"task": "x", "tier": "SIMPLE", "extra": {"file_count": -2}}', r"cases.jsonl:2: file_count"),
    ],
)
def test_malformed_lines_name_the_line(tmp_path: Path, line: str, message: str):
    path = tmp_path / "cases.jsonl"
    path.write_text('{"task": "List files", "tier": "SIMPLE"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        evaluate_file(path)
