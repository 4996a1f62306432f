"""The decision log's route_reason column (schema version 3), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import time

import pytest
from claude_pm.decision_log import DecisionLog, flush, get_decision_log, open_store
from claude_pm.decision_log import store as store_module
from claude_pm.decision_log.records import DecisionRow
from claude_pm.decision_log.schema import MIGRATIONS
from claude_pm.decision_log.spool import _prefix
from claude_pm.route_reasons import BUDGET, QUALITY_GUARD, ROUTE_REASONS, SESSION, check_route_reason
from decision_log_support import decision, log_target, record_all

__all__ = ["log_target"]


def _rows(target: str, sql: str) -> list[tuple]:
    store = open_store(target)
    try:
        return store.query(sql)
    finally:
        store.close()


def test_the_route_reasons_are_one_list():
    assert ROUTE_REASONS == (SESSION, BUDGET, QUALITY_GUARD) == ("session", "budget", "quality_guard")
    assert check_route_reason(None) is None
    assert check_route_reason("budget") == "budget"


def test_route_reason_is_stored_with_the_decision(log_target):
    ids = record_all(log_target, [decision(route_reason="session"), decision(route_reason="budget"), decision()])
    stored = dict(_rows(log_target, "SELECT id, route_reason FROM claude_pm_decisions"))
    assert [stored[decision_id] for decision_id in ids] == ["session", "budget", None]


def test_an_unknown_route_reason_is_refused_on_the_callers_thread(log_target):
    with pytest.raises(ValueError, match=r"route_reason='cheap'.*session, budget, quality_guard"):
        get_decision_log().record(decision(route_reason="cheap"))
    assert flush(10)
    assert _rows(log_target, "SELECT COUNT(*) FROM claude_pm_decisions") == [(0,)]


def test_a_version_2_log_is_upgraded_and_keeps_its_rows(log_target, monkeypatch):
    with monkeypatch.context() as old_code:
        old_code.setattr(store_module, "MIGRATIONS", MIGRATIONS[:2])
        old_code.setattr(store_module, "SCHEMA_VERSION", 2)
        store = open_store(log_target)
        assert store.schema_versions() == [1, 2]
        store.query(
            "INSERT INTO claude_pm_decisions (id, ts, agent, model_id, score, shadow) "
            "VALUES ('written-by-version-2', ?, 'qa', 'claude-3-haiku-20240307', 12, ?) RETURNING id",
            (time.time(), False),
        )
        store.close()
    store = open_store(log_target)
    try:
        assert 3 in store.schema_versions()
        assert store.query("SELECT id, score, route_reason FROM claude_pm_decisions") == [
            ("written-by-version-2", 12, None)
        ]
    finally:
        store.close()
    [new_id] = record_all(log_target, [decision(route_reason="budget")])
    assert dict(_rows(log_target, "SELECT id, route_reason FROM claude_pm_decisions")) == {
        "written-by-version-2": None,
        new_id: "budget",
    }


def test_a_spool_written_before_the_column_existed_is_replayed(tmp_path):
    target = str(tmp_path / "decisions.db")
    record_all(target, [decision()])  # creates the log, up to date
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    row = DecisionRow(
        "spooled-by-version-2",
        time.time(),
        "ops",
        "claude-sonnet-4-20250514",
        "sonnet",
        "MEDIUM",
        40,
        "STANDARD",
        10,
        20,
        "enabled",
        "dynamic_complexity_based",
        False,
        None,
        None,
        None,
        None,
    )
    old_values = list(row.values())[:-1]  # the 17 columns of schema version 2
    assert len(old_values) == len(DecisionRow.COLUMNS) - 1
    segment = spool_dir / f"{_prefix(target)}-1-1-dead.spool"
    segment.write_text(json.dumps(["d", *old_values]) + "\n")
    log = DecisionLog(target, spool_dir=str(spool_dir))
    assert log.close(30), log.stats()
    assert log.stats()["replayed"] == 1
    assert _rows(target, "SELECT route_reason FROM claude_pm_decisions WHERE id = 'spooled-by-version-2'") == [(None,)]
    assert not os.path.exists(segment)
