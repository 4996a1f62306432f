"""Opening a decision log: the backend a target names (SQLite path or postgresql:// DSN).

The backends subclass `claude_pm.decision_log.store.Store`, so opening lives here rather
than beside the base class.
"""

from __future__ import annotations

from claude_pm.decision_log.postgres_store import PostgresStore
from claude_pm.decision_log.sqlite_store import SqliteStore
from claude_pm.decision_log.store import DecisionLogError, Store, is_postgres_target

__all__ = ["open_reader", "open_store"]


def open_reader(target: str) -> Store:
    """Open the existing decision log at `target` for reading only: never created, migrated or changed.

    Raises ConfigError for a malformed target, DecisionLogError when there is no
    up-to-date log there.
    """
    if is_postgres_target(target):
        store: Store = PostgresStore(target)
    else:
        store = SqliteStore(target, create=False, read_only=True)
    try:
        store.load()
    except BaseException:
        store.close()
        raise
    return store


def open_store(target: str, *, create: bool = True) -> Store:
    """Open (and migrate) the decision log at `target`: a SQLite path or a postgresql:// DSN.

    With ``create=False`` a missing SQLite file is an error instead of a new empty log.
    Raises ConfigError for a malformed target, DecisionLogError when it cannot be used.
    """
    if is_postgres_target(target):
        store: Store = PostgresStore(target)
    else:
        store = SqliteStore(target, create=create)
    try:
        store.migrate()
    except DecisionLogError:
        store.close()
        raise
    except Exception as error:
        store.close()
        raise store.error("cannot prepare the decision-log schema", error) from error
    return store
