"""Outcomes in the decision log: stored through the writer, joinable, counted, validated (both backends)."""

from __future__ import annotations

import math
import os
import time

import pytest
from claude_pm import record_outcome
from claude_pm.decision_log import DecisionLog, flush, get_decision_log, open_store
from claude_pm.decision_log.outcomes import REASON_CODE_MAX_CHARS, REASON_MAX_CHARS, make_outcome
from claude_pm.decision_log.spool import encode, read_segment
from decision_log_support import decision, log_target

__all__ = ["log_target"]

_UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def _rows(target: str, sql: str, params=()) -> list[tuple]:
    store = open_store(target)
    try:
        return store.query(sql, params)
    finally:
        store.close()


def test_an_outcome_is_stored_and_joins_its_decision(log_target):
    decision_id = get_decision_log().record(decision(tier="haiku", score=25))
    record_outcome(decision_id, success=False, score=0.25, escalated=True, retried=2, reason="tests_failed")
    assert flush(10)
    rows = _rows(
        log_target,
        "SELECT d.tier, d.score, o.success, o.score, o.escalated, o.retried, o.reason "
        "FROM claude_pm_outcomes o JOIN claude_pm_decisions d ON d.id = o.decision_id",
    )
    assert [(*row[:2], bool(row[2]), row[3], bool(row[4]), *row[5:]) for row in rows] == [
        ("haiku", 25, False, 0.25, True, 2, "tests_failed")
    ]
    stats = get_decision_log().stats()
    assert (stats["outcomes_written"], stats["outcomes_unknown"], stats["outcomes_replaced"]) == (1, 0, 0)


def test_a_second_outcome_replaces_the_first_and_is_counted(log_target):
    decision_id = get_decision_log().record(decision())
    record_outcome(decision_id, success=False, reason="timeout")
    assert flush(10)
    record_outcome(decision_id, success=True)
    record_outcome(decision_id.upper(), success=True, score=0.9)  # the same id, any case
    assert flush(10)
    rows = _rows(log_target, "SELECT success, score, reason FROM claude_pm_outcomes")
    assert [(bool(success), score, reason) for success, score, reason in rows] == [(True, 0.9, None)]
    assert get_decision_log().stats()["outcomes_replaced"] == 2


def test_an_older_outcome_never_replaces_a_newer_one(log_target):
    decision_id = get_decision_log().record(decision())
    newer = make_outcome(decision_id, success=True, now=time.time())
    older = make_outcome(decision_id, success=False, now=time.time() - 60)
    log = get_decision_log()
    log.record_outcome_row(newer)
    log.record_outcome_row(older)
    assert flush(10)
    assert [bool(row[0]) for row in _rows(log_target, "SELECT success FROM claude_pm_outcomes")] == [True]


def test_an_outcome_for_an_unknown_decision_is_counted_not_raised(log_target):
    record_outcome(_UNKNOWN_ID, success=False)
    assert flush(10)
    assert get_decision_log().stats()["outcomes_unknown"] == 1
    # Stored all the same: its decision may still arrive from another runner's writer.
    assert _rows(log_target, "SELECT COUNT(*) FROM claude_pm_outcomes") == [(1,)]


def test_pruning_removes_the_outcomes_of_pruned_decisions(log_target):
    old = get_decision_log().record(decision(timestamp=time.time() - 10 * 86400))
    record_outcome(old, success=True)
    assert flush(10)
    store = open_store(log_target)
    try:
        store.prune(time.time() - 86400)
        assert store.query("SELECT COUNT(*) FROM claude_pm_outcomes") == [(0,)]
    finally:
        store.close()


@pytest.mark.parametrize(
    ("arguments", "error", "named"),
    [
        ({"score": 1.5}, ValueError, "score=1.5"),
        ({"score": -0.1}, ValueError, "score=-0.1"),
        ({"score": math.nan}, ValueError, "score=nan"),
        ({"score": True}, TypeError, "score"),
        ({"success": "yes"}, TypeError, "success"),
        ({"retried": -1}, ValueError, "retried=-1"),
        ({"retried": 1.5}, TypeError, "retried"),
        ({"escalated": 1}, TypeError, "escalated"),
        (
            {"reason": "the model refused to refactor the billing module"},
            ValueError,
            "CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT",
        ),
        ({"reason": "x" * (REASON_CODE_MAX_CHARS + 1)}, ValueError, "reason"),
        ({"reason": 7}, TypeError, "reason"),
    ],
)
def test_bad_arguments_are_errors_naming_the_argument(decision_log_file, arguments, error, named):
    with pytest.raises(error, match=named.replace("(", r"\(").replace(".", r"\.")):
        record_outcome(_UNKNOWN_ID, **arguments)


def test_a_refused_free_text_reason_is_never_quoted(decision_log_file):
    secret_task = "migrate the payroll of ACME Corp"
    with pytest.raises(ValueError) as raised:
        record_outcome(_UNKNOWN_ID, success=False, reason=secret_task)
    assert "payroll" not in str(raised.value)


@pytest.mark.parametrize("decision_id", ["", "not-a-uuid", "00000000-0000-4000-8000-00000000000g", "x" * 500])
def test_a_malformed_decision_id_is_a_value_error(decision_log_file, decision_id):
    with pytest.raises(ValueError, match="decision_id="):
        record_outcome(decision_id, success=True)


def test_a_decision_id_that_is_not_text_is_a_type_error(decision_log_file):
    with pytest.raises(TypeError, match="decision_id must be a str"):
        record_outcome(12345, success=True)  # type: ignore[arg-type]


def test_free_text_reasons_need_the_opt_in_and_are_bounded(log_target, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT", "true")
    decision_id = get_decision_log().record(decision())
    record_outcome(decision_id, success=False, reason="wrong answer: " + "z" * 2000)
    assert flush(10)
    [(reason,)] = _rows(log_target, "SELECT reason FROM claude_pm_outcomes")
    assert reason.startswith("wrong answer: ") and len(reason) == REASON_MAX_CHARS


def test_without_a_decision_log_or_a_decision_id_nothing_is_recorded(monkeypatch):
    monkeypatch.delenv("CLAUDE_PM_DECISION_LOG", raising=False)
    record_outcome(None, success=False)
    record_outcome(_UNKNOWN_ID, success=False)
    assert get_decision_log() is None
    with pytest.raises(ValueError, match="score="):  # still checked: the bug shows before the log is on
        record_outcome(_UNKNOWN_ID, score=2.0)


def test_outcomes_survive_the_spool(tmp_path):
    row = make_outcome(_UNKNOWN_ID, success=False, score=0.5, escalated=True, retried=1, reason="timeout", now=1.0)
    path = tmp_path / "segment.spool"
    path.write_bytes(encode([], [], [row]))
    fd = os.open(path, os.O_RDONLY)
    try:
        assert read_segment(fd, str(path)) == ([], [], [row], 0)
    finally:
        os.close(fd)


def test_outcomes_left_in_a_dead_writers_spool_are_replayed(log_target, tmp_path):
    spool_dir = tmp_path / "replay-spool"
    first = DecisionLog(log_target, spool_dir=str(spool_dir))
    decision_id = first.record(decision())
    assert first.close(10)
    # A writer that died after spooling an outcome: its segment is left behind, unlocked.
    from claude_pm.decision_log.spool import open_segment

    segment = open_segment(str(spool_dir), log_target)
    segment.append(encode([], [], [make_outcome(decision_id, success=False, reason="timeout")]))
    segment.release(delete=False)
    second = DecisionLog(log_target, spool_dir=str(spool_dir))
    assert second.flush(10)
    assert second.close(10)
    assert second.stats()["replayed"] == 1
    assert _rows(log_target, "SELECT reason FROM claude_pm_outcomes") == [("timeout",)]
