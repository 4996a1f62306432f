"""The tasks the scoring benchmarks share: a mixed set of one-liners in several
languages, and a generator of 100-character tasks for batch scoring."""

from __future__ import annotations

import random

TASKS = [
    "List files",
    "Implement feature",
    "Refactor system",
    "Show the running containers on the staging host",
    "Fix the race in the session cache and add a regression test for it",
    "Just bump the chart version to 4.1.0",
    "Plan the migration of every tenant database to the new cluster, with a rollback path",
    "1. Reproduce the timeout. 2. Profile the handler. 3. Optimise the slow query.",
    "Assess whether the indemnity clause survives termination under the governing law",
    "Check the queue depth, then redesign the retry policy across the ingestion services",
    "Entwirf die Architektur für die gesamte Zahlungsplattform",
    "Corrige la faute de frappe dans le titre",
]

FILLER = (
    "the a of for with on in to and our this module service page report user data "
    "cache queue handler api endpoint config file build job table schema"
).split()
VERBS = "list show fix implement refactor design migrate plan add write check review".split()


def hundred_char_tasks(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    tasks = []
    for _ in range(count):
        words = [rng.choice(VERBS).capitalize()]
        while sum(len(w) + 1 for w in words) < 100:
            words.append(rng.choice(FILLER if rng.random() < 0.85 else VERBS))
        tasks.append(" ".join(words)[:100].ljust(100, "."))
    return tasks
