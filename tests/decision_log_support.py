"""Fixtures shared by the decision-log, cost and calibration tests: one log per backend.

Every test taking `log_target` runs twice, against a SQLite file and against the
PostgreSQL server named by CLAUDE_PM_TEST_PG_DSN (started by scripts/test.sh). In CI
(CI=true) a missing server is a failure, not a skip.
"""

from __future__ import annotations

import os
import time

import pytest
from claude_pm.decision_log import DecisionLog, DecisionRecord, flush, get_decision_log

__all__ = ["decision", "log_target", "pg_dsn", "record_all"]

_TABLES = (
    "claude_pm_calls",
    "claude_pm_outcomes",
    "claude_pm_usage",
    "claude_pm_decisions",
    "claude_pm_meta",
    "claude_pm_schema_migrations",
)


def pg_dsn() -> str:
    dsn = os.environ.get("CLAUDE_PM_TEST_PG_DSN")
    if not dsn:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CLAUDE_PM_TEST_PG_DSN is not set: scripts/test.sh starts PostgreSQL for these tests")
        pytest.skip("CLAUDE_PM_TEST_PG_DSN is not set (scripts/test.sh starts a PostgreSQL server)")
    return dsn


def _reset_postgres(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        for table in _TABLES:
            connection.execute(f"DROP TABLE IF EXISTS {table} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def log_target(request, tmp_path, monkeypatch):
    """A fresh, empty decision log for each backend, configured as CLAUDE_PM_DECISION_LOG."""
    if request.param == "sqlite":
        target = str(tmp_path / "decisions.db")
    else:
        target = pg_dsn()
        _reset_postgres(target)
        # The default spool directory of a PostgreSQL target is in the user's home.
        monkeypatch.setenv("CLAUDE_PM_DECISION_LOG_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", target)
    yield target
    flush(5)
    monkeypatch.delenv("CLAUDE_PM_DECISION_LOG")
    assert get_decision_log() is None
    flush(5)


def decision(**fields) -> DecisionRecord:
    values = {
        "timestamp": time.time(),
        "agent": "engineer",
        "model_id": "claude-sonnet-4-20250514",
        "tier": "sonnet",
        "level": "MEDIUM",
        "score": 50,
        "template": "STANDARD",
        "prompt_tokens": 800,
        "full_prompt_tokens": 1400,
        "rollout_reason": "enabled",
        "selection_method": "dynamic_complexity_based",
        "shadow": False,
        "task_text": "Refactor the billing module",
    }
    values.update(fields)
    return DecisionRecord(**values)


def record_all(target: str, records: list[DecisionRecord], usage: dict | None = None) -> list[str]:
    """Record `records` through a private writer and wait until they are committed; returns their ids."""
    log = DecisionLog(target)
    ids = [log.record(record) for record in records]
    for index, (input_tokens, output_tokens) in (usage or {}).items():
        log.record_usage(ids[index], input_tokens, output_tokens)
    assert log.close(30), log.stats()
    return ids
