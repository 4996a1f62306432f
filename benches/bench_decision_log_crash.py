"""What a crash and a SIGTERM cost the decision log, measured on runners recording flat out.

For each run a child records decisions as fast as it can through the registry's writer
(a sequence number in `prompt_tokens`, a shared-memory counter of the record() calls
that returned); after a random 0.2 to 1.5 s it is killed. The script then reports, per
signal and backend, the records lost (recorded minus stored, after the next writer's
replay of the spool for SIGKILL) and how far back from the kill they reach (the kill time
minus the timestamp of the newest stored record)::

    python benches/bench_decision_log_crash.py [--runs 10]

PostgreSQL runs too when CLAUDE_PM_TEST_PG_DSN is set (its claude_pm_* tables are
dropped first: point it at a throwaway database).
"""

from __future__ import annotations

import argparse
import mmap
import os
import random
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from claude_pm.decision_log import DecisionLog, open_store

_CHILD = """
import mmap, os, struct, sys, time
from claude_pm.decision_log import DecisionRecord, get_decision_log

counter = mmap.mmap(os.open(sys.argv[1], os.O_RDWR), 8)
log = get_decision_log()
log.flush()  # the crash bound holds once the writer has reached its database
index = 0
while True:
    log.record(DecisionRecord(time.time(), "engineer", "claude-sonnet-4-20250514", "sonnet", "MEDIUM", 50,
                              "STANDARD", index, 1400, "enabled", "dynamic_complexity_based", False, "task"))
    index += 1
    counter[0:8] = struct.pack("<q", index)
"""
_TABLES = ("claude_pm_usage", "claude_pm_decisions", "claude_pm_meta", "claude_pm_schema_migrations")


def _reset(target: str) -> None:
    if target.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(target, autocommit=True) as connection:
            for table in _TABLES:
                connection.execute(f"DROP TABLE IF EXISTS {table} CASCADE")


def _one_run(directory: Path, target: str, signum: int) -> tuple[int, float]:
    counter_path = directory / f"counter-{time.monotonic_ns()}"
    counter_path.write_bytes(bytes(8))
    env = {**os.environ, "CLAUDE_PM_DECISION_LOG": target, "CLAUDE_PM_DECISION_LOG_SPOOL_DIR": str(directory)}
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(counter_path)], env=env)
    counter = mmap.mmap(os.open(counter_path, os.O_RDONLY), 8, access=mmap.ACCESS_READ)
    while struct.unpack("<q", counter[0:8])[0] < 1000:
        time.sleep(0.01)
    time.sleep(random.uniform(0.2, 1.5))
    killed_at = time.time()
    child.send_signal(signum)
    child.wait(60)
    recorded = struct.unpack("<q", counter[0:8])[0]
    os.environ["CLAUDE_PM_DECISION_LOG_SPOOL_DIR"] = str(directory)
    log = DecisionLog(target)  # replays the dead child's spool
    assert log.close(120), log.stats()
    store = open_store(target)
    [(stored, newest)] = store.query("SELECT COUNT(*), MAX(ts) FROM claude_pm_decisions")
    store.close()
    return recorded - stored, killed_at - float(newest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    arguments = parser.parse_args()
    backends = {"sqlite": None}
    if os.environ.get("CLAUDE_PM_TEST_PG_DSN"):
        backends["postgres"] = os.environ["CLAUDE_PM_TEST_PG_DSN"]
    for backend, dsn in backends.items():
        for signum in (signal.SIGTERM, signal.SIGKILL):
            lost, window = [], []
            for _ in range(arguments.runs):
                with tempfile.TemporaryDirectory() as temporary:
                    directory = Path(temporary)
                    target = dsn or str(directory / "decisions.db")
                    _reset(target)
                    records, seconds = _one_run(directory, target, signum)
                    lost.append(records)
                    window.append(seconds)
            print(
                f"{backend:8} {signal.Signals(signum).name:7} lost records: max {max(lost)}, median "
                f"{statistics.median(lost)}; newest stored record before the kill: max {max(window) * 1000:.0f} ms, "
                f"median {statistics.median(window) * 1000:.0f} ms ({arguments.runs} runs)"
            )


if __name__ == "__main__":
    main()
