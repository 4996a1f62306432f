"""The background writer: decisions leave the hot path through a bounded queue.

`DecisionLog.record` validates, stamps a uuid and enqueues; one daemon thread drains
the queue in batches and writes each batch in one transaction. Guarantees:

- `flush()` returns once everything recorded before the call is committed.
- Interpreter exit (including ``sys.exit`` from a SIGTERM handler) flushes through
  ``atexit``. A process killed outright (SIGKILL, or SIGTERM with no handler, which
  Python does not turn into an exit) loses what was still queued: at most the
  unflushed batch and the records behind it.
- A full queue blocks the producer for up to `put_timeout` while the database is
  healthy (back-pressure). While the database is failing, records beyond the queue's
  capacity are dropped and counted instead, so a dead database never stalls a runner.
- Failures are logged (rate-limited, password redacted), counted in `stats()`, and
  the batch is retried with exponential backoff on a fresh connection.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections import deque
from typing import Callable, Union

from claude_pm.config import get_settings
from claude_pm.decision_log.records import DecisionRecord, TaskTextPolicy, UsageRow, level_name, to_row
from claude_pm.decision_log.store import Store, is_postgres_target, open_store, redact

__all__ = ["EXIT_FLUSH_TIMEOUT", "DecisionLog", "flush_all"]

EXIT_FLUSH_TIMEOUT = 10.0

logger = logging.getLogger("claude_pm.decision_log")

_STOP = object()
_Decision = tuple  # (decision id, DecisionRecord, TaskTextPolicy)
_Item = Union[_Decision, UsageRow, threading.Event, object]
_LOG_EVERY = 60.0
# RFC 4122 variant: the top two bits of the clock_seq byte are 10.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
# Errors caused by the rows themselves (by class name, across sqlite3 and psycopg): no retry can fix them.
_DATA_ERRORS = frozenset({"DataError", "IntegrityError", "ValueError", "TypeError", "OverflowError"})


class DecisionLog:
    """A process's writer for one decision-log target (SQLite path or postgresql:// DSN)."""

    def __init__(self, target: str, *, batch_size: int = 500, max_queued: int = 50_000,
                 put_timeout: float = 1.0, prune_interval: float = 600.0, max_backoff: float = 30.0,
                 opener: Callable[[str], Store] = open_store) -> None:
        if is_postgres_target(target):
            from claude_pm.decision_log.postgres_store import check_dsn

            check_dsn(target)
        self.target = target
        self._batch_size = batch_size
        self._put_timeout = put_timeout
        self._prune_interval = prune_interval
        self._max_backoff = max_backoff
        self._opener = opener
        # A deque plus a doorbell rather than queue.Queue: the producer never takes a lock, so
        # an exception raised into it by a signal handler (sys.exit on SIGTERM) cannot leave
        # a lock held and deadlock the exit flush.
        self._pending: deque[_Item] = deque()
        self._max_queued = max_queued
        self._doorbell = threading.Lock()
        self._doorbell.acquire()
        self._counts_lock = threading.Lock()
        self._written = 0
        self._usage_written = 0
        self._failed_writes = 0
        self._dropped = 0
        self._pruned = 0
        self._last_error: str | None = None
        self._healthy = True
        self._last_warning = 0.0
        self._abandon = threading.Event()
        # (settings object, policy derived from it), swapped as one reference so threads agree.
        self._policy: tuple[object, TaskTextPolicy] = (None, TaskTextPolicy(None, False))
        self._thread = threading.Thread(target=self._run, name="claude-pm-decision-log", daemon=True)
        self._thread.start()
        _instances.add(self)

    # -- producer side (hot path) ------------------------------------------------------

    def record(self, record: DecisionRecord) -> str:
        """Queue `record` for writing and return its decision id at once."""
        level_name(record.level)
        settings = get_settings()
        seen, policy = self._policy
        if settings is not seen:
            policy = TaskTextPolicy(settings.audit_secret, settings.audit_include_task_text)
            self._policy = (settings, policy)
        decision_id = _new_id()
        self._put((decision_id, record, policy))
        return decision_id

    def record_usage(self, decision_id: str, input_tokens: int, output_tokens: int) -> None:
        """Attach the real token counts of an API response to a recorded decision."""
        for name, value in (("input_tokens", input_tokens), ("output_tokens", output_tokens)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}={value!r} is not valid: expected an integer >= 0")
        if not isinstance(decision_id, str) or not decision_id:
            raise ValueError(f"decision_id={decision_id!r} is not valid: expected the id returned by record()")
        self._put(UsageRow(decision_id, time.time(), input_tokens, output_tokens))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything recorded so far is committed; False if `timeout` ran out first."""
        done = threading.Event()
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._thread.is_alive():
            self._enqueue(done)
        while not done.is_set():
            if not self._thread.is_alive():
                # The writer stopped (close) after draining; only records left behind matter.
                return not any(not isinstance(item, threading.Event) for item in list(self._pending))
            if deadline is not None and time.monotonic() >= deadline:
                return False
            done.wait(0.05)
        return True

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def close(self, timeout: float | None = None) -> bool:
        """Flush, then stop the writer thread; False if it did not finish within `timeout`.

        When the database is still failing at the timeout the writer gives up: what it
        still holds is dropped and counted in `stats()["dropped"]`.
        """
        flushed = self.flush(timeout)
        if not flushed:
            self._abandon.set()
        if self._thread.is_alive():
            self._enqueue(_STOP)
            self._thread.join(timeout)
        return flushed and not self._thread.is_alive()

    def stats(self) -> dict:
        """Counters for metrics: queued, written, usage_written, failed_writes, dropped, pruned, healthy."""
        with self._counts_lock:
            return {
                "target": redact(self.target),
                "queued": len(self._pending),
                "written": self._written,
                "usage_written": self._usage_written,
                "failed_writes": self._failed_writes,
                "dropped": self._dropped,
                "pruned": self._pruned,
                "healthy": self._healthy,
                "last_error": self._last_error,
            }

    def _put(self, item: _Item) -> None:
        if len(self._pending) >= self._max_queued and not self._wait_for_room():
            with self._counts_lock:
                self._dropped += 1
            self._warn("decision log queue full while the database is failing; dropping records")
            return
        self._enqueue(item)

    def _wait_for_room(self) -> bool:
        """Back-pressure: poll (no lock held) until the writer makes room, while it is healthy."""
        deadline = time.monotonic() + self._put_timeout
        while len(self._pending) >= self._max_queued:
            if not self._healthy or time.monotonic() >= deadline:
                return False
            time.sleep(0.0005)
        return True

    def _enqueue(self, item: _Item) -> None:
        self._pending.append(item)
        try:
            self._doorbell.release()
        except RuntimeError:
            pass  # already rung, the writer has not woken yet

    # -- writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        store: Store | None = None
        next_prune = 0.0
        stopping = False
        while True:
            if stopping:
                items = self._next_batch(0.0)
            else:
                items = self._next_batch(None if store is None else max(0.0, next_prune - time.monotonic()))
            decisions = [item for item in items if isinstance(item, tuple)]
            usages = [item for item in items if isinstance(item, UsageRow)]
            store = self._write(store, decisions, usages)
            for item in items:
                if isinstance(item, threading.Event):
                    item.set()
            if time.monotonic() >= next_prune and store is not None:
                next_prune = time.monotonic() + self._prune_interval
                self._prune(store)
            stopping = stopping or any(item is _STOP for item in items)
            if self._abandon.is_set():
                self._drop_queued()
            if (stopping and not items) or self._abandon.is_set():
                if store is not None:
                    store.close()
                _instances.discard(self)
                return

    def _drop_queued(self) -> None:
        while True:
            try:
                item = self._pending.popleft()
            except IndexError:
                return
            if isinstance(item, threading.Event):
                item.set()
            elif item is not _STOP:
                with self._counts_lock:
                    self._dropped += 1

    def _next_batch(self, timeout: float | None) -> list:
        """Up to `batch_size` queued items, waiting up to `timeout` (None: forever) for the first."""
        if not self._pending:
            self._doorbell.acquire(timeout=-1 if timeout is None else timeout)
        items: list = []
        while len(items) < self._batch_size:
            try:
                items.append(self._pending.popleft())
            except IndexError:
                break
        return items

    def _write(self, store: Store | None, decisions: list, usages: list) -> Store | None:
        """Write one batch, retrying with backoff until it is committed; returns the open store."""
        delay = 0.05
        rows: list | None = None
        while not self._abandon.is_set():
            try:
                if store is None:
                    store = self._opener(self.target)
                if rows is None:
                    # The salt comes from the database, so rows exist only once it is open; it
                    # never changes, so a retry reuses them.
                    rows = self._rows(decisions, store.salt)
                if rows or usages:
                    self._store_batch(store, rows, usages)
                with self._counts_lock:
                    recovered = not self._healthy
                    self._healthy = True
                if recovered:
                    logger.warning("decision log %s is writable again", redact(self.target))
                return store
            except Exception as error:
                with self._counts_lock:
                    self._failed_writes += 1
                    self._healthy = False
                    self._last_error = redact(str(error).strip().splitlines()[0] if str(error).strip()
                                              else type(error).__name__)
                self._warn(f"cannot write {len(decisions)} decisions to {redact(self.target)}, "
                           f"retrying in {delay:.2f}s: {self._last_error}")
                if store is not None:
                    try:
                        store.close()
                    except Exception:
                        logger.debug("closing a failed decision-log connection failed", exc_info=True)
                    store = None
                self._abandon.wait(delay)
                delay = min(delay * 2, self._max_backoff)
        with self._counts_lock:
            self._dropped += (len(decisions) if rows is None else len(rows)) + len(usages)
        return store

    def _rows(self, decisions: list, salt: bytes) -> list:
        rows = []
        for decision_id, record, policy in decisions:
            try:
                rows.append(to_row(decision_id, record, policy, salt))
            except (TypeError, ValueError, OverflowError) as error:
                self._reject(error)
        return rows

    def _store_batch(self, store: Store, rows: list, usages: list) -> None:
        try:
            store.write(rows, usages)
        except Exception as error:
            if not _is_data_error(error):
                raise
            self._store_one_by_one(store, rows, usages)
            return
        with self._counts_lock:
            self._written += len(rows)
            self._usage_written += len(usages)

    def _store_one_by_one(self, store: Store, rows: list, usages: list) -> None:
        """Isolate the rows a database rejects so that one bad record cannot block the rest."""
        for row in rows + usages:
            is_decision = not isinstance(row, UsageRow)
            try:
                store.write([row] if is_decision else [], [] if is_decision else [row])
            except Exception as error:
                if not _is_data_error(error):
                    raise
                self._reject(error)
                continue
            with self._counts_lock:
                if is_decision:
                    self._written += 1
                else:
                    self._usage_written += 1

    def _reject(self, error: BaseException) -> None:
        with self._counts_lock:
            self._dropped += 1
        logger.error("decision log %s rejected a record, dropped: %s", redact(self.target),
                     redact(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__))

    def _prune(self, store: Store) -> None:
        try:
            hours = get_settings().metrics_retention_hours
            deleted = store.prune(time.time() - hours * 3600.0)
        except Exception as error:
            self._warn(f"cannot prune the decision log {redact(self.target)}: {redact(str(error))}")
            return
        with self._counts_lock:
            self._pruned += deleted

    def _warn(self, message: str) -> None:
        now = time.monotonic()
        if now - self._last_warning >= _LOG_EVERY:
            self._last_warning = now
            logger.warning(message)


_instances: weakref.WeakSet[DecisionLog] = weakref.WeakSet()


def flush_all(timeout: float | None = None) -> bool:
    """Flush every writer in this process (each gets `timeout`); False if any ran out of time."""
    return all([log.flush(timeout) for log in list(_instances)])


def _flush_at_exit() -> None:
    if not flush_all(EXIT_FLUSH_TIMEOUT):
        logger.error("decision log: some decisions were not written within %ss of exit", EXIT_FLUSH_TIMEOUT)


def _forget_parent_writers() -> None:
    """A forked child has none of its parent's threads, so its copies of the writers are dead."""
    _instances.clear()


atexit.register(_flush_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent_writers)


def _new_id() -> str:
    """A random (version 4) UUID string, formatted directly: a third of the cost of str(uuid.uuid4())."""
    digits = os.urandom(16).hex()
    return (f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{_VARIANT[digits[16]]}{digits[17:20]}-"
            f"{digits[20:]}")


def _is_data_error(error: BaseException) -> bool:
    return any(cls.__name__ in _DATA_ERRORS for cls in type(error).__mro__)
