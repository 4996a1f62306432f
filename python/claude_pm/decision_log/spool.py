"""The crash spool: rows are appended to a local file and fsynced before they reach the database.

A writer spools into numbered segment files in one directory. Each line is one JSON
array: ``["d", <decision row values>]`` or ``["u", <usage row values>]``, already in
stored form (task text hashed, never the audit secret), so a spool file holds nothing
the database would not. A segment is deleted once every row in it is committed.

A live writer holds an exclusive ``flock`` on each of its segments; the lock goes away
with the process however it dies. A new writer for the same target replays every
segment it can lock (its owner is gone) and deletes it: decision ids are primary keys
inserted with ``ON CONFLICT DO NOTHING``, so a row already committed before the crash
is not stored twice.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import itertools
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from claude_pm.decision_log.records import DecisionRow, UsageRow
from claude_pm.decision_log.sqlite_store import sqlite_path
from claude_pm.decision_log.store import is_postgres_target, redact

__all__ = [
    "SEGMENT_BYTES",
    "SPOOL_INTERVAL",
    "SPOOL_MAX_RECORDS",
    "Segment",
    "encode",
    "open_segment",
    "orphaned_segments",
    "read_segment",
    "spool_directory",
]

# A record is fsynced to the spool at most this long after record() returned (plus the
# time of the fsync in progress), and no more than this many records wait unsynced.
SPOOL_INTERVAL = 0.2
SPOOL_MAX_RECORDS = 2000
SEGMENT_BYTES = 8 * 1024 * 1024

logger = logging.getLogger("claude_pm.decision_log")

_SUFFIX = ".spool"
_sequence = itertools.count(1)


@dataclass(eq=False)
class Segment:
    """One spool file being appended to (or waiting for its rows to be committed)."""

    path: str
    fd: int
    size: int = 0
    closed: bool = field(default=False)

    def append(self, data: bytes) -> None:
        """Write and fsync `data`; the rows in it survive a crash once this returns."""
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]
        os.fsync(self.fd)
        self.size += len(data)

    def release(self, *, delete: bool) -> None:
        """Close the file (dropping the lock), deleting it first when all its rows are committed."""
        if self.closed:
            return
        self.closed = True
        if delete:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass  # replayed and deleted by another writer after a lock hand-over
        os.close(self.fd)


def spool_directory(target: str, configured: str | None) -> str:
    """The directory of `target`'s spool files: configured, next to the SQLite file, or the state dir."""
    if configured is not None:
        return os.path.abspath(os.path.expanduser(configured))
    if is_postgres_target(target):
        state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
        return os.path.join(state, "claude-pm", "decision-log-spool")
    return os.path.abspath(os.path.expanduser(sqlite_path(target))) + _SUFFIX


def _prefix(target: str) -> str:
    """A file-name prefix naming the target (its password never reaches the file name)."""
    if is_postgres_target(target):
        identity = redact(target)
    else:
        identity = os.path.realpath(os.path.expanduser(sqlite_path(target)))
    return "decisions-" + hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def open_segment(directory: str, target: str) -> Segment:
    """A new, locked, empty segment (the directory is created private to the user)."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    name = f"{_prefix(target)}-{os.getpid()}-{next(_sequence)}-{os.urandom(4).hex()}"
    path = os.path.join(directory, name + _SUFFIX)
    # Locked under a name replay does not look at, then renamed: a replay running meanwhile
    # must never see (and take over) a segment that is not locked yet.
    creating = os.path.join(directory, "." + name)
    fd = os.open(creating, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(creating, path)
        # The new name must survive a power loss too, not only the rows written to it.
        directory_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)
    except BaseException:
        os.close(fd)
        for leftover in (creating, path):
            try:
                os.unlink(leftover)
            except FileNotFoundError:
                pass
        raise
    return Segment(path, fd)


def encode(rows: list[DecisionRow], usages: list[UsageRow]) -> bytes:
    lines = [json.dumps(["d", *row.values()], separators=(",", ":")) for row in rows]
    lines.extend(json.dumps(["u", *usage.values()], separators=(",", ":")) for usage in usages)
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass") if lines else b""


def orphaned_segments(directory: str, target: str) -> Iterator[tuple[str, int]]:
    """(path, locked fd) of every segment of `target` whose writer is gone; the caller closes the fd."""
    for path in sorted(glob.glob(os.path.join(glob.escape(directory), _prefix(target) + "-*" + _SUFFIX))):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            continue  # replayed by another writer meanwhile
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)  # its writer is alive
            continue
        yield path, fd


def read_segment(fd: int, path: str) -> tuple[list[DecisionRow], list[UsageRow], int]:
    """The rows of a spool file and how many lines were unreadable (a torn last write)."""
    rows: list[DecisionRow] = []
    usages: list[UsageRow] = []
    bad = 0
    with os.fdopen(os.dup(fd), "rb") as handle:
        for line in handle:
            try:
                kind, *values = json.loads(line)
                # One column fewer: spooled by a claude-pm from before route_reason (schema 3).
                if kind == "d" and len(DecisionRow.COLUMNS) - 1 <= len(values) <= len(DecisionRow.COLUMNS):
                    rows.append(DecisionRow(*values))
                elif kind == "u" and len(values) == 4:
                    usages.append(UsageRow(*values))
                else:
                    bad += 1
            except (ValueError, TypeError):
                bad += 1
    if bad:
        logger.warning("decision-log spool %s: %d unreadable lines skipped (a write cut short by a crash)", path, bad)
    return rows, usages, bad
