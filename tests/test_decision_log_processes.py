"""Durability across processes: concurrent writers, SIGTERM and kill -9, on both backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from claude_pm.decision_log import open_store
from decision_log_support import log_target

__all__ = ["log_target"]

_PRELUDE = """
import sys, time
from claude_pm.decision_log import DecisionRecord, flush, get_decision_log

def decision(index):
    return DecisionRecord(time.time(), "engineer", "claude-sonnet-4-20250514", "sonnet", "MEDIUM", index % 101,
                          "STANDARD", 800, 1400, "enabled", "dynamic_complexity_based", False, f"task {index}")
log = get_decision_log()
"""


def _spawn(script: str, target: str) -> subprocess.Popen:
    env = {**os.environ, "CLAUDE_PM_DECISION_LOG": target}
    return subprocess.Popen(
        [sys.executable, "-c", _PRELUDE + textwrap.dedent(script)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _count(target: str) -> tuple[int, int]:
    store = open_store(target)
    try:
        [(rows, distinct)] = store.query("SELECT COUNT(*), COUNT(DISTINCT id) FROM claude_pm_decisions")
        return rows, distinct
    finally:
        store.close()


def test_two_processes_writing_one_log_lose_nothing(log_target):
    writers = [
        _spawn(
            """
        for index in range(3000):
            log.record(decision(index))
        """,
            log_target,
        )
        for _ in range(2)
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors
    assert _count(log_target) == (6000, 6000)


def test_sigterm_with_an_exiting_handler_loses_nothing(log_target):
    # A small queue bounds what the exit flush has to write, so a loaded machine cannot
    # turn this into a test of the exit timeout; back-pressure keeps the producer busy.
    writer = _spawn(
        """
        import os, signal
        from claude_pm.decision_log import DecisionLog
        log = DecisionLog(os.environ["CLAUDE_PM_DECISION_LOG"], max_queued=1000)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        recorded = 0
        try:
            while True:
                log.record(decision(recorded))
                recorded += 1
                if recorded == 2000:
                    print("running", flush=True)
        finally:
            print(recorded, flush=True)
        """,
        log_target,
    )
    assert writer.stdout.readline().strip() == "running"
    writer.send_signal(signal.SIGTERM)
    output, errors = writer.communicate(timeout=120)
    assert writer.returncode == 0, errors
    recorded = int(output.split()[-1])
    # sys.exit may land between record() returning and the counter moving: one extra row at most.
    assert _count(log_target)[0] in (recorded, recorded + 1)


def test_kill_9_loses_at_most_what_was_not_flushed(log_target):
    writer = _spawn(
        """
        for index in range(1500):
            log.record(decision(index))
        assert flush(60)
        print("flushed", flush=True)
        index = 1500
        while True:
            log.record(decision(index))
            index += 1
        """,
        log_target,
    )
    assert writer.stdout.readline().strip() == "flushed", writer.stderr.read()
    writer.kill()
    writer.wait(timeout=30)
    rows, distinct = _count(log_target)
    assert rows == distinct and rows >= 1500
    if not log_target.startswith("postgresql://"):
        store = open_store(log_target)
        assert store.query("PRAGMA integrity_check") == [("ok",)]
        store.close()


def test_a_forked_child_gets_its_own_writer(log_target):
    from claude_pm.decision_log import flush, get_decision_log
    from decision_log_support import decision

    get_decision_log().record(decision(agent="parent"))
    child = os.fork()
    if child == 0:
        code = 1
        try:
            get_decision_log().record(decision(agent="child"))
            code = 0 if flush(30) else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert flush(30)
    store = open_store(log_target)
    assert sorted(store.query("SELECT agent FROM claude_pm_decisions")) == [("child",), ("parent",)]
    store.close()


def test_runners_opening_a_new_sqlite_log_at_the_same_moment_all_open_it(tmp_path):
    # A fresh file's switch to WAL answers "database is locked" to every process but one
    # instead of waiting; without the store's retry about half of these rounds fail.
    for round_number in range(20):
        target = str(tmp_path / f"fresh-{round_number}.db")
        start_read, start_write = os.pipe()
        error_read, error_write = os.pipe()
        children = []
        for _ in range(3):
            child = os.fork()
            if child == 0:
                code = 1
                try:
                    os.close(start_write)
                    os.close(error_read)
                    os.read(start_read, 1)  # every child is forked and waiting: open together
                    open_store(target).close()
                    code = 0
                except BaseException as error:
                    os.write(error_write, f"{type(error).__name__}: {error}\n".encode())
                finally:
                    os._exit(code)
            children.append(child)
        os.close(start_read)
        os.close(error_write)
        os.write(start_write, b"go!")
        os.close(start_write)
        codes = [os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) for child in children]
        with os.fdopen(error_read, encoding="utf-8") as errors:
            reported = errors.read()
        assert codes == [0, 0, 0], f"round {round_number}: a runner could not open the new log: {reported}"


def test_a_forked_child_closes_only_the_spool_files_its_parent_still_has_open(log_target):
    # The writer thread closes a committed segment's descriptor and then drops the
    # segment; a fork in between must not make the child close whatever file the
    # parent has opened under that number since (here: a pipe dup'ed onto it).
    writer = _spawn(
        """
        import os
        log.record(decision(0))
        assert flush(30)
        [segment] = [s for s in log._segments if not s.closed]
        segment.release(delete=False)
        read_end, write_end = os.pipe()
        os.dup2(read_end, segment.fd)
        child = os.fork()
        if child == 0:
            try:
                os.fstat(segment.fd)
                code = 0
            except OSError:
                code = 3
            os._exit(code)
        print(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]), flush=True)
        """,
        log_target,
    )
    output, errors = writer.communicate(timeout=120)
    assert writer.returncode == 0, errors
    assert output.split() == ["0"], "the child closed a descriptor that was no longer a spool file's"
