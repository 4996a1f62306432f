"""API calls: how the call behind a decision was sent. One row per decision in ``claude_pm_calls``.

`AnthropicExecutor` records, for every decision it runs, the key slot the final
request was sent with (``opus``, ``agent:engineer``, ``env``: never the key), the model
the decision asked for, the model that answered (or was tried last), why it fell back
(``rate_limit``, ``overloaded``, ``server_error``; NULL when it did not), the outcome
(``completed`` or ``failed``), the last HTTP status and every model tried in order.
Running a decision again (a failed subprocess re-run) replaces its row.

Rows go through the decision log's queue, spool and batches like usage rows, so the
executor never waits for the database.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CALLS_COLUMNS",
    "CALLS_TABLE",
    "CALL_STATUSES",
    "FALLBACK_REASONS",
    "CallRow",
    "make_call",
    "migration_statements",
    "write_calls",
]

CALLS_TABLE = "claude_pm_calls"
CALLS_COLUMNS = (
    "decision_id",
    "ts",
    "key_slot",
    "requested_model",
    "final_model",
    "fallback_reason",
    "status",
    "http_status",
    "attempts",
    "models_tried",
)
CALL_STATUSES: tuple[str, ...] = ("completed", "failed")
#: Why a call went on to the next tier: HTTP 429, 529, or another 5xx.
FALLBACK_REASONS: tuple[str, ...] = ("rate_limit", "overloaded", "server_error")
# A chain visits each of the three tiers at most once; the column holds their ids.
_MODELS_MAX = 8
_TEXT_MAX = 200
_UPSERT = (
    f"INSERT INTO {CALLS_TABLE} ({', '.join(CALLS_COLUMNS)}) VALUES ({', '.join('?' for _ in CALLS_COLUMNS)}) "
    "ON CONFLICT (decision_id) DO UPDATE SET "
    + ", ".join(f"{column} = excluded.{column}" for column in CALLS_COLUMNS[1:])
)


@dataclass(frozen=True)
class CallRow:
    """A call as stored, in `CALLS_COLUMNS` order (`models_tried` comma-separated)."""

    decision_id: str
    ts: float
    key_slot: str
    requested_model: str
    final_model: str
    fallback_reason: str | None
    status: str
    http_status: int | None
    attempts: int
    models_tried: str

    def values(self) -> tuple:
        return tuple(getattr(self, column) for column in CALLS_COLUMNS)


def migration_statements(real: str) -> tuple[str, ...]:
    """The DDL of schema migration 4 for one backend's type names."""
    return (
        f"""
    CREATE TABLE {CALLS_TABLE} (
        decision_id TEXT PRIMARY KEY,
        ts {real} NOT NULL,
        key_slot TEXT NOT NULL,
        requested_model TEXT NOT NULL,
        final_model TEXT NOT NULL,
        fallback_reason TEXT,
        status TEXT NOT NULL,
        http_status INTEGER,
        attempts INTEGER NOT NULL,
        models_tried TEXT NOT NULL
    )""",
        f"CREATE INDEX {CALLS_TABLE}_ts ON {CALLS_TABLE} (ts)",
    )


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if not value or len(value) > _TEXT_MAX or not value.isprintable():
        raise ValueError(f"{name}={value[:60]!r} is not valid: expected 1..{_TEXT_MAX} printable characters")
    return value


def make_call(
    decision_id: str,
    *,
    key_slot: str,
    models_tried: Sequence[str],
    fallback_reason: str | None,
    status: str,
    http_status: int | None,
    now: float | None = None,
) -> CallRow:
    """The stored row for one call; ValueError/TypeError naming the argument at fault."""
    _text("decision_id", decision_id)
    _text("key_slot", key_slot)
    if isinstance(models_tried, str) or not models_tried or len(models_tried) > _MODELS_MAX:
        raise ValueError(f"models_tried must be a sequence of 1..{_MODELS_MAX} model ids")
    models = [_text("models_tried[]", model) for model in models_tried]
    if any("," in model for model in models):
        raise ValueError("models_tried: a model id holds no comma")
    if fallback_reason is not None and fallback_reason not in FALLBACK_REASONS:
        raise ValueError(f"fallback_reason={fallback_reason!r} is not valid: expected one of {FALLBACK_REASONS}")
    if status not in CALL_STATUSES:
        raise ValueError(f"status={status!r} is not valid: expected one of {CALL_STATUSES}")
    if http_status is not None and (isinstance(http_status, bool) or not isinstance(http_status, int)):
        raise TypeError(f"http_status must be an int or None, not {type(http_status).__name__}")
    return CallRow(
        decision_id,
        time.time() if now is None else now,
        key_slot,
        models[0],
        models[-1],
        fallback_reason,
        status,
        http_status,
        len(models),
        ",".join(models),
    )


def write_calls(cursor: Any, sql: Any, rows: Sequence[CallRow]) -> None:
    """Upsert `rows` inside the caller's transaction (`sql` turns ``?`` into the backend's placeholders)."""
    cursor.executemany(sql(_UPSERT), [row.values() for row in rows])
