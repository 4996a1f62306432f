"""Multi-worker servers: each worker writes its samples to a file, the exporter adds them up."""

from __future__ import annotations

import atexit
import json
import logging
import os
import stat
import tempfile
import threading
import time
import uuid
from pathlib import Path

from claude_pm import runtime
from claude_pm.config import get_settings
from claude_pm.metrics.samples import ProcessSamples
from claude_pm.metrics.sources import Sources, inherited_sources

__all__ = [
    "MAX_SAMPLES_FILE_BYTES",
    "MultiprocessWriter",
    "ensure_multiprocess_writer",
    "multiprocess_directory",
    "own_writer",
    "read_multiprocess_directory",
]

logger = logging.getLogger("claude_pm.metrics")

_FILE_PREFIX = "claude_pm_samples_"
_DEFAULT_FLUSH_INTERVAL = 5.0


def multiprocess_directory() -> Path | None:
    """prometheus_client's own convention: the directory multi-worker servers share."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(directory) if directory else None


#: A worker's file holds a few hundred series (tens of KiB); a larger file is not one of
#: ours, and reading it whole could take the exporter's memory.
MAX_SAMPLES_FILE_BYTES = 4 * 1024 * 1024
# pid_t is a signed 32-bit integer; 0 and negative values address process groups in kill().
_MAX_PID = 2**31 - 1

# Files already warned about, by path, with the (inode, size, mtime) version warned about:
# a file that stays broken warns once, not on every scrape. Plain dict and set updates
# (atomic under the GIL) rather than a lock, so a fork can never inherit a held one.
_warned_files: dict[Path, tuple[int, int, int]] = {}
_warned_directories: set[Path] = set()


class _Unreadable(Exception):
    """Why one worker file is skipped."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_samples_file(path: Path) -> tuple[int, ProcessSamples]:
    """(pid, samples) of one worker file; `_Unreadable` says why it cannot be used."""
    try:
        # O_NONBLOCK: a FIFO named like a worker file must not block the scrape.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _Unreadable(f"cannot open it: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _Unreadable("it is not a regular file")
        if info.st_size > MAX_SAMPLES_FILE_BYTES:
            raise _Unreadable(f"it has {info.st_size} bytes, over the {MAX_SAMPLES_FILE_BYTES}-byte bound")
        try:
            data = handle.read(MAX_SAMPLES_FILE_BYTES + 1)
        except OSError as exc:
            raise _Unreadable(f"cannot read it: {exc.strerror or exc}") from None
    if len(data) > MAX_SAMPLES_FILE_BYTES:  # it grew after the size check
        raise _Unreadable(f"it has over {MAX_SAMPLES_FILE_BYTES} bytes")
    try:
        document = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise _Unreadable("it is nested too deep to be a samples file") from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise _Unreadable(f"it is not UTF-8 JSON: {exc}") from None
    if not isinstance(document, dict):
        raise _Unreadable(f"it holds a JSON {type(document).__name__}, expected an object")
    pid = document.get("pid")
    if isinstance(pid, bool) or not isinstance(pid, int) or not 0 < pid <= _MAX_PID:
        raise _Unreadable(f"pid {pid!r} is not a process id (an integer 1..{_MAX_PID})")
    try:
        samples = ProcessSamples.from_json(document.get("samples"))
    except RecursionError:
        raise _Unreadable("it is nested too deep to be a samples file") from None
    except ValueError as exc:
        raise _Unreadable(str(exc)) from None
    return pid, samples


def _file_version(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def _warn_once_per_version(path: Path, reason: str) -> None:
    version = _file_version(path) or (0, 0, 0)
    if _warned_files.get(path) != version:
        _warned_files[path] = version
        logger.warning("skipping metrics file %s: %s", path, reason)


def _directory_usable(directory: Path) -> bool:
    if directory.is_dir():
        _warned_directories.discard(directory)
        return True
    if directory not in _warned_directories:
        _warned_directories.add(directory)
        what = "is not a directory" if directory.exists() else "does not exist"
        logger.warning(
            "PROMETHEUS_MULTIPROC_DIR=%s %s: reporting this process's metrics only, no other worker's", directory, what
        )
    return False


def read_multiprocess_directory(directory: Path, *, exclude: Path | None = None) -> ProcessSamples:
    """Add up every worker's samples file in `directory`.

    Counters of exited workers stay in the total (Prometheus counters never go down);
    their cache gauges do not (the memory is gone). A file that cannot be used (not a
    regular file, over `MAX_SAMPLES_FILE_BYTES`, not JSON, of the wrong shape, an
    impossible pid) is skipped with one warning per file version, so the scrape always
    answers. A missing directory is warned about once and reads as empty.
    """
    total = ProcessSamples()
    directory = Path(directory)
    if not _directory_usable(directory):
        return total
    seen: set[Path] = set()
    for path in sorted(directory.glob(f"{_FILE_PREFIX}*.json")):
        if exclude is not None and path == exclude:
            continue
        seen.add(path)
        try:
            pid, samples = _read_samples_file(path)
        except _Unreadable as exc:
            _warn_once_per_version(path, str(exc))
            continue
        total.add(samples, include_gauges=_pid_alive(pid))
    for path in [path for path in _warned_files if path.parent == directory and path not in seen]:
        _warned_files.pop(path, None)  # deleted files: keep the memory bounded
    return total


class MultiprocessWriter:
    """Writes what this process counted to its own file in the shared directory.

    The file name carries the pid and a random token, so a recycled pid never overwrites
    an exited worker's totals. Writes are atomic (temporary file + rename). `baseline` is
    what the process had counted before the writer started: a forked worker inherits its
    parent's counters, and writing them again would count them twice.
    """

    def __init__(
        self,
        directory: Path,
        *,
        sources: Sources | None = None,
        interval: float = _DEFAULT_FLUSH_INTERVAL,
        baseline: ProcessSamples | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval={interval!r} is not valid: expected seconds > 0")
        self.directory = Path(directory)
        self.sources = sources or Sources.from_library()
        self.interval = interval
        self.pid = os.getpid()
        self.path = self.directory / f"{_FILE_PREFIX}{self.pid}_{uuid.uuid4().hex[:12]}.json"
        self._baseline = baseline or ProcessSamples()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def set_baseline(self, baseline: ProcessSamples) -> None:
        """What the process had counted before this writer's count starts."""
        self._baseline = baseline

    def own_samples(self) -> ProcessSamples:
        current = ProcessSamples.gather(self.sources)
        own = current.minus(self._baseline)
        if own is None:  # counters went down: the statistics were reset or replaced
            self._baseline = ProcessSamples()
            return current
        return own

    def flush(self) -> None:
        if os.getpid() != self.pid:  # a forked child's copy; the child has its own writer
            return
        document = {"pid": self.pid, "written_at": time.time(), "samples": self.own_samples().to_json()}
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".claude_pm_tmp_")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(document, out)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def start(self) -> MultiprocessWriter:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="claude-pm-metrics-writer", daemon=True)
            self._thread.start()
            atexit.register(self.stop)
        return self

    def stop(self) -> None:
        """Stop the periodic writes and write the final totals."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.interval + 1)
        try:
            self.flush()
        except Exception as exc:  # at exit a failed write must not mask the real exit status
            logger.warning("could not write final metrics to %s: %s", self.path, exc)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception as exc:  # a full disk must not kill the worker's metrics thread
                logger.warning("could not write metrics to %s: %s", self.path, exc)


_writer_lock = threading.Lock()
_writer: MultiprocessWriter | None = None


def ensure_multiprocess_writer(
    interval: float = _DEFAULT_FLUSH_INTERVAL, *, sources: Sources | None = None
) -> MultiprocessWriter | None:
    """Start this process's writer once when PROMETHEUS_MULTIPROC_DIR is set; cheap afterwards.

    Returns None when the variable is unset or metrics are off. A process forked from one
    with a writer gets its own writer at once (new pid, new file, counting from the fork).
    """
    global _writer
    writer = own_writer()
    if writer is not None:
        return writer
    directory = multiprocess_directory()
    if directory is None or not get_settings().metrics_enabled:
        return None
    with _writer_lock:
        writer = own_writer()
        if writer is None:
            writer = _writer = MultiprocessWriter(directory, sources=sources, interval=interval).start()
        return writer


def own_writer() -> MultiprocessWriter | None:
    """The writer started by this process (a fork inherits its parent's, which is not ours)."""
    writer = _writer
    return writer if writer is not None and writer.pid == os.getpid() else None


def _start_writer_in_forked_child() -> None:
    """A pre-forking server's workers each get a writer that counts only their own work.

    Runs in the child right after the fork, where a lock another parent thread held at
    the fork stays held forever: so this takes none, and builds no pipeline state (see
    `inherited_sources`). The child's writer is installed before its baseline is read,
    so anything that asks for this process's writer meanwhile gets this one, never a
    second writer that would count the inherited totals again.
    """
    global _writer, _writer_lock
    parent = _writer
    _writer_lock = threading.Lock()  # the parent's lock may have been held by another thread
    if parent is None:
        return
    _writer = None
    try:
        child = MultiprocessWriter(parent.directory, sources=parent.sources, interval=parent.interval)
        _writer = child
        child.set_baseline(ProcessSamples.gather(inherited_sources(parent.sources)))
        child.start()
    except Exception as exc:  # never break a fork over metrics
        _writer = None
        logger.warning("could not start the metrics writer in worker %d: %s", os.getpid(), exc)


def _stop_writer() -> None:
    """Stop this process's writer (it writes its final totals) and forget it and the warnings given."""
    global _writer
    writer = own_writer()
    if writer is not None:
        writer.stop()  # installed meanwhile: a pipeline rebuild during its final flush starts no other
    with _writer_lock:
        if _writer is writer:
            _writer = None
    _warned_files.clear()
    _warned_directories.clear()


# Last in the child's fork order: it reads the state the other holders left (runtime.FORK_ORDER).
runtime.register("metrics_writer", after_fork_in_child=_start_writer_in_forked_child, reset=_stop_writer)
