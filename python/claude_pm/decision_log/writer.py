"""The background writer: decisions leave the hot path through a queue, a local spool and a database writer.

`DecisionLog.record` validates, stamps a uuid and appends to an in-memory queue; it
takes no lock and touches no file. Two daemon threads do the rest:

- the spool thread takes what is queued at least every `SPOOL_INTERVAL` (sooner once
  half of `SPOOL_MAX_RECORDS` wait), turns it into stored rows, appends them to a local
  spool file and fsyncs it (spool.py), then hands them to
- the writer thread, which writes them to the database in batches of up to
  `batch_size`, one transaction each, and deletes a spool segment once all its rows are
  committed. On start it replays the segments left by writers that died.

Guarantees:

- `flush()` returns once everything recorded before the call is committed.
- Interpreter exit (``sys.exit`` included) and, by default, SIGTERM (signals.py) flush
  for up to `EXIT_FLUSH_TIMEOUT` seconds. What is still unwritten then is counted:
  `deferred` when it is in the spool (written by the next writer to start on the same
  target), `dropped` otherwise.
- A crash (SIGKILL, OOM kill, power loss) loses only records not yet fsynced to the
  spool: at most `SPOOL_MAX_RECORDS` (plus one per producing thread), recorded during
  the last `SPOOL_INTERVAL` plus one fsync. The producer waits (up to `put_timeout`)
  rather than let more than that wait unsynced. Until the database has been reached
  once (the task-text hash needs its salt) records wait in memory only.
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
import sys
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Union

from claude_pm import runtime
from claude_pm.config import get_settings
from claude_pm.decision_log.backends import open_store
from claude_pm.decision_log.calls import CallRow
from claude_pm.decision_log.outcomes import OutcomeRow
from claude_pm.decision_log.postgres_store import check_dsn
from claude_pm.decision_log.records import DecisionRecord, DecisionRow, TaskTextPolicy, UsageRow, level_name, to_row
from claude_pm.decision_log.spool import (
    SEGMENT_BYTES,
    SPOOL_INTERVAL,
    SPOOL_MAX_RECORDS,
    Segment,
    encode,
    open_segment,
    orphaned_segments,
    read_segment,
    spool_directory,
)
from claude_pm.decision_log.store import Store, is_postgres_target, redact
from claude_pm.route_reasons import check_route_reason

__all__ = ["EXIT_FLUSH_TIMEOUT", "DecisionLog", "flush_all", "shutdown"]

EXIT_FLUSH_TIMEOUT = 10.0
# After giving up on the database, how long close() waits for the threads to count what they hold.
_STOP_GRACE = 2.0

logger = logging.getLogger("claude_pm.decision_log")

_STOP = object()
_Decision = tuple  # (decision id, DecisionRecord, TaskTextPolicy)
_Item = Union[_Decision, UsageRow, OutcomeRow, threading.Event, object]
_LOG_EVERY = 60.0
# RFC 4122 variant: the top two bits of the clock_seq byte are 10.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
# Errors caused by the rows themselves (by class name, across sqlite3 and psycopg): no retry can fix them.
_DATA_ERRORS = frozenset({"DataError", "IntegrityError", "ValueError", "TypeError", "OverflowError"})


@dataclass(eq=False)
class _Chunk:
    """What the spool thread took from the queue in one round, handed to the writer thread."""

    rows: list[DecisionRow]
    usages: list[UsageRow]
    events: list[threading.Event]
    outcomes: list[OutcomeRow] = field(default_factory=list)
    spooled: bool = False
    # Segments none of whose rows come after this chunk: deleted once it is committed.
    finished: list[Segment] = field(default_factory=list)
    stop: bool = False

    @property
    def records(self) -> int:
        return len(self.rows) + len(self.usages) + len(self.outcomes)


def _ring(bell: threading.Lock) -> None:
    try:
        bell.release()
    except RuntimeError:
        pass  # already rung, the thread has not woken yet


def _bell() -> threading.Lock:
    bell = threading.Lock()
    bell.acquire()
    return bell


class DecisionLog:
    """A process's writer for one decision-log target (SQLite path or postgresql:// DSN).

    `spool` and `spool_dir` default to CLAUDE_PM_DECISION_LOG_SPOOL and
    CLAUDE_PM_DECISION_LOG_SPOOL_DIR.
    """

    def __init__(
        self,
        target: str,
        *,
        batch_size: int = 500,
        max_queued: int = 50_000,
        put_timeout: float = 1.0,
        prune_interval: float = 600.0,
        max_backoff: float = 30.0,
        opener: Callable[[str], Store] = open_store,
        spool: bool | None = None,
        spool_dir: str | None = None,
        spool_interval: float = SPOOL_INTERVAL,
        spool_max_records: int = SPOOL_MAX_RECORDS,
    ) -> None:
        if is_postgres_target(target):
            check_dsn(target)
        settings = get_settings()
        self.target = target
        self._batch_size = batch_size
        self._put_timeout = put_timeout
        self._prune_interval = prune_interval
        self._max_backoff = max_backoff
        self._opener = opener
        self._max_queued = max_queued
        self._spool_enabled = settings.decision_log_spool if spool is None else spool
        self.spool_dir = spool_directory(target, settings.decision_log_spool_dir if spool_dir is None else spool_dir)
        self._spool_interval = spool_interval
        self._spool_max = spool_max_records
        self._start()

    def _start(self) -> None:
        """Fresh queues, counters and threads (also a forked child's restart of an inherited writer)."""
        # A deque plus doorbells rather than queue.Queue: the producer never takes a lock, so
        # an exception raised into it by a signal handler (sys.exit on SIGTERM) cannot leave
        # a lock held and deadlock the exit flush.
        self._pending: deque[_Item] = deque()
        self._doorbell = _bell()
        self._urgent = _bell()
        self._unsynced = 0
        self._spool_active = False
        self._ready: deque[_Chunk] = deque()
        self._ready_bell = _bell()
        self._ready_records = 0
        self._salt: bytes | None = None
        self._may_spool = threading.Event()
        self._segment: Segment | None = None
        self._segments: set[Segment] = set()
        # Held while a segment's descriptor is opened or closed and the set changes, and
        # taken by the before-fork hook: a child must close exactly the descriptors that
        # are still its parent's segments, never a number the parent has just reused.
        self._segments_lock = threading.Lock()
        self._store: Store | None = None
        self._counts_lock = threading.Lock()
        # Held by the writer thread inside every database call, and taken by the before-fork
        # hook: a child forked while SQLite holds its process-wide mutex would hang on it.
        self._db_lock = threading.Lock()
        self._written = 0
        self._usage_written = 0
        self._outcomes_written = 0
        self._calls_written = 0
        self._outcomes_unknown = 0
        self._outcomes_replaced = 0
        self._failed_writes = 0
        self._dropped = 0
        self._deferred = 0
        self._spooled = 0
        self._replayed = 0
        self._pruned = 0
        self._last_error: str | None = None
        self._healthy = True
        self._last_warning = 0.0
        self._abandon = threading.Event()
        self._closed = False
        self._forked = False
        self._pid = os.getpid()
        # (settings object, policy derived from it), swapped as one reference so threads agree.
        self._policy: tuple[object, TaskTextPolicy] = (None, TaskTextPolicy(None, False))
        self._spool_thread = threading.Thread(target=self._spool_run, name="claude-pm-decision-log-spool", daemon=True)
        self._thread = threading.Thread(target=self._write_run, name="claude-pm-decision-log", daemon=True)
        self._spool_thread.start()
        self._thread.start()
        _instances.add(self)

    # -- producer side (hot path) ------------------------------------------------------

    def record(self, record: DecisionRecord) -> str:
        """Queue `record` for writing and return its decision id at once."""
        level_name(record.level)
        if record.route_reason is not None:
            check_route_reason(record.route_reason)
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

    def record_call_row(self, row: CallRow) -> None:
        """Queue a call row built (and checked) by `calls.make_call`; it rides with the usage rows."""
        self._put(row)

    def record_outcome_row(self, row: OutcomeRow) -> None:
        """Queue an outcome built (and checked) by `outcomes.make_outcome`; see `claude_pm.record_outcome`."""
        self._put(row)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything recorded so far is committed; False if `timeout` ran out first."""
        done = self._request_flush()
        return self._wait_flushed(done, None if timeout is None else time.monotonic() + timeout)

    def _request_flush(self) -> threading.Event:
        """Queue a marker behind everything recorded so far: set once all of it is committed."""
        if self._forked:
            self._restart_in_child()
        done = threading.Event()
        if self._spool_thread.is_alive():
            self._enqueue(done, urgent=True)
        return done

    def _wait_flushed(self, done: threading.Event, deadline: float | None) -> bool:
        while not done.is_set():
            if not self._spool_thread.is_alive() or not self._thread.is_alive():
                # The writer stopped (close); only records left behind matter.
                return self._ready_records == 0 and not any(
                    not isinstance(item, threading.Event) for item in list(self._pending)
                )
            if deadline is not None and time.monotonic() >= deadline:
                return False
            done.wait(0.05)
        return True

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def close(self, timeout: float | None = None) -> bool:
        """Flush, then stop the writer; False if it did not finish within `timeout`.

        When the database is still failing at the timeout the writer gives up: what it
        holds is counted in `stats()`, as `deferred` where the spool keeps it for the next
        writer on this target, as `dropped` otherwise.
        """
        flushed = self.flush(timeout)
        self._closed = True
        grace = None if timeout is None else max(timeout, _STOP_GRACE)
        if not flushed:
            self._abandon.set()
            self._may_spool.set()
        if self._spool_thread.is_alive():
            self._enqueue(_STOP, urgent=True)
            self._spool_thread.join(grace)
        self._thread.join(grace)
        if not self._spool_thread.is_alive():
            self._count_left_behind()
        return flushed and not self._thread.is_alive()

    def stats(self) -> dict:
        """Counters for metrics: queued, written, usage_written, calls_written, outcomes_written, outcomes_unknown,
        outcomes_replaced, failed_writes, dropped, deferred, spooled, replayed, pruned, healthy, last_error."""
        with self._counts_lock:
            return {
                "target": redact(self.target),
                "queued": len(self._pending) + self._ready_records,
                "written": self._written,
                "usage_written": self._usage_written,
                "outcomes_written": self._outcomes_written,
                "calls_written": self._calls_written,
                "outcomes_unknown": self._outcomes_unknown,
                "outcomes_replaced": self._outcomes_replaced,
                "failed_writes": self._failed_writes,
                "dropped": self._dropped,
                "deferred": self._deferred,
                "spooled": self._spooled,
                "replayed": self._replayed,
                "pruned": self._pruned,
                "healthy": self._healthy,
                "last_error": self._last_error,
            }

    def _put(self, item: _Item) -> None:
        if self._closed:
            if not self._forked:
                self._count("_dropped", 1)
                self._warn("decision log is closed; dropping records")
                return
            self._restart_in_child()
        if len(self._pending) + self._ready_records >= self._max_queued and not self._wait_for_room():
            self._count("_dropped", 1)
            self._warn("decision log queue full while the database is failing; dropping records")
            return
        if self._spool_active and len(self._pending) + self._unsynced >= self._spool_max:
            self._wait_for_spool()
        self._enqueue(item)

    def _wait_for_room(self) -> bool:
        """Back-pressure: poll (no lock held) until the writer makes room, while it is healthy."""
        _ring(self._urgent)
        deadline = time.monotonic() + self._put_timeout
        while len(self._pending) + self._ready_records >= self._max_queued:
            if not self._healthy or time.monotonic() >= deadline:
                return False
            time.sleep(0.0005)
        return True

    def _wait_for_spool(self) -> None:
        """Keep the crash bound: wait (up to put_timeout) until the spool thread has synced enough."""
        _ring(self._urgent)
        deadline = time.monotonic() + self._put_timeout
        while self._spool_active and len(self._pending) + self._unsynced >= self._spool_max:
            if time.monotonic() >= deadline:
                return  # a stalled disk must not stall the runner; the record stays in memory
            time.sleep(0.0005)

    def _enqueue(self, item: _Item, *, urgent: bool = False) -> None:
        self._pending.append(item)
        _ring(self._doorbell)
        if urgent or len(self._pending) >= self._spool_max // 2:
            _ring(self._urgent)

    def _count(self, counter: str, amount: int) -> None:
        with self._counts_lock:
            setattr(self, counter, getattr(self, counter) + amount)

    # -- spool thread ------------------------------------------------------------------

    def _spool_run(self) -> None:
        # Rows need the database's salt (the task-text hash), known once the writer opened it.
        self._may_spool.wait()
        while True:
            if not self._pending:
                self._doorbell.acquire()
            if not self._abandon.is_set():
                self._urgent.acquire(timeout=self._spool_interval)
            items: list[_Item] = []
            while True:
                try:
                    items.append(self._pending.popleft())
                except IndexError:
                    break
            self._unsynced = len(items)
            chunk = self._prepare(items)
            if chunk.records and self._spool_enabled:
                self._spool(chunk)
            if chunk.stop and self._segment is not None:
                chunk.finished.append(self._segment)
                self._segment = None
            with self._counts_lock:
                self._ready_records += chunk.records
            self._unsynced = 0
            self._ready.append(chunk)
            _ring(self._ready_bell)
            if chunk.stop:
                return

    def _prepare(self, items: list[_Item]) -> _Chunk:
        chunk = _Chunk([], [], [])
        salt = self._salt
        for item in items:
            if type(item) is tuple:
                if salt is None:
                    self._count("_dropped", 1)  # given up before the database was ever reached
                    continue
                decision_id, record, policy = item
                try:
                    chunk.rows.append(to_row(decision_id, record, policy, salt))
                except (TypeError, ValueError, OverflowError) as error:
                    self._reject(error)
            elif isinstance(item, (UsageRow, CallRow)):
                chunk.usages.append(item)
            elif isinstance(item, OutcomeRow):
                chunk.outcomes.append(item)
            elif isinstance(item, threading.Event):
                chunk.events.append(item)
            elif item is _STOP:
                chunk.stop = True
        return chunk

    def _spool(self, chunk: _Chunk) -> None:
        try:
            if self._segment is not None and self._segment.size >= SEGMENT_BYTES:
                chunk.finished.append(self._segment)
                self._segment = None
            if self._segment is None:
                with self._segments_lock:
                    self._segment = open_segment(self.spool_dir, self.target)
                    self._segments.add(self._segment)
            self._segment.append(encode(chunk.rows, chunk.usages, chunk.outcomes))
        except (OSError, ValueError) as error:
            self._spool_active = False
            if self._segment is not None:
                # It may end in a torn line; start afresh next time (replay skips the torn line).
                chunk.finished.append(self._segment)
                self._segment = None
            self._warn(f"cannot spool decisions to {self.spool_dir}, a crash would lose them: {error}")
            return
        chunk.spooled = True
        self._spool_active = True
        self._count("_spooled", chunk.records)

    # -- writer thread -----------------------------------------------------------------

    def _write_run(self) -> None:
        store = self._open()
        next_prune = time.monotonic()
        while True:
            timeout = None if store is None or self._abandon.is_set() else max(0.0, next_prune - time.monotonic())
            chunk = self._next_chunk(timeout)
            if chunk is not None:
                store = self._commit(store, chunk)
                for event in chunk.events:
                    event.set()
                if chunk.stop:
                    break
            if store is not None and not self._abandon.is_set() and time.monotonic() >= next_prune:
                next_prune = time.monotonic() + self._prune_interval
                with self._db_lock:
                    self._prune(store)
                    store = self._replay(store)
        with self._segments_lock:
            for segment in list(self._segments):
                segment.release(delete=False)  # rows not committed: the next writer replays them
            self._segments.clear()
        self._store = None
        if store is not None:
            with self._db_lock:
                store.close()
        _instances.discard(self)

    def _open(self) -> Store | None:
        """Open the store (retrying with backoff) and let the spool thread start; None once abandoned.

        Segments left by dead writers are replayed at the first prune round, right after.
        """
        store = self._write(None, [], [], spooled=False)
        if store is not None:
            self._salt = store.salt
            # From now on the producer is held to the crash bound, the backlog of the wait included.
            self._spool_active = self._spool_enabled
        self._may_spool.set()
        return store

    def _next_chunk(self, timeout: float | None) -> _Chunk | None:
        if not self._ready:
            self._ready_bell.acquire(timeout=-1 if timeout is None else timeout)
        try:
            return self._ready.popleft()
        except IndexError:
            return None

    def _commit(self, store: Store | None, chunk: _Chunk) -> Store | None:
        size = self._batch_size
        parts = [chunk.rows[start : start + size] for start in range(0, len(chunk.rows), size)] or [[]]
        for index, rows in enumerate(parts):
            # Usage and outcome rows ride with the last decisions: a decision and the outcome
            # recorded right after it are committed in that order.
            usages = chunk.usages + chunk.outcomes if index == len(parts) - 1 else []
            if rows or usages:
                store = self._write(store, rows, usages, spooled=chunk.spooled)
            with self._counts_lock:
                self._ready_records -= len(rows) + len(usages)
        committed = not self._abandon.is_set()
        with self._segments_lock:
            for segment in chunk.finished:
                segment.release(delete=committed)
                self._segments.discard(segment)
        return store

    def _write(self, store: Store | None, rows: list, usages: list, *, spooled: bool) -> Store | None:
        """Write one batch, retrying with backoff until it is committed; returns the open store."""
        delay = 0.05
        while not self._abandon.is_set():
            try:
                with self._db_lock:
                    if store is None:
                        store = self._store = self._opener(self.target)
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
                    self._last_error = _first_line(error)
                self._warn(
                    f"cannot write {len(rows)} decisions to {redact(self.target)}, "
                    f"retrying in {delay:.2f}s: {self._last_error}"
                )
                if store is not None:
                    try:
                        with self._db_lock:
                            store.close()
                    except Exception:
                        logger.debug("closing a failed decision-log connection failed", exc_info=True)
                    store = self._store = None
                self._abandon.wait(delay)
                delay = min(delay * 2, self._max_backoff)
        self._count("_deferred" if spooled else "_dropped", len(rows) + len(usages))
        return store

    def _store_batch(self, store: Store, rows: list, usages: list, *, replay: bool = False) -> None:
        """Store decisions `rows` and `usages` (usage and outcome rows, in the order recorded)."""
        outcomes = [row for row in usages if type(row) is OutcomeRow]
        calls = [row for row in usages if type(row) is CallRow]
        if outcomes or calls:
            usages = [row for row in usages if type(row) is UsageRow]
        try:
            unknown, replaced = _write_rows(store, rows, usages, outcomes, calls)
        except Exception as error:
            if not _is_data_error(error):
                raise
            self._store_one_by_one(store, rows, usages + outcomes + calls, replay=replay)
            return
        with self._counts_lock:
            if replay:
                self._replayed += len(rows) + len(usages) + len(outcomes) + len(calls)
            else:
                self._written += len(rows)
                self._usage_written += len(usages)
                self._calls_written += len(calls)
                self._count_outcomes(len(outcomes), unknown, replaced)

    def _count_outcomes(self, written: int, unknown: int, replaced: int) -> None:
        """Under the counts lock: outcomes stored, and how many named no logged decision or replaced one."""
        self._outcomes_written += written
        self._outcomes_unknown += unknown
        self._outcomes_replaced += replaced

    def _store_one_by_one(self, store: Store, rows: list, usages: list, *, replay: bool) -> None:
        """Isolate the rows a database rejects so that one bad record cannot block the rest."""
        for row in rows + usages:
            is_usage, is_outcome, is_call = type(row) is UsageRow, type(row) is OutcomeRow, type(row) is CallRow
            is_decision = not (is_usage or is_outcome or is_call)
            try:
                unknown, replaced = _write_rows(
                    store,
                    [row] if is_decision else [],
                    [row] if is_usage else [],
                    [row] if is_outcome else [],
                    [row] if is_call else [],
                )
            except Exception as error:
                if not _is_data_error(error):
                    raise
                self._reject(error)
                continue
            with self._counts_lock:
                if replay:
                    self._replayed += 1
                elif is_decision:
                    self._written += 1
                elif is_usage:
                    self._usage_written += 1
                elif is_call:
                    self._calls_written += 1
                else:
                    self._count_outcomes(1, unknown, replaced)

    def _replay(self, store: Store) -> Store | None:
        """Write the rows of spool segments whose writer died, then delete them."""
        if not self._spool_enabled:
            return store
        try:
            for path, fd in orphaned_segments(self.spool_dir, self.target):
                try:
                    rows, usages, outcomes, _ = read_segment(fd, path)
                    usages = usages + outcomes
                    size = self._batch_size
                    for start in range(0, max(len(rows), len(usages)), size):
                        self._store_batch(store, rows[start : start + size], usages[start : start + size], replay=True)
                    os.unlink(path)
                finally:
                    os.close(fd)
                logger.warning(
                    "decision log %s: replayed %d decisions and %d usage and outcome rows left in %s by a writer "
                    "that stopped",
                    redact(self.target),
                    len(rows),
                    len(usages),
                    path,
                )
        except Exception as error:
            # The segment stays (its lock is released) and is retried at the next prune.
            self._warn(f"cannot replay the decision-log spool in {self.spool_dir}: {_first_line(error)}")
        return store

    def _reject(self, error: BaseException) -> None:
        self._count("_dropped", 1)
        logger.error("decision log %s rejected a record, dropped: %s", redact(self.target), _first_line(error))

    def _prune(self, store: Store) -> None:
        try:
            hours = get_settings().metrics_retention_hours
            deleted = store.prune(time.time() - hours * 3600.0)
        except Exception as error:
            self._warn(f"cannot prune the decision log {redact(self.target)}: {redact(str(error))}")
            return
        self._count("_pruned", deleted)

    def _warn(self, message: str) -> None:
        now = time.monotonic()
        if now - self._last_warning >= _LOG_EVERY:
            self._last_warning = now
            logger.warning(message)

    # -- shutdown and fork -------------------------------------------------------------

    def _count_left_behind(self) -> None:
        """Records queued after the spool thread stopped reach no thread: count them as dropped."""
        left = 0
        while True:
            try:
                item = self._pending.popleft()
            except IndexError:
                break
            if isinstance(item, threading.Event):
                item.set()
            elif item is not _STOP:
                left += 1
        if left:
            self._count("_dropped", left)

    def _detach_in_child(self) -> None:
        """In a forked child: the threads are gone; the connection and spool files are the parent's.

        The inherited connection is kept referenced (closing it here would close the
        parent's session or SQLite state) and the inherited spool descriptors are closed
        (they would keep the parent's segments locked after the parent died). The object
        restarts with its own threads on its next use.
        """
        _inherited.append(self._store)
        for segment in self._segments:
            if segment.closed:
                continue  # closed by the parent: its number may be another file's by now
            segment.closed = True
            try:
                os.close(segment.fd)
            except OSError:
                pass
        self._segments = set()
        self._segment = None
        self._closed = self._forked = True

    def _restart_in_child(self) -> None:
        with _restart_lock:
            if self._forked and self._pid != os.getpid():
                self._start()


_instances: weakref.WeakSet[DecisionLog] = weakref.WeakSet()
# Connections inherited from the parent over fork: never closed by the child.
_inherited: list = []
_restart_lock = threading.Lock()
_held_over_fork: list[threading.Lock] = []
# How long fork() waits for writers to leave the database (a write blocked on a busy lock can take long).
_FORK_WAIT = 5.0


def flush_all(timeout: float | None = None) -> bool:
    """Flush every writer in this process within `timeout` in all; False if any ran out of time.

    Every writer is asked first and all of them are then waited for against one deadline,
    so writers that cannot reach their database cost `timeout` once, not once each.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    requests = [(log, log._request_flush()) for log in list(_instances)]
    return all([log._wait_flushed(done, deadline) for log, done in requests])


def shutdown(timeout: float = EXIT_FLUSH_TIMEOUT) -> bool:
    """Close every writer within `timeout` in all, count and log what is left unwritten; False if any is.

    The process is about to end (exit, or the default action of SIGTERM). The final
    counters also reach this process's Prometheus multi-process file.
    """
    deadline = time.monotonic() + timeout
    logs = list(_instances)
    before = {id(log): log.stats() for log in logs}
    complete = True
    for log in logs:
        complete = log.close(max(0.0, deadline - time.monotonic())) and complete
    if not complete:
        deferred = sum(log.stats()["deferred"] - before[id(log)]["deferred"] for log in logs)
        dropped = sum(log.stats()["dropped"] - before[id(log)]["dropped"] for log in logs)
        logger.error(
            "decision log: not everything was written within %ss of exit: %d decisions stay in the "
            "spool for the next start, %d are lost (counted as dropped)",
            timeout,
            deferred,
            dropped,
        )
    _write_final_metrics()
    return complete


def _write_final_metrics() -> None:
    multiprocess = sys.modules.get("claude_pm.metrics.multiprocess")
    writer = None if multiprocess is None else multiprocess.own_writer()
    if writer is not None:
        try:
            writer.flush()
        except Exception as error:  # at exit a failed write must not mask the real exit status
            logger.warning("could not write final decision-log metrics: %s", error)


def _flush_at_exit() -> None:
    shutdown(EXIT_FLUSH_TIMEOUT)


def _wait_for_database_calls() -> None:
    """Before fork: let every writer finish the database call and the spool-file change it is in
    (bounded), and hold it there."""
    deadline = time.monotonic() + _FORK_WAIT
    _held_over_fork.clear()
    for log in list(_instances):
        for lock in (log._db_lock, log._segments_lock):
            if lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                _held_over_fork.append(lock)


def _resume_database_calls() -> None:
    while _held_over_fork:
        _held_over_fork.pop().release()


def _forget_parent_writers() -> None:
    """A forked child has none of its parent's threads: its copies restart on their next use."""
    global _restart_lock
    _restart_lock = threading.Lock()
    _held_over_fork.clear()  # the child's copies are detached; their locks are never used again
    for log in list(_instances):
        log._detach_in_child()
    _instances.clear()


atexit.register(_flush_at_exit)
# No reset: each DecisionLog belongs to whoever made it; the process-wide one is the
# registry's ("decision_log"), which reset() retires.
runtime.register(
    "decision_log_writers",
    before_fork=_wait_for_database_calls,
    after_fork_in_parent=_resume_database_calls,
    after_fork_in_child=_forget_parent_writers,
)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return redact(text.splitlines()[0] if text else type(error).__name__)


def _new_id() -> str:
    """A random (version 4) UUID string, formatted directly: a third of the cost of str(uuid.uuid4())."""
    digits = os.urandom(16).hex()
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{_VARIANT[digits[16]]}{digits[17:20]}-{digits[20:]}"


def _write_rows(store: Store, rows: list, usages: list, outcomes: list, calls: list | None = None) -> tuple[int, int]:
    """`store.write`; a store without outcomes or calls (a test double's two-argument write) still works."""
    if calls:
        counts = store.write(rows, usages, outcomes, calls)
    else:
        counts = store.write(rows, usages, outcomes) if outcomes else store.write(rows, usages)
    return counts or (0, 0)


def _is_data_error(error: BaseException) -> bool:
    return any(cls.__name__ in _DATA_ERRORS for cls in type(error).__mro__)
