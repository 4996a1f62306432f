"""Instructions per call, counted by valgrind's callgrind: repeatable whatever the load.

Each workload runs twice in a fresh interpreter under callgrind, once with N1 calls
and once with N2; the difference divided by N2 - N1 is the cost of one call, free of
interpreter start-up and imports. Run it against any installed claude_pm (a release
build: ``pip install .``), for example to compare two builds in the same session:

    python benches/callgrind_instructions.py                 # this interpreter
    python benches/callgrind_instructions.py --python /path/to/other/venv/bin/python

Workloads: ``analyze`` (``TaskComplexityAnalyzer.analyze_task`` over mixed tasks),
``score_many`` (per 100-character task, in batches), ``select`` (a warm
``get_agent_prompt_with_model_info`` with metrics on).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

BENCHES = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHES))

from scoring_tasks import TASKS  # noqa: E402

# The program run under callgrind; {calls} is replaced by the call count.
PROGRAMS = {
    "analyze": """
        from claude_pm.services.task_complexity_analyzer import TaskComplexityAnalyzer
        tasks = {tasks!r}
        analyzer = TaskComplexityAnalyzer()
        analyzer.analyze_task(tasks[0])
        for i in range({calls}):
            analyzer.analyze_task(tasks[i % len(tasks)])
    """,
    "score_many": """
        import sys
        sys.path.insert(0, {benches!r})
        from claude_pm.services.task_complexity_analyzer import TaskComplexityAnalyzer
        from scoring_tasks import hundred_char_tasks
        # Repeating 200 distinct tasks keeps building the batch cheap next to scoring it.
        batch = hundred_char_tasks(200) * ({calls} // 200)
        analyzer = TaskComplexityAnalyzer()
        analyzer.score_many(batch[:10])
        analyzer.score_many(batch)
    """,
    "select": """
        import os
        os.environ["CLAUDE_PM_METRICS_ENABLED"] = "true"
        from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info
        tasks = {tasks!r}
        for task in tasks:
            get_agent_prompt_with_model_info("engineer", task_description=task)
        for i in range({calls}):
            get_agent_prompt_with_model_info("engineer", task_description=tasks[i % len(tasks)])
    """,
}

# (N1, N2) per workload; score_many counts tasks, not calls.
CALLS = {"analyze": (240, 2640), "score_many": (2_000, 22_000), "select": (240, 2640)}

COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(python: str, program: str) -> int:
    """Instructions callgrind counted for one run of `program`."""
    with tempfile.TemporaryDirectory() as scratch:
        script = os.path.join(scratch, "workload.py")
        with open(script, "w", encoding="utf-8") as out:
            out.write(program)
        env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, script],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=1800,
        )
    found = COLLECTED.findall(done.stderr)
    if not found:
        raise RuntimeError(f"callgrind printed no total:\n{done.stderr[-2000:]}")
    return int(found[-1])


def per_call(python: str, workload: str) -> float:
    low, high = CALLS[workload]
    source = textwrap.dedent(PROGRAMS[workload])
    counts = [instructions(python, source.format(calls=n, tasks=TASKS, benches=str(BENCHES))) for n in (low, high)]
    return (counts[1] - counts[0]) / (high - low)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter with claude_pm installed")
    parser.add_argument(
        "workloads", nargs="*", metavar="WORKLOAD", help=f"one or more of {', '.join(PROGRAMS)} (default: all)"
    )
    args = parser.parse_args(argv)
    unknown = [w for w in args.workloads if w not in PROGRAMS]
    if unknown:
        parser.error(f"unknown workload {unknown[0]!r}: expected one of {', '.join(PROGRAMS)}")
    for workload in args.workloads or list(PROGRAMS):
        print(f"{workload:12s} {per_call(args.python, workload):10,.0f} instructions per call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
