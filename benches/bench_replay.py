"""Threshold replay over a generated SQLite log of 1,000,000 decisions.

The log is written straight into a migrated SQLite file (bulk inserts, a few seconds;
the background writer would take minutes): plausible scores, two agents in eight,
a quarter with real usage, a tenth with an outcome. As a script it times
`claude-pm replay --thresholds 25/65` as a whole CLI process (interpreter start
included) and the replay call in process, and reports the CLI's peak memory for the
full log and for a tenth of it (flat memory: the two peaks stay close)::

    python benches/bench_replay.py [--decisions 1000000] [--keep FILE]

Under pytest (``pytest benches/bench_replay.py --benchmark-enable``) it times the
in-process replay of a 100,000-decision log.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from claude_pm.config import get_settings
from claude_pm.decision_log import open_store
from claude_pm.decision_log.outcomes import OUTCOMES_COLUMNS, OUTCOMES_TABLE
from claude_pm.decision_log.records import DecisionRow
from claude_pm.replay import replay
from decision_log_data import AGENTS

DECISIONS = 1_000_000
_BATCH = 50_000


def write_log(path: str, count: int, *, seed: int = 11, texts: list[str] | None = None) -> None:
    """`count` decisions over the last 6.5 days into a new SQLite decision log at `path`;
    with `texts`, each decision holds one of them as its task text (scored as logged)."""
    from claude_pm._core import Scorer

    scored = None if texts is None else Scorer().score_many(texts)[0].tolist()
    open_store(path).close()
    settings = get_settings()
    rng = random.Random(seed)
    now = time.time()
    tiers = ("haiku", "sonnet", "opus")
    levels = ("SIMPLE", "MEDIUM", "COMPLEX")
    columns = DecisionRow.COLUMNS
    insert = f"INSERT INTO claude_pm_decisions ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    usage_sql = "INSERT INTO claude_pm_usage (decision_id, ts, input_tokens, output_tokens) VALUES (?, ?, ?, ?)"
    marks = ", ".join("?" for _ in OUTCOMES_COLUMNS)
    outcome_sql = f"INSERT INTO {OUTCOMES_TABLE} ({', '.join(OUTCOMES_COLUMNS)}) VALUES ({marks})"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous=OFF")
    for start in range(0, count, _BATCH):
        rows, usages, outcomes = [], [], []
        for index in range(start, min(count, start + _BATCH)):
            score = min(100, int(rng.betavariate(2.2, 2.6) * 100)) if scored is None else scored[index % len(scored)]
            level = 0 if score <= settings.simple_threshold else 1 if score <= settings.medium_threshold else 2
            decision_id, ts = str(uuid.UUID(int=rng.getrandbits(128), version=4)), now - rng.random() * 6.5 * 86400
            values = {
                "id": decision_id,
                "ts": ts,
                "agent": AGENTS[index % len(AGENTS)],
                "model_id": settings.model_id(tiers[level]),
                "tier": tiers[level],
                "level": levels[level],
                "score": score,
                "template": "STANDARD",
                "prompt_tokens": 400 + 500 * level,
                "full_prompt_tokens": 1450,
                "rollout_reason": "enabled",
                "selection_method": "dynamic_complexity_based",
                "shadow": 0,
                "task_text": None if texts is None else texts[index % len(texts)],
            }
            rows.append(tuple(values.get(column) for column in columns))
            if index % 4 == 0:
                usages.append((decision_id, ts, 500 + 500 * level, 300))
            if index % 10 == 0:
                outcomes.append((decision_id, ts, int(rng.random() > 0.1), None, 0, 0, None))
        connection.execute("BEGIN")
        connection.executemany(insert, rows)
        connection.executemany(usage_sql, usages)
        connection.executemany(outcome_sql, outcomes)
        connection.execute("COMMIT")
    connection.close()


def _cli(target: str) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one `claude-pm replay --thresholds 25/65 --json` process."""
    env = {**os.environ, "CLAUDE_PM_DECISION_LOG": target}
    code = (
        "import resource, sys; from claude_pm.cli import main\n"
        "try:\n    main(['replay', '--thresholds', '25/65', '--json'])\n"
        "except SystemExit:\n    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, int(done.stderr.strip().splitlines()[-1])


def test_threshold_replay_100k(benchmark, tmp_path: Path) -> None:
    target = str(tmp_path / "replay.db")
    write_log(target, 100_000)
    result = benchmark(lambda: replay(since="7d", thresholds=(25, 65), decision_log=target))
    assert result["decisions"]["replayed"] == 100_000


def _vocabulary_replay(scratch: str, count: int) -> None:
    """A rules replay over `count` decisions holding corpus task texts, with one weight changed."""
    import json

    from claude_pm.rules_weights import RulesWeights
    from claude_pm.training import current_rules_text

    corpus = Path(__file__).resolve().parents[1] / "tests" / "data" / "routing_corpus"
    texts = [
        json.loads(line)["task"] for file in sorted(corpus.glob("*.jsonl")) for line in file.open(encoding="utf-8")
    ]
    target = str(Path(scratch) / "text.db")
    write_log(target, count, texts=texts)
    candidate = Path(scratch) / "candidate.toml"
    candidate.write_text(RulesWeights(current_rules_text()[0]).with_values({"actions.medium.base": 30}), "utf-8")
    started = time.perf_counter()
    result = replay(since="7d", rules=candidate, decision_log=target)
    print(
        f"{count:,} decisions with task text: replay --rules {time.perf_counter() - started:.2f} s in process; "
        f"{result['changes']['changed']:,} change tier",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=DECISIONS)
    parser.add_argument("--vocabulary", type=int, default=0, help="also time a --rules replay over this many decisions")
    parser.add_argument("--keep", help="write the log here and keep it (default: a temporary file)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if options.vocabulary:
            _vocabulary_replay(scratch, options.vocabulary)
        sizes = {options.decisions // 10: str(Path(scratch) / "tenth.db"), options.decisions: options.keep}
        for count, path in sizes.items():
            target = path or str(Path(scratch) / "full.db")
            started = time.perf_counter()
            write_log(target, count)
            print(f"{count:,} decisions written in {time.perf_counter() - started:.1f} s", flush=True)
            started = time.perf_counter()
            result = replay(since="7d", thresholds=(25, 65), decision_log=target)
            in_process = time.perf_counter() - started
            assert result["decisions"]["replayed"] == count
            wall, peak_kib = _cli(target)
            print(
                f"  replay --thresholds 25/65: {in_process:.2f} s in process, {wall:.2f} s as a CLI process, "
                f"peak RSS {peak_kib / 1024:.0f} MiB; {result['changes']['changed']:,} change tier",
                flush=True,
            )
    print(f"(peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
