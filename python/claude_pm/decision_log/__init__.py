"""Durable decision log: every selection recorded to SQLite (one machine) or PostgreSQL (fleets).

Enable with CLAUDE_PM_DECISION_LOG. Writes leave the hot path through a background
writer; see docs/decision-log.md for the schema, privacy and durability guarantees.
"""

from __future__ import annotations

from claude_pm.decision_log.backends import open_reader, open_store
from claude_pm.decision_log.records import DecisionRecord
from claude_pm.decision_log.registry import flush, get_decision_log, record_call, record_outcome, record_usage
from claude_pm.decision_log.signals import install_sigterm_flush
from claude_pm.decision_log.store import DecisionLogError, Store
from claude_pm.decision_log.writer import DecisionLog

__all__ = [
    "DecisionLog",
    "DecisionLogError",
    "DecisionRecord",
    "Store",
    "flush",
    "get_decision_log",
    "install_sigterm_flush",
    "open_reader",
    "open_store",
    "record_call",
    "record_outcome",
    "record_usage",
]
