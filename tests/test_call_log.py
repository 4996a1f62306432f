"""API calls in the decision log (schema 4, claude_pm_calls): stored, replaced, spooled, pruned, both backends."""

from __future__ import annotations

import os
import time

import pytest
from claude_pm.decision_log import DecisionLog, flush, get_decision_log, open_store, record_call
from claude_pm.decision_log.calls import make_call
from claude_pm.decision_log.spool import encode, open_segment, read_segment
from decision_log_support import decision, log_target

__all__ = ["log_target"]

_ID = "00000000-0000-4000-8000-000000000000"
_CALL = {
    "key_slot": "agent:engineer",
    "models_tried": ["claude-3-haiku", "claude-sonnet-4"],
    "fallback_reason": "overloaded",
    "status": "completed",
    "http_status": 200,
}
_COLUMNS = "key_slot, requested_model, final_model, fallback_reason, status, http_status, attempts, models_tried"
_STORED = (
    "agent:engineer",
    "claude-3-haiku",
    "claude-sonnet-4",
    "overloaded",
    "completed",
    200,
    2,
    "claude-3-haiku,claude-sonnet-4",
)


def _rows(target: str, sql: str) -> list[tuple]:
    store = open_store(target)
    try:
        return store.query(sql)
    finally:
        store.close()


def test_a_call_is_stored_and_joins_its_decision(log_target):
    decision_id = get_decision_log().record(decision(tier="haiku"))
    record_call(decision_id, **_CALL)
    assert flush(10)
    rows = _rows(
        log_target,
        f"SELECT d.tier, {_COLUMNS} FROM claude_pm_calls c JOIN claude_pm_decisions d ON d.id = c.decision_id",
    )
    assert rows == [("haiku", *_STORED)]
    assert get_decision_log().stats()["calls_written"] == 1


def test_running_a_decision_again_replaces_its_call(log_target):
    decision_id = get_decision_log().record(decision())
    record_call(decision_id, **{**_CALL, "status": "failed", "http_status": 529, "models_tried": ["claude-3-haiku"]})
    record_call(decision_id, **_CALL)
    assert flush(10)
    assert _rows(log_target, f"SELECT {_COLUMNS} FROM claude_pm_calls") == [_STORED]


def test_pruning_removes_the_calls_of_pruned_decisions(log_target):
    old = get_decision_log().record(decision(timestamp=time.time() - 10 * 86400))
    record_call(old, **_CALL)
    assert flush(10)
    store = open_store(log_target)
    try:
        store.prune(time.time() - 86400)
        assert store.query("SELECT COUNT(*) FROM claude_pm_calls") == [(0,)]
    finally:
        store.close()


def test_calls_left_in_a_dead_writers_spool_are_replayed(log_target, tmp_path):
    spool_dir = tmp_path / "replay-spool"
    first = DecisionLog(log_target, spool_dir=str(spool_dir))
    decision_id = first.record(decision())
    assert first.close(10)
    # A writer that died after spooling a call: its segment is left behind, unlocked.
    segment = open_segment(str(spool_dir), log_target)
    segment.append(encode([], [make_call(decision_id, **_CALL)]))
    segment.release(delete=False)
    second = DecisionLog(log_target, spool_dir=str(spool_dir))
    assert second.flush(10)
    assert second.close(10)
    assert second.stats()["replayed"] == 1
    assert _rows(log_target, f"SELECT {_COLUMNS} FROM claude_pm_calls") == [_STORED]


def test_calls_survive_the_spool_next_to_usage_rows(tmp_path):
    row = make_call(_ID, now=1.0, **_CALL)
    path = tmp_path / "segment.spool"
    path.write_bytes(encode([], [row]))
    fd = os.open(path, os.O_RDONLY)
    try:
        assert read_segment(fd, str(path)) == ([], [row], [], 0)
    finally:
        os.close(fd)


@pytest.mark.parametrize(
    ("fields", "error", "named"),
    [
        ({"status": "ok"}, ValueError, "status='ok'"),
        ({"fallback_reason": "bored"}, ValueError, "fallback_reason='bored'"),
        ({"models_tried": []}, ValueError, "models_tried"),
        ({"models_tried": "claude-3-haiku"}, ValueError, "models_tried"),
        ({"models_tried": ["a,b"]}, ValueError, "comma"),
        ({"key_slot": ""}, ValueError, "key_slot"),
        ({"key_slot": 3}, TypeError, "key_slot"),
        ({"http_status": "200"}, TypeError, "http_status"),
    ],
)
def test_bad_call_fields_are_errors_naming_the_field(fields, error, named):
    with pytest.raises(error, match=named):
        make_call(_ID, **{**_CALL, **fields})


def test_without_a_decision_log_or_a_decision_id_nothing_is_recorded(monkeypatch):
    monkeypatch.delenv("CLAUDE_PM_DECISION_LOG", raising=False)
    record_call(_ID, **_CALL)
    record_call(None, **_CALL)
    assert get_decision_log() is None
