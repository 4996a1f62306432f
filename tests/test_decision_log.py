"""The decision log's storage contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import threading
import time

import pytest
from claude_pm.decision_log import DecisionLog, DecisionLogError, flush, get_decision_log, open_store, record_usage
from claude_pm.decision_log import registry as registry_module
from claude_pm.decision_log import store as store_module
from claude_pm.decision_log import writer as writer_module
from claude_pm.decision_log.schema import MIGRATIONS
from claude_pm.errors import ConfigError
from decision_log_support import decision, log_target, record_all

__all__ = ["log_target"]


def _rows(target: str, sql: str, params=()) -> list[tuple]:
    store = open_store(target)
    try:
        return store.query(sql, params)
    finally:
        store.close()


def test_record_returns_an_id_and_flush_commits_every_field(log_target):
    log = get_decision_log()
    decision_id = log.record(decision(score=42, level=1, tier="sonnet", shadow=True))
    assert flush(10)
    row = _rows(
        log_target,
        "SELECT id, agent, model_id, tier, level, score, template, prompt_tokens, "
        "full_prompt_tokens, rollout_reason, selection_method, shadow, task_length, task_text "
        "FROM claude_pm_decisions",
    )
    assert row == [
        (
            decision_id,
            "engineer",
            "claude-sonnet-4-20250514",
            "sonnet",
            "MEDIUM",
            42,
            "STANDARD",
            800,
            1400,
            "enabled",
            "dynamic_complexity_based",
            True,
            len("Refactor the billing module"),
            None,
        )
    ]


def test_task_text_is_hashed_with_the_audit_secret_and_never_stored(log_target, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_AUDIT_SECRET", "s3cret")
    get_decision_log().record(decision(task_text="Rotate the production API keys"))
    assert flush(10)
    [(task_hash, key, length, text)] = _rows(
        log_target, "SELECT task_hash, task_hash_key, task_length, task_text FROM claude_pm_decisions"
    )
    expected = hmac.new(b"s3cret", b"Rotate the production API keys", hashlib.sha256).hexdigest()
    assert (task_hash, key, length, text) == (expected, "secret", 30, None)


def test_without_a_secret_the_per_database_salt_keys_the_hash(log_target):
    record_all(
        log_target,
        [decision(task_text="same task"), decision(task_text="same task"), decision(task_text="another task")],
    )
    rows = _rows(log_target, "SELECT task_hash, task_hash_key FROM claude_pm_decisions")
    hashes = [task_hash for task_hash, _ in rows]
    assert {key for _, key in rows} == {"salt"}
    assert len(set(hashes)) == 2
    store = open_store(log_target)
    salt = store.salt
    store.close()
    assert hmac.new(salt, b"same task", hashlib.sha256).hexdigest() in hashes
    assert open_store(log_target).salt == salt


def test_clear_text_is_stored_only_when_the_operator_opts_in(log_target, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT", "true")
    get_decision_log().record(decision(task_text="Fix the \ud800 login\x00 bug"))
    assert flush(10)
    [(text, length)] = _rows(log_target, "SELECT task_text, task_length FROM claude_pm_decisions")
    assert text == "Fix the ? login bug"
    assert length == len("Fix the \ud800 login\x00 bug")


def test_record_usage_attaches_and_replaces_real_token_counts(log_target):
    decision_id = get_decision_log().record(decision())
    record_usage(decision_id, 900, 120)
    record_usage(decision_id, 950, 130)
    assert flush(10)
    assert _rows(log_target, "SELECT decision_id, input_tokens, output_tokens FROM claude_pm_usage") == [
        (decision_id, 950, 130)
    ]


@pytest.mark.parametrize("tokens", [(-1, 0), (1.5, 0), (True, 0), (0, "3")])
def test_record_usage_rejects_bad_token_counts(log_target, tokens):
    with pytest.raises(ValueError, match=r"input_tokens|output_tokens"):
        record_usage("some-id", *tokens)


def test_an_unknown_level_is_rejected_on_the_callers_thread(log_target):
    with pytest.raises(ValueError, match="level='HUGE'"):
        get_decision_log().record(decision(level="HUGE"))


def test_a_fresh_log_has_every_migration_applied(log_target):
    store = open_store(log_target)
    assert store.schema_versions() == [migration.version for migration in MIGRATIONS]
    store.close()


def test_an_older_schema_is_migrated_in_place_keeping_its_rows(log_target, monkeypatch):
    with monkeypatch.context() as old_code:
        old_code.setattr(store_module, "MIGRATIONS", MIGRATIONS[:1])
        old_code.setattr(store_module, "SCHEMA_VERSION", 1)
        store = open_store(log_target)
        assert store.schema_versions() == [1]
        # Written as version-1 code wrote it: the columns later migrations add do not exist yet.
        store.query(
            "INSERT INTO claude_pm_decisions (id, ts, agent, model_id, score, shadow) "
            "VALUES ('old', ?, 'engineer', 'claude-sonnet-4-20250514', 7, ?) RETURNING id",
            (time.time(), False),
        )
        store.close()
    store = open_store(log_target)
    assert store.schema_versions() == [migration.version for migration in MIGRATIONS]
    assert store.query("SELECT score FROM claude_pm_decisions") == [(7,)]
    store.close()


def test_opening_an_up_to_date_log_does_not_need_the_write_lock(tmp_path):
    path = str(tmp_path / "decisions.db")
    record_all(path, [decision(score=9)])
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        store = open_store(path, create=False)
        assert store.query("SELECT score FROM claude_pm_decisions") == [(9,)]
        store.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_schema_newer_than_the_code_is_refused(log_target):
    store = open_store(log_target)
    store.write([], [])
    store.query(
        "INSERT INTO claude_pm_schema_migrations (version, description, applied_at) VALUES (99, 'x', 0) "
        "RETURNING version"
    )
    store.close()
    with pytest.raises(DecisionLogError, match="schema version 99, newer"):
        open_store(log_target)


def test_rows_older_than_the_retention_window_are_pruned(log_target, monkeypatch):
    _, recent = record_all(
        log_target, [decision(timestamp=time.time() - 2 * 3600), decision()], usage={0: (1, 1), 1: (2, 2)}
    )
    monkeypatch.setenv("CLAUDE_PM_METRICS_RETENTION_HOURS", "1")
    log = DecisionLog(log_target)
    newest = log.record(decision())
    assert log.close(10)
    assert log.stats()["pruned"] == 1
    assert sorted(_rows(log_target, "SELECT id FROM claude_pm_decisions")) == sorted([(recent,), (newest,)])
    assert _rows(log_target, "SELECT decision_id FROM claude_pm_usage") == [(recent,)]


def test_get_decision_log_is_one_writer_per_target_and_follows_the_setting(log_target, monkeypatch, tmp_path):
    first = get_decision_log()
    assert get_decision_log() is first
    first.record(decision(agent="before"))
    other = str(tmp_path / "other.db")
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", other)
    second = get_decision_log()
    assert second is not first and second.target == other
    second.record(decision(agent="after"))
    assert flush(10)
    assert _rows(log_target, "SELECT agent FROM claude_pm_decisions") == [("before",)]
    assert _rows(other, "SELECT agent FROM claude_pm_decisions") == [("after",)]


def test_get_decision_log_is_none_while_unset(monkeypatch):
    monkeypatch.delenv("CLAUDE_PM_DECISION_LOG", raising=False)
    assert get_decision_log() is None
    record_usage("ignored", 1, 1)


def test_a_full_queue_blocks_the_producer_instead_of_dropping(log_target):
    class SlowStore:
        def __init__(self, target):
            self.inner = open_store(target)
            self.salt = self.inner.salt

        def write(self, decisions, usages):
            time.sleep(0.005)
            self.inner.write(decisions, usages)

        def prune(self, before):
            return self.inner.prune(before)

        def close(self):
            self.inner.close()

    log = DecisionLog(log_target, max_queued=3, batch_size=2, put_timeout=30, opener=SlowStore)
    for index in range(60):
        log.record(decision(score=index))
    assert log.close(30)
    assert log.stats()["dropped"] == 0 and log.stats()["written"] == 60
    assert _rows(log_target, "SELECT COUNT(*) FROM claude_pm_decisions") == [(60,)]


def test_a_rejected_row_is_dropped_alone_and_counted(log_target):
    log = DecisionLog(log_target)
    log.record(decision(score=1))
    log.record(decision(score=2**70))
    log.record(decision(score="high"))
    log.record(decision(score=3))
    assert log.close(30)
    assert log.stats()["dropped"] == 2 and log.stats()["written"] == 2
    assert sorted(_rows(log_target, "SELECT score FROM claude_pm_decisions")) == [(1,), (3,)]


def test_a_failing_log_never_raises_counts_failures_and_recovers(tmp_path, caplog):
    missing = tmp_path / "not-yet"
    log = DecisionLog(str(missing / "decisions.db"), max_backoff=0.05)
    ids = [log.record(decision(score=index)) for index in range(5)]
    assert len(set(ids)) == 5
    assert not log.flush(0.3)
    stats = log.stats()
    assert stats["failed_writes"] >= 1 and not stats["healthy"] and "does not exist" in stats["last_error"]
    assert "cannot write" in caplog.text and "decisions.db" in caplog.text
    missing.mkdir()
    assert log.close(10)
    assert log.stats()["healthy"] and log.stats()["written"] == 5


def test_a_failing_log_drops_beyond_its_queue_rather_than_stall(tmp_path):
    log = DecisionLog(str(tmp_path / "missing" / "decisions.db"), max_queued=5, max_backoff=0.05)
    log.record(decision())
    while log.stats()["healthy"]:
        time.sleep(0.01)
    for _ in range(20):
        log.record(decision())
    assert log.stats()["dropped"] >= 15
    assert not log.close(0.1)
    assert log.stats()["written"] == 0 and log.stats()["dropped"] == 21


def test_closing_a_failing_log_gives_up_and_counts_what_it_drops(tmp_path):
    log = DecisionLog(str(tmp_path / "missing" / "decisions.db"), max_backoff=0.05)
    for _ in range(3):
        log.record(decision())
    assert not log.close(0.2)
    assert not log.running and log.stats()["dropped"] == 3
    assert flush(1)


def test_an_unreachable_postgres_is_retried_with_the_password_redacted():
    log = DecisionLog("postgresql://runner:hunter2@127.0.0.1:1/decisions", max_backoff=0.05)
    log.record(decision())
    assert not log.flush(0.5)
    stats = log.stats()
    assert stats["failed_writes"] >= 1
    assert "hunter2" not in str(stats) and "runner:***@" in stats["target"]
    log.close(0.1)


@pytest.mark.parametrize("dsn", ["postgresql://runner@[::1/decisions", "postgresql://runner@db:port/decisions"])
def test_a_malformed_dsn_is_a_config_error_naming_the_variable(dsn):
    with pytest.raises(ConfigError, match="CLAUDE_PM_DECISION_LOG"):
        DecisionLog(dsn)


def test_opening_an_unreachable_postgres_names_the_target():
    with pytest.raises(
        DecisionLogError,
        match=r"CLAUDE_PM_DECISION_LOG='postgresql://u:\*\*\*@127.0.0.1:1/x'.*"
        "cannot connect",
    ):
        open_store("postgresql://u:pw@127.0.0.1:1/x")


def test_opening_an_unwritable_sqlite_path_names_it(tmp_path):
    with pytest.raises(DecisionLogError, match=r"CLAUDE_PM_DECISION_LOG=.*missing.*does not exist"):
        open_store(str(tmp_path / "missing" / "decisions.db"))
    with pytest.raises(DecisionLogError, match="no decision log at this path"):
        open_store(str(tmp_path / "absent.db"), create=False)


class _StepClock:
    """time for the writer module whose monotonic clock moves only when `thread` reads it.

    Each look at the clock by the flushing thread counts as `step` seconds of waiting, so
    how long flush waited is read off this clock, independent of the machine's speed.
    """

    def __init__(self, step: float) -> None:
        self.step = step
        self.now = 0.0
        self.thread = threading.get_ident()
        self.time = time.time
        self.sleep = time.sleep

    def monotonic(self) -> float:
        if threading.get_ident() == self.thread:
            self.now += self.step
        return self.now


def test_flush_waits_at_most_its_timeout_in_all_however_many_writers_are_stuck(monkeypatch):
    connect = threading.Event()

    def unreachable(target):
        connect.wait()
        raise OSError(f"{target} is unreachable")

    stuck = [DecisionLog(f"/unreachable/{index}.db", opener=unreachable, spool=False) for index in range(3)]
    for log in stuck:
        log.record(decision())
    clock = _StepClock(step=0.05)
    monkeypatch.setattr(writer_module, "time", clock)
    try:
        flushed = flush(1.0)
        waited = clock.now
    finally:
        monkeypatch.undo()
        connect.set()
        for log in stuck:
            log.close(0.1)
    assert not flushed
    # One stuck writer uses up the timeout; before the shared deadline each took it again (3 s in all).
    assert waited < 2.0
    assert all(log.stats()["dropped"] == 1 and not log.running for log in stuck)


def test_a_writer_the_registry_replaced_stops_retrying_and_counts_what_it_could_not_write(tmp_path, monkeypatch):
    monkeypatch.setattr(registry_module, "RETIRE_TIMEOUT", 0.2)
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", str(tmp_path / "removed" / "decisions.db"))
    retired = get_decision_log()
    retired.record(decision())
    monkeypatch.delenv("CLAUDE_PM_DECISION_LOG")
    assert get_decision_log() is None
    deadline = time.monotonic() + 30
    while retired.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not retired.running
    assert retired.stats()["dropped"] == 1 and retired.stats()["written"] == 0
    assert retired not in writer_module._instances
