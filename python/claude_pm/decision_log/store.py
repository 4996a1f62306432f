"""What both backends share: the store interface, migrations, writes, pruning, target parsing.

Opening a target with the right backend is `claude_pm.decision_log.backends`.

SQL is written once with ``?`` placeholders; the PostgreSQL store rewrites them to
``%s``. Every write is one transaction, and decision ids are primary keys inserted
with ``ON CONFLICT DO NOTHING``, so a batch retried after a lost acknowledgement is
never stored twice.
"""

from __future__ import annotations

import re
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from claude_pm.decision_log.calls import CALLS_TABLE, CallRow, write_calls
from claude_pm.decision_log.outcomes import OUTCOMES_TABLE, OutcomeRow, write_outcomes
from claude_pm.decision_log.records import DecisionRow, UsageRow
from claude_pm.decision_log.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["VARIABLE", "DecisionLogError", "Store", "is_postgres_target", "redact"]

VARIABLE = "CLAUDE_PM_DECISION_LOG"
_SALT_KEY = "task_hash_salt"
_PASSWORD_IN_URI = re.compile(r"(://[^:/@?#]*):[^@/?#]*@")
_PASSWORD_KEYWORD = re.compile(r"(password\s*=\s*)('[^']*'|[^\s&]+)", re.IGNORECASE)
_INSERT_DECISIONS = (
    f"INSERT INTO claude_pm_decisions ({', '.join(DecisionRow.COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in DecisionRow.COLUMNS)}) ON CONFLICT (id) DO NOTHING"
)
_UPSERT_USAGE = (
    "INSERT INTO claude_pm_usage (decision_id, ts, input_tokens, output_tokens) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (decision_id) DO UPDATE SET ts = excluded.ts, input_tokens = excluded.input_tokens, "
    "output_tokens = excluded.output_tokens"
)


class DecisionLogError(RuntimeError):
    """The decision log cannot be opened or used; the message names the target (password redacted)."""


def redact(target: str) -> str:
    """`target` with any password replaced by ***, safe for logs and error messages."""
    return _PASSWORD_KEYWORD.sub(r"\1***", _PASSWORD_IN_URI.sub(r"\1:***@", target))


def is_postgres_target(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


class Store(ABC):
    """One open connection to a decision log. Not thread-safe: one store per thread."""

    dialect: str

    def __init__(self, target: str) -> None:
        self.target = target
        self.salt = b""

    @property
    def display(self) -> str:
        return redact(self.target)

    def error(self, what: str, cause: BaseException | str) -> DecisionLogError:
        detail = redact(str(cause).strip().splitlines()[0]) if str(cause).strip() else type(cause).__name__
        return DecisionLogError(f"{VARIABLE}={self.display!r}: {what}: {detail}")

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Any]:
        """A context whose body runs in one write transaction (serialised with other writers)."""

    @abstractmethod
    def _cursor(self) -> Any: ...

    @abstractmethod
    def _statements(self, migration: Any) -> Sequence[str]: ...

    @abstractmethod
    def close(self) -> None: ...

    def _sql(self, sql: str) -> str:
        return sql

    @abstractmethod
    def _lock_schema(self, cursor: Any) -> None:
        """Serialise schema migration across processes, inside the migration transaction."""

    def migrate(self) -> None:
        """Apply missing migrations and load the task-hash salt; refuse a newer schema.

        An up-to-date log is only read, so reports work on a read-only copy and opening
        does not contend for the write lock.
        """
        if self._load_if_current():
            return
        with self._transaction():
            cursor = self._cursor()
            self._lock_schema(cursor)
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS claude_pm_schema_migrations (version INTEGER PRIMARY KEY, "
                "description TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
            )
            cursor.execute("SELECT version FROM claude_pm_schema_migrations")
            applied = {row[0] for row in cursor.fetchall()}
            newer = max(applied, default=0)
            if newer > SCHEMA_VERSION:
                raise DecisionLogError(
                    f"{VARIABLE}={self.display!r}: the log has schema version {newer}, newer than the "
                    f"{SCHEMA_VERSION} this claude-pm understands; upgrade claude-pm to read it"
                )
            for migration in MIGRATIONS:
                if migration.version in applied:
                    continue
                for statement in self._statements(migration):
                    cursor.execute(statement)
                cursor.execute(
                    self._sql(
                        "INSERT INTO claude_pm_schema_migrations (version, description, applied_at) VALUES (?, ?, ?)"
                    ),
                    (migration.version, migration.description, time.time()),
                )
            cursor.execute(
                self._sql("INSERT INTO claude_pm_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"),
                (_SALT_KEY, secrets.token_hex(32)),
            )
            cursor.execute(self._sql("SELECT value FROM claude_pm_meta WHERE key = ?"), (_SALT_KEY,))
            self.salt = bytes.fromhex(cursor.fetchone()[0])

    def load(self) -> None:
        """Read an existing, up-to-date log without changing it: the reports' way in."""
        try:
            versions = set(self.schema_versions())
        except Exception as error:
            raise self.error("not a claude-pm decision log (no schema: nothing recorded there yet?)", error) from None
        newest = max(versions, default=0)
        if newest > SCHEMA_VERSION:
            raise DecisionLogError(
                f"{VARIABLE}={self.display!r}: the log has schema version {newest}, newer than the "
                f"{SCHEMA_VERSION} this claude-pm understands; upgrade claude-pm to read it"
            )
        if not self._load_if_current():
            raise DecisionLogError(
                f"{VARIABLE}={self.display!r}: the log has schema version {newest}, older than the "
                f"{SCHEMA_VERSION} this claude-pm reads; reports never migrate a log: let a runner with "
                "this claude-pm record to it once (that upgrades it), then run the report again"
            )

    def _load_if_current(self) -> bool:
        try:
            versions = set(self.schema_versions())
            salt = self.query("SELECT value FROM claude_pm_meta WHERE key = ?", (_SALT_KEY,))
        except Exception:
            # No schema yet (or unreadable): the migration transaction sorts it out or reports it.
            # Both connections run in autocommit mode, so the failed read leaves nothing open.
            return False
        if versions != {migration.version for migration in MIGRATIONS} or not salt:
            return False
        self.salt = bytes.fromhex(salt[0][0])
        return True

    def schema_versions(self) -> list[int]:
        return [row[0] for row in self.query("SELECT version FROM claude_pm_schema_migrations ORDER BY version")]

    def write(
        self,
        decisions: Sequence[DecisionRow],
        usages: Sequence[UsageRow],
        outcomes: Sequence[OutcomeRow] = (),
        calls: Sequence[CallRow] = (),
    ) -> tuple[int, int]:
        """Store a batch atomically: all of it or none of it.

        Returns (outcomes whose decision id is not in the log, outcomes that replaced an
        earlier one); both are zero for a batch without outcomes.
        """
        counts = (0, 0)
        with self._transaction():
            cursor = self._cursor()
            if decisions:
                cursor.executemany(self._sql(_INSERT_DECISIONS), [row.values() for row in decisions])
            if usages:
                cursor.executemany(self._sql(_UPSERT_USAGE), [row.values() for row in usages])
            if outcomes:
                counts = write_outcomes(cursor, self._sql, outcomes)
            if calls:
                write_calls(cursor, self._sql, calls)
        return counts

    def prune(self, before: float) -> int:
        """Delete decisions and usage older than `before` (POSIX seconds); returns decisions deleted."""
        with self._transaction():
            cursor = self._cursor()
            cursor.execute(
                self._sql(
                    "DELETE FROM claude_pm_usage WHERE ts < ? OR decision_id IN "
                    "(SELECT id FROM claude_pm_decisions WHERE ts < ?)"
                ),
                (before, before),
            )
            cursor.execute(
                self._sql(
                    f"DELETE FROM {OUTCOMES_TABLE} WHERE ts < ? OR decision_id IN "
                    "(SELECT id FROM claude_pm_decisions WHERE ts < ?)"
                ),
                (before, before),
            )
            cursor.execute(
                self._sql(
                    f"DELETE FROM {CALLS_TABLE} WHERE ts < ? OR decision_id IN "
                    "(SELECT id FROM claude_pm_decisions WHERE ts < ?)"
                ),
                (before, before),
            )
            cursor.execute(self._sql("DELETE FROM claude_pm_decisions WHERE ts < ?"), (before,))
            deleted = cursor.rowcount
        return max(deleted, 0)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        cursor = self._cursor()
        cursor.execute(self._sql(sql), tuple(params))
        return cursor.fetchall()
