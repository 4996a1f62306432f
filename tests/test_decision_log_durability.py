"""Shutdown, crash and fork behaviour of the decision log, and reports that never change a log."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from claude_pm.cli import main
from claude_pm.cost import analyze_cost_impact
from claude_pm.decision_log import DecisionLog, DecisionLogError, open_store, registry
from claude_pm.decision_log import store as store_module
from claude_pm.decision_log.records import TaskTextPolicy, to_row
from claude_pm.decision_log.schema import MIGRATIONS
from claude_pm.decision_log.spool import encode, spool_directory
from claude_pm.metrics.multiprocess import read_multiprocess_directory
from conftest import cli_runner
from decision_log_support import decision, log_target, record_all

__all__ = ["log_target"]


def _python(script: str, env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _count(target: str) -> int:
    store = open_store(target)
    try:
        return store.query("SELECT COUNT(*) FROM claude_pm_decisions")[0][0]
    finally:
        store.close()


# -- SIGTERM -----------------------------------------------------------------------------


def test_sigterm_flushes_before_the_applications_own_handler(tmp_path):
    target = str(tmp_path / "decisions.db")
    # The application's handler leaves at once (no atexit): only the chained flush saves the queue.
    result = _python(
        """
        import os, signal, sys, time
        signal.signal(signal.SIGTERM, lambda *_: os._exit(3))
        from claude_pm.decision_log import DecisionRecord, get_decision_log
        log = get_decision_log()
        for index in range(5000):
            log.record(DecisionRecord(time.time(), "engineer", "claude-sonnet-4-20250514", score=index % 101))
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
        """,
        {"CLAUDE_PM_DECISION_LOG": target},
    )
    assert result.returncode == 3, result.stderr
    assert _count(target) == 5000


@pytest.mark.parametrize(("switch", "installed"), [("true", True), ("false", False)])
def test_the_sigterm_flush_is_on_by_default_and_can_be_switched_off(tmp_path, switch, installed):
    result = _python(
        """
        import signal
        from claude_pm.decision_log import get_decision_log
        get_decision_log()
        print(signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL)
        """,
        {"CLAUDE_PM_DECISION_LOG": str(tmp_path / "decisions.db"), "CLAUDE_PM_DECISION_LOG_SIGTERM_FLUSH": switch},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(installed)]


def test_a_writer_started_off_the_main_thread_gets_its_sigterm_flush_at_the_next_main_thread_use(tmp_path):
    result = _python(
        """
        import signal, threading
        from claude_pm.decision_log import get_decision_log
        worker = threading.Thread(target=get_decision_log)
        worker.start(); worker.join()
        print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
        get_decision_log()
        print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
        """,
        {"CLAUDE_PM_DECISION_LOG": str(tmp_path / "decisions.db")},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]


# -- what exit leaves behind is counted --------------------------------------------------------


def test_records_the_database_never_took_are_counted_as_dropped_at_exit_and_exported(tmp_path):
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    result = _python(
        """
        import sys, time
        from claude_pm.decision_log import DecisionRecord, get_decision_log, writer
        from claude_pm.metrics.multiprocess import ensure_multiprocess_writer
        writer.EXIT_FLUSH_TIMEOUT = 0.5
        ensure_multiprocess_writer()
        log = get_decision_log()
        for index in range(100):
            log.record(DecisionRecord(time.time(), "engineer", "claude-sonnet-4-20250514"))
        sys.exit(0)
        """,
        {
            "CLAUDE_PM_DECISION_LOG": "postgresql://runner@127.0.0.1:1/decisions",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        },
    )
    assert result.returncode == 0, result.stderr
    samples = read_multiprocess_directory(metrics)
    assert samples.counters["claude_pm_decision_log_dropped"][()] == 100
    assert "100 are lost" in result.stderr


def test_records_left_unwritten_at_exit_stay_in_the_spool_and_the_next_writer_stores_them(tmp_path):
    target = str(tmp_path / "decisions.db")
    # The database accepts the first 10 rows, then fails until the process has exited.
    result = _python(
        """
        import atexit, json, sqlite3, sys, time
        # Registered before the decision log's own exit hook, so it runs after it.
        atexit.register(lambda: print(json.dumps(log.stats())))
        from claude_pm.decision_log import DecisionLog, DecisionRecord, open_store, writer
        writer.EXIT_FLUSH_TIMEOUT = 0.5
        failing = []

        class FailingStore:
            def __init__(self, target):
                self.inner = open_store(target)
                self.salt = self.inner.salt
            def write(self, rows, usages):
                if failing:
                    raise sqlite3.OperationalError("disk I/O error")
                self.inner.write(rows, usages)
            def prune(self, before):
                return 0
            def close(self):
                self.inner.close()

        log = DecisionLog(sys.argv[1], opener=FailingStore)
        for index in range(10):
            log.record(DecisionRecord(time.time(), "engineer", "claude-sonnet-4-20250514", score=index))
        assert log.flush(30)
        failing.append(True)
        for index in range(10, 100):
            log.record(DecisionRecord(time.time(), "engineer", "claude-sonnet-4-20250514", score=index))
        sys.exit(0)
        """.replace("sys.argv[1]", repr(target)),
        {},
    )
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    assert (stats["written"], stats["deferred"], stats["dropped"]) == (10, 90, 0)
    assert _count(target) == 10
    log = DecisionLog(target)
    assert log.close(30)
    assert log.stats()["replayed"] >= 90
    store = open_store(target)
    assert sorted(score for (score,) in store.query("SELECT score FROM claude_pm_decisions")) == list(range(100))
    store.close()


# -- the spool -----------------------------------------------------------------------------


def test_a_dead_writers_spool_is_replayed_once_without_duplicates_and_a_torn_line_is_skipped(tmp_path):
    target = str(tmp_path / "decisions.db")
    committed = record_all(target, [decision(score=1)])
    store = open_store(target)
    salt = store.salt
    store.close()
    policy = TaskTextPolicy(None, False)
    rows = [
        to_row(committed[0], decision(score=1), policy, salt),
        to_row("00000000-0000-4000-8000-000000000002", decision(score=2), policy, salt),
    ]
    directory = spool_directory(target, None)
    os.makedirs(directory, exist_ok=True)
    probe = DecisionLog(target)  # learns the file-name prefix of this target's segments
    probe.record(decision(score=3))
    assert probe.flush(30)
    [own] = [name for name in os.listdir(directory) if name.endswith(".spool")]
    prefix = own.split("-")[0] + "-" + own.split("-")[1]
    orphan = os.path.join(directory, f"{prefix}-999999-1-deadbeef.spool")
    with open(orphan, "wb") as out:
        out.write(encode(rows, []) + b'["d","00000000-0000-4000-8000-0000000')
    assert probe.close(30)
    log = DecisionLog(target)
    assert log.close(30)
    assert log.stats()["replayed"] == 2
    assert not os.path.exists(orphan)
    store = open_store(target)
    assert sorted(store.query("SELECT score FROM claude_pm_decisions")) == [(1,), (2,), (3,)]
    store.close()


def test_a_live_writers_spool_is_never_replayed_by_another(tmp_path):
    target = str(tmp_path / "decisions.db")
    first = DecisionLog(target)
    first.record(decision(score=1))
    assert first.flush(30)
    second = DecisionLog(target)
    assert second.close(30)
    assert second.stats()["replayed"] == 0
    assert first.close(30)
    assert _count(target) == 1


def test_with_the_spool_off_nothing_is_written_next_to_the_log(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG_SPOOL", "false")
    target = str(tmp_path / "decisions.db")
    log = DecisionLog(target)
    log.record(decision())
    assert log.close(30)
    assert log.stats()["spooled"] == 0 and not os.path.exists(spool_directory(target, None))


# -- fork ------------------------------------------------------------------------------------


def _wait_for_child(pid: int, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def test_a_child_forked_while_another_thread_holds_the_registry_lock_still_gets_a_writer(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", str(tmp_path / "parent.db"))
    registry.get_decision_log()
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with registry._lock:
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    holding.wait(10)
    try:
        child = os.fork()
        if child == 0:
            code = 1
            try:
                os.environ["CLAUDE_PM_DECISION_LOG"] = str(tmp_path / "child.db")
                registry.get_decision_log().record(decision(agent="child"))
                code = 0 if registry.flush(20) else 1
            finally:
                os._exit(code)
    finally:
        release.set()
        holder.join()
    assert _wait_for_child(child, 30) == 0
    assert _count(str(tmp_path / "child.db")) == 1


def test_a_writer_object_inherited_over_fork_restarts_with_its_own_threads(tmp_path):
    target = str(tmp_path / "decisions.db")
    log = DecisionLog(target)
    log.record(decision(agent="parent"))
    assert log.flush(30)
    child = os.fork()
    if child == 0:
        code = 1
        try:
            log.record(decision(agent="child"))
            code = 0 if log.close(20) and log.stats()["written"] == 1 else 1
        finally:
            os._exit(code)
    assert _wait_for_child(child, 30) == 0
    log.record(decision(agent="parent again"))
    assert log.close(30)
    assert log.stats()["written"] == 2 and log.stats()["failed_writes"] == 0
    store = open_store(target)
    assert sorted(store.query("SELECT agent FROM claude_pm_decisions")) == [("child",), ("parent",), ("parent again",)]
    store.close()


# -- read-only reports -------------------------------------------------------------------------


def test_cost_on_an_empty_file_is_a_one_line_error_and_leaves_the_file_untouched(tmp_path, monkeypatch):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", str(path))
    result = cli_runner().invoke(main, ["cost", "--since", "7d"])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "not a claude-pm decision log" in result.stderr
    assert path.read_bytes() == b""
    assert sorted(os.listdir(tmp_path)) == ["empty.db"]


def test_reports_never_migrate_an_older_log(log_target, monkeypatch):
    with monkeypatch.context() as old_code:
        old_code.setattr(store_module, "MIGRATIONS", MIGRATIONS[:1])
        old_code.setattr(store_module, "SCHEMA_VERSION", 1)
        open_store(log_target).close()
    with pytest.raises(DecisionLogError, match="schema version 1, older"):
        analyze_cost_impact(since="7d")
    if log_target.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(log_target) as connection:
            versions = [row[0] for row in connection.execute("SELECT version FROM claude_pm_schema_migrations")]
    else:
        connection = sqlite3.connect(log_target)
        versions = [row[0] for row in connection.execute("SELECT version FROM claude_pm_schema_migrations")]
        connection.close()
    assert versions == [1]
