"""Outcomes: did the routed call succeed? One row per decision in ``claude_pm_outcomes``.

`record_outcome` validates its arguments on the caller's thread (bad arguments are a
ValueError or TypeError naming the argument: they are caller bugs) and hands the row
to the decision log's background writer, the same queue, spool and batches as the
decisions, so the caller never waits for the database.

What the writer cannot know on the caller's thread is counted, never raised, so a
runner cannot crash on a late or repeated outcome:

- an outcome whose decision id is not in the log when it is written (a decision
  pruned already, or recorded by a process whose writer has not committed it yet) is
  stored anyway and counted as ``outcomes_unknown``;
- a second outcome for the same decision replaces the first (the latest by time
  recorded wins) and is counted as ``outcomes_replaced``.

Privacy: `reason` is a short code (``timeout``, ``tests_failed``, ``user_rejected``)
unless CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT=true, the same opt-in that lets task text into
the log; free text is then cut to `REASON_MAX_CHARS` characters.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "OUTCOMES_COLUMNS",
    "OUTCOMES_TABLE",
    "REASON_CODE_MAX_CHARS",
    "REASON_MAX_CHARS",
    "OutcomeRow",
    "make_outcome",
    "migration_statements",
    "write_outcomes",
]

OUTCOMES_TABLE = "claude_pm_outcomes"
# Without the task-text opt-in a reason is a code: no spaces, so no sentence of a task fits in it.
REASON_CODE_MAX_CHARS = 64
REASON_MAX_CHARS = 500
_REASON_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")
_DECISION_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Bounded so a runner that retries forever cannot overflow an INTEGER column.
RETRIED_MAX = 1_000_000
# How many ids one existence query binds (SQLite's oldest limit is 999 parameters).
_ID_CHUNK = 400


@dataclass(frozen=True)
class OutcomeRow:
    """An outcome as stored, in `OUTCOMES_COLUMNS` order."""

    decision_id: str
    ts: float
    success: bool | None
    score: float | None
    escalated: bool
    retried: int
    reason: str | None

    def values(self) -> tuple:
        return (self.decision_id, self.ts, self.success, self.score, self.escalated, self.retried, self.reason)


OUTCOMES_COLUMNS = ("decision_id", "ts", "success", "score", "escalated", "retried", "reason")
_UPSERT = (
    f"INSERT INTO {OUTCOMES_TABLE} ({', '.join(OUTCOMES_COLUMNS)}) VALUES ({', '.join('?' for _ in OUTCOMES_COLUMNS)}) "
    f"ON CONFLICT (decision_id) DO UPDATE SET "
    + ", ".join(f"{column} = excluded.{column}" for column in OUTCOMES_COLUMNS[1:])
    + f" WHERE excluded.ts >= {OUTCOMES_TABLE}.ts"
)


def migration_statements(real: str, boolean: str) -> tuple[str, ...]:
    """The DDL of schema migration 5 for one backend's type names."""
    return (
        f"""
    CREATE TABLE {OUTCOMES_TABLE} (
        decision_id TEXT PRIMARY KEY,
        ts {real} NOT NULL,
        success {boolean},
        score {real},
        escalated {boolean} NOT NULL,
        retried INTEGER NOT NULL,
        reason TEXT
    )""",
        f"CREATE INDEX {OUTCOMES_TABLE}_ts ON {OUTCOMES_TABLE} (ts)",
    )


def make_outcome(
    decision_id: object,
    *,
    success: object = None,
    score: object = None,
    escalated: object = False,
    retried: object = 0,
    reason: object = None,
    include_text: bool = False,
    now: float | None = None,
) -> OutcomeRow:
    """The stored row for one outcome; ValueError/TypeError naming the argument at fault."""
    if not isinstance(decision_id, str):
        raise TypeError(f"decision_id must be a str (the id a selection returned), not {type(decision_id).__name__}")
    if not _DECISION_ID.match(decision_id):
        raise ValueError(
            f"decision_id={decision_id[:60]!r} is not valid: expected the uuid a selection returned "
            "(Selection.decision_id)"
        )
    if success is not None and not isinstance(success, bool):
        raise TypeError(f"success must be True, False or None, not {type(success).__name__}")
    stored_score = None
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, (int, float)):
            raise TypeError(f"score must be a number from 0 to 1 or None, not {type(score).__name__}")
        stored_score = float(score)
        if not (0.0 <= stored_score <= 1.0):  # also false for NaN
            raise ValueError(f"score={score!r} is not valid: expected a number from 0 to 1")
    if not isinstance(escalated, bool):
        raise TypeError(f"escalated must be a bool, not {type(escalated).__name__}")
    if isinstance(retried, bool) or not isinstance(retried, int):
        raise TypeError(f"retried must be an int, not {type(retried).__name__}")
    if not 0 <= retried <= RETRIED_MAX:
        raise ValueError(f"retried={retried!r} is not valid: expected an integer from 0 to {RETRIED_MAX}")
    return OutcomeRow(
        decision_id.lower(),
        time.time() if now is None else now,
        success,
        stored_score,
        escalated,
        retried,
        _checked_reason(reason, include_text),
    )


def _checked_reason(reason: object, include_text: bool) -> str | None:
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise TypeError(f"reason must be a str or None, not {type(reason).__name__}")
    if include_text:
        text = reason.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
        return text[:REASON_MAX_CHARS] or None
    if len(reason) > REASON_CODE_MAX_CHARS or not _REASON_CODE.match(reason):
        # The message never quotes the value: it may be the very text this rule keeps out.
        raise ValueError(
            f"reason ({len(reason)} characters) is not valid: expected a code of at most "
            f"{REASON_CODE_MAX_CHARS} letters, digits and _ . : / - (such as 'timeout' or 'tests_failed'); "
            "free text needs CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT=true"
        )
    return reason


def write_outcomes(cursor: Any, sql: Any, rows: Sequence[OutcomeRow]) -> tuple[int, int]:
    """Upsert `rows` inside the caller's transaction; returns (unknown decision ids, replaced outcomes).

    `sql` turns ``?`` placeholders into the backend's. Both counts are taken before the
    upsert, in the same transaction, so they describe exactly this batch.
    """
    ids = [row.decision_id for row in rows]
    distinct = list(dict.fromkeys(ids))
    known: set[str] = set()
    existing: set[str] = set()
    for start in range(0, len(distinct), _ID_CHUNK):
        chunk = distinct[start : start + _ID_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        cursor.execute(sql(f"SELECT id FROM claude_pm_decisions WHERE id IN ({marks})"), chunk)
        known.update(row[0] for row in cursor.fetchall())
        cursor.execute(sql(f"SELECT decision_id FROM {OUTCOMES_TABLE} WHERE decision_id IN ({marks})"), chunk)
        existing.update(row[0] for row in cursor.fetchall())
    cursor.executemany(sql(_UPSERT), [row.values() for row in rows])
    unknown = sum(1 for decision_id in ids if decision_id not in known)
    replaced = len(ids) - len(distinct) + len(existing)
    return unknown, replaced
