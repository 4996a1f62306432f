"""The embedded backend: one SQLite file in WAL mode, shared safely by several processes.

WAL lets readers run while one process writes; writers take the lock up front
(``BEGIN IMMEDIATE``) and wait up to `BUSY_TIMEOUT` seconds for each other, so two
runners appending to one file serialise instead of failing. ``synchronous=NORMAL``
keeps every committed batch across a crash of the process (kill -9); only a power
loss can drop the last commits.
"""

from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from claude_pm.decision_log.schema import Migration
from claude_pm.decision_log.store import Store

__all__ = ["BUSY_TIMEOUT", "SqliteStore", "sqlite_path"]

BUSY_TIMEOUT = 30.0


def sqlite_path(target: str) -> str:
    return target[len("sqlite:///") :] if target.startswith("sqlite:///") else target


class SqliteStore(Store):
    dialect = "sqlite"

    def __init__(self, target: str, *, create: bool = True, read_only: bool = False) -> None:
        super().__init__(target)
        path = os.path.expanduser(sqlite_path(target))
        if not create and not os.path.exists(path):
            raise self.error("no decision log at this path", "nothing has been recorded there yet")
        if read_only:
            # mode=ro: neither the file nor its journal mode is ever changed by a report.
            uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
            try:
                self._connection = sqlite3.connect(
                    uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
                )
            except sqlite3.Error as error:
                raise self.error("cannot open the SQLite file for reading", error) from error
            return
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise self.error("cannot create the SQLite file", f"directory {parent} does not exist")
        try:
            self._connection = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            _enter_wal(self._connection)
            self._connection.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as error:
            raise self.error("cannot open the SQLite file for writing", error) from error

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")

    def _lock_schema(self, cursor: Any) -> None:
        """Nothing to add: BEGIN IMMEDIATE already holds the database's single write lock."""

    def _cursor(self) -> Any:
        return self._connection.cursor()

    def _statements(self, migration: Migration) -> Sequence[str]:
        return migration.sqlite

    def close(self) -> None:
        self._connection.close()


def _enter_wal(connection: sqlite3.Connection) -> None:
    """Switch a connection's file to WAL, waiting up to `BUSY_TIMEOUT` for other processes.

    Turning a fresh file into WAL needs it to itself, and SQLite answers "database is
    locked" at once instead of calling the busy handler while another process is doing
    the same: runners starting together on a new log would otherwise fail their first
    open and count as a failing database.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT
    delay = 0.001
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)  # and the SQLITE_* constants: Python 3.11+
    if code is None:
        return "database is locked" in str(error) or "database table is locked" in str(error)
    return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
