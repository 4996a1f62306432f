"""A runner recording flat out is killed at a random moment: SIGTERM loses nothing, SIGKILL a bounded tail.

The child counts each record() that returned in a shared memory page (which outlives
the process), and records its sequence number as `prompt_tokens`. After the kill the
test compares what the database holds with what the child had recorded.
"""

from __future__ import annotations

import glob
import mmap
import os
import random
import signal
import struct
import subprocess
import sys
import textwrap
import time

import pytest
from claude_pm.decision_log import DecisionLog, open_store
from claude_pm.decision_log.spool import SPOOL_MAX_RECORDS, spool_directory
from decision_log_support import log_target

__all__ = ["log_target"]

_ITERATIONS = 2
_CHILD = """
import mmap, os, struct, sys, time
from claude_pm.decision_log import DecisionRecord, get_decision_log

handle = os.open(sys.argv[1], os.O_RDWR)
counter = mmap.mmap(handle, 8)
log = get_decision_log()
log.flush()  # the crash bound holds once the writer has reached its database
index = 0
while True:
    log.record(DecisionRecord(time.time(), "engineer", "claude-sonnet-4-20250514", "sonnet", "MEDIUM", 50,
                              "STANDARD", index, 1400, "enabled", "dynamic_complexity_based", False, "task"))
    index += 1
    counter[0:8] = struct.pack("<q", index)
"""


def _run_and_kill(tmp_path, target: str, signum: int) -> tuple[int, int]:
    """Start a recording child, send `signum` at a random moment under load; (recorded, exit code)."""
    counter_path = tmp_path / f"counter-{time.monotonic_ns()}"
    counter_path.write_bytes(bytes(8))
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_CHILD), str(counter_path)],
        env={**os.environ, "CLAUDE_PM_DECISION_LOG": target},
        stderr=subprocess.PIPE,
    )
    handle = os.open(counter_path, os.O_RDONLY)
    counter = mmap.mmap(handle, 8, access=mmap.ACCESS_READ)
    try:
        deadline = time.monotonic() + 30
        while struct.unpack("<q", counter[0:8])[0] < 1000:
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the child never started recording"
            time.sleep(0.01)
        time.sleep(random.uniform(0.1, 1.0))
        child.send_signal(signum)
        child.communicate(timeout=60)
        return struct.unpack("<q", counter[0:8])[0], child.returncode
    finally:
        counter.close()
        os.close(handle)


def _sequence_numbers(target: str) -> tuple[list[int], int]:
    store = open_store(target)
    try:
        [(rows, distinct)] = store.query("SELECT COUNT(*), COUNT(DISTINCT id) FROM claude_pm_decisions")
        assert rows == distinct, "a decision was stored twice"
        return [row[0] for row in store.query("SELECT prompt_tokens FROM claude_pm_decisions")], rows
    finally:
        store.close()


def _segments(target: str) -> list[str]:
    return glob.glob(
        os.path.join(spool_directory(target, os.environ.get("CLAUDE_PM_DECISION_LOG_SPOOL_DIR")), "*.spool")
    )


@pytest.mark.parametrize("iteration", range(_ITERATIONS))
def test_sigterm_at_a_random_moment_under_load_loses_nothing(log_target, tmp_path, iteration):
    recorded, code = _run_and_kill(tmp_path, log_target, signal.SIGTERM)
    # The default action still ends the process, after the flush.
    assert code == -signal.SIGTERM
    numbers, _ = _sequence_numbers(log_target)
    # The signal may land between record() returning and the counter moving: one more at most.
    assert len(numbers) in (recorded, recorded + 1)
    assert sorted(numbers) == list(range(len(numbers)))
    assert _segments(log_target) == [], "everything was committed, so no spool segment is left"


@pytest.mark.parametrize("iteration", range(_ITERATIONS))
def test_sigkill_at_a_random_moment_under_load_loses_at_most_the_unsynced_tail(log_target, tmp_path, iteration):
    recorded, code = _run_and_kill(tmp_path, log_target, signal.SIGKILL)
    assert code == -signal.SIGKILL
    before_replay, _ = _sequence_numbers(log_target)
    # The next writer to start on the same target replays the dead writer's spool.
    log = DecisionLog(log_target)
    assert log.close(60), log.stats()
    numbers, rows = _sequence_numbers(log_target)
    # What survived is every record up to some point: the lost ones are the last ones recorded.
    assert sorted(numbers) == list(range(rows))
    assert recorded - SPOOL_MAX_RECORDS - 1 <= rows <= recorded + 1
    assert log.stats()["replayed"] >= rows - len(before_replay)
    assert _segments(log_target) == [], "replayed segments are deleted"
