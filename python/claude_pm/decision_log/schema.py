"""The decision-log schema as an ordered list of migrations, shared by both backends.

Each migration is applied once, inside one transaction, and recorded in
``claude_pm_schema_migrations``. Opening a log applies whatever is missing, so a
database written by an older claude-pm is upgraded in place; a database written by a
newer claude-pm is refused rather than misread.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration"]


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]


def _decisions(real: str, boolean: str) -> str:
    return f"""
    CREATE TABLE claude_pm_decisions (
        id TEXT PRIMARY KEY,
        ts {real} NOT NULL,
        agent TEXT NOT NULL,
        model_id TEXT NOT NULL,
        tier TEXT,
        level TEXT,
        score INTEGER,
        template TEXT,
        prompt_tokens INTEGER,
        full_prompt_tokens INTEGER,
        rollout_reason TEXT,
        selection_method TEXT,
        shadow {boolean} NOT NULL,
        task_hash TEXT,
        task_hash_key TEXT,
        task_length INTEGER,
        task_text TEXT
    )"""


def _usage(real: str, integer: str) -> str:
    return f"""
    CREATE TABLE claude_pm_usage (
        decision_id TEXT PRIMARY KEY,
        ts {real} NOT NULL,
        input_tokens {integer} NOT NULL,
        output_tokens {integer} NOT NULL
    )"""


_META = "CREATE TABLE claude_pm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
_TS_INDEX = "CREATE INDEX claude_pm_decisions_ts ON claude_pm_decisions (ts)"
_USAGE_TS_INDEX = "CREATE INDEX claude_pm_usage_ts ON claude_pm_usage (ts)"
_ROUTE_REASON = "ALTER TABLE claude_pm_decisions ADD COLUMN route_reason TEXT"

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "decisions and per-database metadata (task-hash salt)",
        sqlite=(_decisions("REAL", "INTEGER"), _TS_INDEX, _META),
        postgres=(_decisions("DOUBLE PRECISION", "BOOLEAN"), _TS_INDEX, _META),
    ),
    Migration(
        2,
        "real token usage reported per decision",
        sqlite=(_usage("REAL", "INTEGER"), _USAGE_TS_INDEX),
        postgres=(_usage("DOUBLE PRECISION", "BIGINT"), _USAGE_TS_INDEX),
    ),
    Migration(
        3,
        "why a selection deviated from the score's tier (claude_pm.route_reasons)",
        sqlite=(_ROUTE_REASON,),
        postgres=(_ROUTE_REASON,),
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version
