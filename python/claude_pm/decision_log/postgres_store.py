"""The fleet backend: PostgreSQL through psycopg 3 (``pip install 'claude-pm[postgres]'``).

Runners on many machines append to one database; each batch is one transaction and
schema migrations are serialised with a transaction-level advisory lock.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from claude_pm.decision_log.schema import Migration
from claude_pm.decision_log.store import VARIABLE, Store, redact
from claude_pm.errors import ConfigError

__all__ = ["CONNECT_TIMEOUT", "PostgresStore", "check_dsn"]

CONNECT_TIMEOUT = 5
# Any fixed 64-bit key works; it only has to be the same for every claude-pm process.
_MIGRATION_LOCK = 0x636C617564655F70
_DSN_ALLOWED = "a postgresql://user[:password]@host[:port]/dbname DSN"


def _psycopg(dsn: str) -> Any:
    try:
        import psycopg
    except ImportError:
        raise ConfigError(
            VARIABLE,
            redact(dsn),
            "a SQLite path, or install the PostgreSQL support first: pip install 'claude-pm[postgres]'",
        ) from None
    return psycopg


def check_dsn(dsn: str) -> dict:
    """Parse `dsn` without connecting; ConfigError naming the variable when malformed."""
    psycopg = _psycopg(dsn)
    try:
        parts = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as error:
        detail = redact(str(error).strip().splitlines()[0])
        raise ConfigError(VARIABLE, redact(dsn), f"{_DSN_ALLOWED} ({detail})") from None
    port = str(parts.get("port", "5432"))
    if not all(piece.isdigit() for piece in port.split(",")):
        raise ConfigError(VARIABLE, redact(dsn), f"{_DSN_ALLOWED} (port {port!r} is not a number)")
    return parts


class PostgresStore(Store):
    dialect = "postgres"

    def __init__(self, target: str) -> None:
        super().__init__(target)
        psycopg = _psycopg(target)
        options = {} if "connect_timeout" in check_dsn(target) else {"connect_timeout": CONNECT_TIMEOUT}
        try:
            self._connection = psycopg.connect(
                target, autocommit=True, application_name="claude-pm decision log", **options
            )
        except psycopg.Error as error:
            raise self.error("cannot connect to PostgreSQL", error) from error

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._connection.transaction():
            yield

    def _cursor(self) -> Any:
        return self._connection.cursor()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def _statements(self, migration: Migration) -> Sequence[str]:
        return migration.postgres

    def _lock_schema(self, cursor: Any) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))

    def close(self) -> None:
        self._connection.close()
