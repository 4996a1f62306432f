"""Decision-log benchmarks on a generated log of 100,000 decisions.

As a script it prints what the issue's closing note needs: the output and wall time of
`claude-pm cost` and `claude-pm calibrate` (whole CLI processes, interpreter start
included) on SQLite and, when CLAUDE_PM_TEST_PG_DSN is set, on PostgreSQL (whose
claude_pm_* tables it drops first: point it at a throwaway database)::

    python benches/bench_cost.py [--decisions 100000]

Under pytest (``pytest benches/bench_cost.py --benchmark-enable``) it compares, in the
same run, the cost report against one bare full scan of the same table, and
`DecisionLog.record` on the hot path against a bare ``queue.Queue.put_nowait``.
"""

from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from claude_pm.calibration import calibrate
from claude_pm.cost import analyze_cost_impact
from claude_pm.decision_log import DecisionLog, open_store
from decision_log_data import synthetic_records, write_synthetic_log

DECISIONS = 100_000
_COMMANDS = (
    ("cost", "--since", "7d"),
    ("calibrate", "--target", "haiku=40,sonnet=40,opus=20", "--since", "7d"),
    ("calibrate", "--budget", "150", "--since", "7d"),
)


def _claude_pm(target: str, *args: str) -> tuple[float, str]:
    env = {**os.environ, "CLAUDE_PM_DECISION_LOG": target, "COLUMNS": "110"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "from claude_pm.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, done.stdout


def _reset_postgres(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        for table in ("claude_pm_usage", "claude_pm_decisions", "claude_pm_meta", "claude_pm_schema_migrations"):
            connection.execute(f"DROP TABLE IF EXISTS {table} CASCADE")


def _report(name: str, target: str, decisions: int) -> None:
    seconds = write_synthetic_log(target, decisions)
    print(
        f"== {name}: recorded {decisions:,} decisions through the background writer in {seconds:.2f}s "
        f"({decisions / seconds:,.0f}/s)\n"
    )
    for command in _COMMANDS:
        elapsed, output = _claude_pm(target, *command)
        print(f"$ claude-pm {' '.join(command)}    # {elapsed:.2f}s wall, whole process\n{output}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=DECISIONS)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        _report("SQLite", str(Path(directory) / "decisions.db"), options.decisions)
    dsn = os.environ.get("CLAUDE_PM_TEST_PG_DSN")
    if dsn:
        _reset_postgres(dsn)
        _report("PostgreSQL", dsn, options.decisions)


@pytest.fixture(scope="module")
def log_100k(tmp_path_factory):
    target = str(tmp_path_factory.mktemp("bench") / "decisions.db")
    write_synthetic_log(target, DECISIONS)
    return target


def test_cost_report_100k(benchmark, log_100k):
    report = benchmark(analyze_cost_impact, since="7d", decision_log=log_100k)
    assert report["total_requests"] == DECISIONS


def test_calibrate_100k(benchmark, log_100k):
    result = benchmark(calibrate, {"haiku": 40, "sonnet": 40, "opus": 20}, since="7d", decision_log=log_100k)
    assert result["decisions"] == DECISIONS


def test_baseline_one_full_scan_100k(benchmark, log_100k):
    def scan() -> int:
        store = open_store(log_100k, create=False)
        try:
            return store.query("SELECT COUNT(*), SUM(prompt_tokens) FROM claude_pm_decisions")[0][0]
        finally:
            store.close()

    assert benchmark(scan) == DECISIONS


def test_record_hot_path(benchmark, tmp_path):
    log = DecisionLog(str(tmp_path / "decisions.db"), max_queued=10_000_000)
    record = synthetic_records(1)[0]
    benchmark(log.record, record)
    assert log.close(60)


def test_baseline_queue_put(benchmark):
    items: queue.Queue = queue.Queue(maxsize=10_000_000)
    benchmark(items.put_nowait, ("id", None, None))


if __name__ == "__main__":
    main()
