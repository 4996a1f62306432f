"""What one decision-log row holds, and how task text becomes a keyed hash before storage."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Union

from claude_pm.definitions import LEVEL_NAMES

__all__ = ["DecisionRecord", "DecisionRow", "TaskTextPolicy", "UsageRow", "level_name", "to_row"]

Timestamp = Union[datetime, float, int]


class DecisionRecord(NamedTuple):
    """One model selection (or shadow decision) as the selection pipeline saw it.

    A named tuple, not a frozen dataclass: it is built on the selection hot path, and a
    tuple costs a fifth as much to construct.

    `timestamp` is an aware datetime or POSIX seconds; naive datetimes are local time.
    `level` is "SIMPLE"/"MEDIUM"/"COMPLEX" (or 0/1/2), None when no analysis ran.
    `task_text` never reaches storage in clear unless CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT=true.
    `route_reason` is None or one of `claude_pm.route_reasons.ROUTE_REASONS`: why the tier
    differs from the one the score gave.
    """

    timestamp: Timestamp
    agent: str
    model_id: str
    tier: str | None = None
    level: str | int | None = None
    score: int | None = None
    template: str | None = None
    prompt_tokens: int | None = None
    full_prompt_tokens: int | None = None
    rollout_reason: str | None = None
    selection_method: str | None = None
    shadow: bool = False
    task_text: str | None = None
    route_reason: str | None = None


@dataclass(frozen=True)
class TaskTextPolicy:
    """How task text is protected, captured from the settings when the decision is recorded."""

    secret: str | None
    include_text: bool


@dataclass(frozen=True)
class DecisionRow:
    """A decision as stored: column name -> value, in `COLUMNS` order."""

    id: str
    ts: float
    agent: str
    model_id: str
    tier: str | None
    level: str | None
    score: int | None
    template: str | None
    prompt_tokens: int | None
    full_prompt_tokens: int | None
    rollout_reason: str | None
    selection_method: str | None
    shadow: bool
    task_hash: str | None
    task_hash_key: str | None
    task_length: int | None
    task_text: str | None
    # Last and defaulted: rows spooled before the column existed still load (spool.read_segment).
    route_reason: str | None = None

    COLUMNS = (
        "id",
        "ts",
        "agent",
        "model_id",
        "tier",
        "level",
        "score",
        "template",
        "prompt_tokens",
        "full_prompt_tokens",
        "rollout_reason",
        "selection_method",
        "shadow",
        "task_hash",
        "task_hash_key",
        "task_length",
        "task_text",
        "route_reason",
    )

    def values(self) -> tuple:
        return tuple(getattr(self, column) for column in self.COLUMNS)


@dataclass(frozen=True)
class UsageRow:
    """Real token counts from an API response, attached to a decision by id."""

    decision_id: str
    ts: float
    input_tokens: int
    output_tokens: int

    def values(self) -> tuple:
        return (self.decision_id, self.ts, self.input_tokens, self.output_tokens)


def to_row(decision_id: str, record: DecisionRecord, policy: TaskTextPolicy, salt: bytes) -> DecisionRow:
    """The stored form of `record`: text replaced by an HMAC-SHA256 and its length.

    The key is CLAUDE_PM_AUDIT_SECRET when set (hashes comparable across databases),
    otherwise the database's own random salt (comparable within that database only);
    `task_hash_key` records which.
    """
    text = record.task_text
    task_hash = task_hash_key = None
    task_length = None
    if text is not None:
        key = policy.secret.encode("utf-8") if policy.secret is not None else salt
        # Lone surrogates must hash, not crash the writer.
        task_hash = hmac.new(key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
        task_hash_key = "secret" if policy.secret is not None else "salt"
        task_length = len(text)
    return DecisionRow(
        id=decision_id,
        ts=_seconds(record.timestamp),
        agent=_storable(record.agent),
        model_id=_storable(record.model_id),
        tier=_optional(record.tier),
        level=level_name(record.level),
        score=None if record.score is None else int(record.score),
        template=_optional(record.template),
        prompt_tokens=None if record.prompt_tokens is None else int(record.prompt_tokens),
        full_prompt_tokens=None if record.full_prompt_tokens is None else int(record.full_prompt_tokens),
        rollout_reason=_optional(record.rollout_reason),
        selection_method=_optional(record.selection_method),
        shadow=bool(record.shadow),
        task_hash=task_hash,
        task_hash_key=task_hash_key,
        task_length=task_length,
        task_text=_storable(text) if policy.include_text and text is not None else None,
        route_reason=_optional(record.route_reason),
    )


def _storable(text: object) -> str:
    """`text` as a string every backend accepts: no lone surrogates, no NUL (PostgreSQL refuses it)."""
    value = str(getattr(text, "value", text))
    if not value.isascii():
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.replace("\x00", "")


def _optional(text: object) -> str | None:
    return None if text is None else _storable(text)


def _seconds(timestamp: Timestamp) -> float:
    if isinstance(timestamp, datetime):
        return timestamp.timestamp()
    return float(timestamp)


def level_name(level: str | int | None) -> str | None:
    if level is None:
        return None
    if isinstance(level, int) and not isinstance(level, bool) and 0 <= level < len(LEVEL_NAMES):
        return LEVEL_NAMES[level]
    name = getattr(level, "name", level)
    if isinstance(name, str) and name.upper() in LEVEL_NAMES:
        return name.upper()
    raise ValueError(f"level={level!r} is not valid: expected one of {', '.join(LEVEL_NAMES)} or 0/1/2")
