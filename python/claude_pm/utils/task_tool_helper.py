"""TaskToolHelper: prepare agent delegations (model, prompt, decision) and optionally run them.

Every delegation goes through `claude_pm.selection.select`, the same pipeline that
`agent_loader` uses, so a task gets the same model and prompt whichever entry point
asked. Nothing here talks to a model API: that is the optional executor's job.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Callable

from claude_pm import budget, selection
from claude_pm.errors import ConfigError, ExecutorError

__all__ = ["ESCALATED_REASON", "PRIORITIES", "Executor", "TaskToolHelper"]

PRIORITIES: tuple[str, ...] = ("low", "medium", "high", "critical")

#: An async callable that runs one delegation. It receives the subprocess dict
#: (``selected_model``, ``prompt``, ``task_description``, ...) and returns a mapping with
#: at least ``usage = {"input_tokens": int, "output_tokens": int}``. It reports API
#: failures by raising `claude_pm.errors.ExecutorError` (or a timeout / OSError).
Executor = Callable[[Mapping[str, Any]], Awaitable[Mapping[str, Any]]]

_logger = logging.getLogger(__name__)

# Failures of the remote call, as opposed to bugs in an executor: these become a
# failed result; anything else propagates after the record is marked failed.
_CALL_FAILURES = (ExecutorError, asyncio.TimeoutError, TimeoutError, OSError)
_RUNNABLE = ("created", "failed")
# What a failure's type may hold in an outcome's reason code (claude_pm.decision_log.outcomes).
_NOT_IN_CODE = re.compile(r"[^A-Za-z0-9_.:/-]")
_CODE_CHARS = 48
#: The outcome reason of a delegation re-run on a stronger model (`escalate_subprocess`).
ESCALATED_REASON = "escalated"


class TaskToolHelper:
    """Create, track and (with an executor) run agent delegations.

    Records live in memory; the oldest are forgotten beyond ``max_tracked`` so a
    long-running runner that never completes its subprocesses stays bounded.
    """

    def __init__(self, executor: Executor | None = None, *, max_tracked: int = 10_000) -> None:
        if executor is not None and not callable(executor):
            raise TypeError(f"executor must be an async callable or None, not {type(executor).__name__}")
        if isinstance(max_tracked, bool) or not isinstance(max_tracked, int):
            raise TypeError(f"max_tracked must be an int, not {type(max_tracked).__name__}")
        if max_tracked < 1:
            raise ValueError(f"max_tracked must be >= 1, got {max_tracked}")
        self._executor = executor
        self._max_tracked = max_tracked
        self._subprocesses: OrderedDict[str, dict[str, Any]] = OrderedDict()

    @property
    def executor(self) -> Executor | None:
        return self._executor

    async def create_agent_subprocess(
        self,
        agent_type: str,
        task_description: str,
        requirements: Sequence[str] | None = None,
        deliverables: Sequence[str] | None = None,
        dependencies: Sequence[str] | None = None,
        priority: str = "medium",
        user_id: str | None = None,
        model_override: str | None = None,
        execute: bool = False,
        session_id: str | None = None,
        **facts: Any,
    ) -> dict[str, Any]:
        """Select model and prompt for a delegation and register it.

        ``session_id``: delegations of one session never get a lower tier than an earlier
        one with the same agent, so the provider's prompt cache stays warm (claude_pm.sessions).

        ``facts`` (file_count, context_size, requires_testing, ...) go to the scorer.
        With ``execute=True`` the helper's executor runs the delegation at once and the
        returned dict already holds its outcome.
        """
        _check_text("agent_type", agent_type)
        _check_text("task_description", task_description)
        lists = {
            name: _check_list(name, value)
            for name, value in (
                ("requirements", requirements),
                ("deliverables", deliverables),
                ("dependencies", dependencies),
            )
        }
        priority = _check_priority(priority)
        if not isinstance(execute, bool):
            raise TypeError(f"execute must be a bool, not {type(execute).__name__}")
        if execute and self._executor is None:
            raise ValueError("execute=True needs an executor: TaskToolHelper(executor=...)")

        chosen = selection.select(
            agent_type,
            task_description=task_description,
            user_id=user_id,
            model_override=model_override,
            session_id=session_id,
            **facts,
        )
        config = chosen.config
        now = _now()
        record: dict[str, Any] = {
            "subprocess_id": str(uuid.uuid4()),
            "agent_type": chosen.agent,
            "task_description": task_description,
            **lists,
            "priority": priority,
            "selected_model": chosen.model_id,
            "model_config": config,
            "prompt": chosen.prompt + _delegation_section(task_description, priority, lists),
            "complexity": {
                "score": config.get("complexity_score"),
                "level": config.get("complexity_level"),
                "signals": config.get("signals", []),
                "confidence": config.get("confidence"),
            },
            "rollout": config.get("rollout"),
            "decision_id": chosen.decision_id,
            "status": "created",
            "created_at": now,
            "updated_at": now,
            "completed_at": None,
            "results": None,
            "usage": None,
            "error": None,
            "attempts": 0,
            # What the helper knows of the outcome (recorded in the decision log): executor
            # failures, retries and fallbacks, then the runner's own judgement.
            "outcome": None,
            "escalated_from": None,
        }
        self._remember(record)
        _logger.debug(
            "subprocess %s: agent=%s model=%s decision=%s",
            record["subprocess_id"],
            record["agent_type"],
            record["selected_model"],
            record["decision_id"],
        )
        if execute:
            return await self.run_subprocess(record["subprocess_id"])
        return _detached(record)

    async def run_subprocess(self, subprocess_id: str) -> dict[str, Any]:
        """Run a created (or failed) delegation with the executor and record its usage.

        API failures (timeouts, connection errors, 429, 5xx, other refusals) come back as
        ``status="failed"`` with ``error={type, message, status_code}``; the decision
        stays in the decision log either way.
        """
        if self._executor is None:
            raise ValueError("run_subprocess needs an executor: TaskToolHelper(executor=...)")
        record = self._get(subprocess_id)
        if record["status"] not in _RUNNABLE:
            raise ValueError(
                f"subprocess {subprocess_id!r} is {record['status']}; only "
                f"{' or '.join(_RUNNABLE)} subprocesses can run"
            )
        self._update(record, status="running", error=None)
        record["attempts"] += 1
        try:
            outcome = await self._executor(_detached(record))
            usage = _usage_of(outcome)
        except _CALL_FAILURES as failure:
            self._update(record, status="failed", error=_error_of(failure))
            _logger.warning("subprocess %s failed: %s", subprocess_id, record["error"]["type"])
            self._note_outcome(record, success=False, reason=_reason_code(record["error"]["type"]))
            return _detached(record)
        except BaseException as failure:
            self._update(record, status="failed", error=_error_of(failure))
            self._note_outcome(record, success=False, reason=_reason_code(record["error"]["type"]))
            raise
        self._record_usage(record, usage)
        self._update(record, status="completed", results=dict(outcome), completed_at=_now())
        fallback = outcome.get("fallback") if isinstance(outcome, Mapping) else None
        if isinstance(fallback, Mapping) or record["attempts"] > 1:
            # The call got through, on another model or after failed attempts: not judged yet,
            # but the fallback and the retries are part of the outcome.
            why = fallback.get("reason") if isinstance(fallback, Mapping) else None
            self._note_outcome(record, success=None, reason=None if why is None else _reason_code(f"fallback:{why}"))
        return _detached(record)

    def record_outcome(
        self,
        subprocess_id: str,
        *,
        success: bool | None = None,
        score: float | None = None,
        escalated: bool = False,
        reason: str | None = None,
    ) -> dict[str, Any]:
        """Record how a delegation turned out (`claude_pm.record_outcome` for its decision).

        The retries, fallbacks and escalation the helper saw are kept: `retried` counts
        the extra attempts and the models a fallback tried, `escalated` stays True once
        the delegation was re-run on a stronger model. Returns the updated record.
        """
        record = self._get(subprocess_id)
        self._note_outcome(record, success=success, score=score, escalated=escalated, reason=reason)
        return _detached(record)

    async def escalate_subprocess(
        self, subprocess_id: str, model: str = "sonnet", *, execute: bool = False
    ) -> dict[str, Any]:
        """Re-run a delegation on a stronger `model` (tier name or model id) and record the escalation.

        The original decision's outcome becomes a failure with ``escalated=True`` (its
        model was not good enough); the re-run is a new delegation with its own decision,
        whose record names the original in ``escalated_from``.
        """
        record = self._get(subprocess_id)
        if not isinstance(model, str) or not model.strip():
            raise TypeError(f"model must be a tier name or model id, not {model!r}")
        again = await self.create_agent_subprocess(
            record["agent_type"],
            record["task_description"],
            requirements=record["requirements"],
            deliverables=record["deliverables"],
            dependencies=record["dependencies"],
            priority=record["priority"],
            model_override=model,
        )
        self._note_outcome(record, success=False, escalated=True, reason=ESCALATED_REASON)
        self._subprocesses[again["subprocess_id"]]["escalated_from"] = subprocess_id
        if execute:
            if self._executor is None:
                raise ValueError("execute=True needs an executor: TaskToolHelper(executor=...)")
            return await self.run_subprocess(again["subprocess_id"])
        return self.get_subprocess_status(again["subprocess_id"])

    def _note_outcome(
        self,
        record: dict[str, Any],
        *,
        success: bool | None,
        score: float | None = None,
        escalated: bool = False,
        reason: str | None = None,
    ) -> None:
        previous = record["outcome"] or {}
        results = record["results"] if isinstance(record["results"], Mapping) else {}
        fallback = results.get("fallback")
        extra_models = len(fallback.get("models_tried", ())) - 1 if isinstance(fallback, Mapping) else 0
        outcome = {
            "success": success,
            "score": score,
            "escalated": escalated or bool(previous.get("escalated")),
            "retried": max(record["attempts"] - 1, 0) + max(extra_models, 0),
            "reason": reason if reason is not None else previous.get("reason"),
        }
        if record["decision_id"] is not None:
            # Only reached when a decision log is configured (see _record_usage).
            from claude_pm.decision_log.registry import record_outcome

            try:
                record_outcome(record["decision_id"], **outcome)
            except ConfigError as error:
                # Settings broken since the selection: the delegation's own result must still come back.
                _logger.warning("outcome of decision %s not recorded: %s", record["decision_id"], error)
        record["outcome"] = outcome

    def get_subprocess_status(self, subprocess_id: str) -> dict[str, Any]:
        """A copy of the subprocess record; KeyError for an unknown (or forgotten) id."""
        return _detached(self._get(subprocess_id))

    def complete_subprocess(
        self, subprocess_id: str, results: Any, *, usage: Mapping[str, int] | None = None
    ) -> dict[str, Any]:
        """Mark a delegation the runner executed itself as completed.

        ``usage`` ({"input_tokens", "output_tokens"}) is attached to the decision log,
        as an executor's would be.
        """
        record = self._get(subprocess_id)
        if record["status"] == "completed":
            raise ValueError(f"subprocess {subprocess_id!r} is already completed")
        tokens = None if usage is None else _usage_of({"usage": usage}, source="usage")
        if tokens is not None:
            self._record_usage(record, tokens)
        self._update(record, status="completed", results=results, error=None, completed_at=_now())
        return _detached(record)

    def list_subprocesses(self) -> list[dict[str, Any]]:
        """Summaries of the tracked subprocesses, oldest first (no prompts or task text)."""
        keys = (
            "subprocess_id",
            "agent_type",
            "priority",
            "selected_model",
            "status",
            "decision_id",
            "created_at",
            "updated_at",
            "completed_at",
        )
        return [{key: record[key] for key in keys} for record in self._subprocesses.values()]

    def _remember(self, record: dict[str, Any]) -> None:
        self._subprocesses[record["subprocess_id"]] = record
        while len(self._subprocesses) > self._max_tracked:
            self._subprocesses.popitem(last=False)

    def _get(self, subprocess_id: str) -> dict[str, Any]:
        if not isinstance(subprocess_id, str):
            raise TypeError(f"subprocess_id must be a str, not {type(subprocess_id).__name__}")
        try:
            return self._subprocesses[subprocess_id]
        except KeyError:
            raise KeyError(f"unknown subprocess_id {subprocess_id!r}") from None

    @staticmethod
    def _update(record: dict[str, Any], **changes: Any) -> None:
        record.update(changes, updated_at=_now())

    @staticmethod
    def _record_usage(record: dict[str, Any], usage: dict[str, int]) -> None:
        record["usage"] = usage
        # Counted against the agent's daily budget (a no-op while none is set); a decision
        # reported again through the decision log below replaces these counts, never adds.
        budget.record_usage(
            record["decision_id"],
            usage["input_tokens"],
            usage["output_tokens"],
            record["agent_type"],
            record["selected_model"],
        )
        if record["decision_id"] is not None:
            # Only reached when a decision log is configured; runners without one never
            # import its machinery (the pipeline defers it the same way).
            from claude_pm import decision_log

            decision_log.record_usage(record["decision_id"], usage["input_tokens"], usage["output_tokens"])


def _detached(value: Any) -> Any:
    """A copy whose dicts and lists are new, so callers cannot edit a tracked record.

    Cheaper than copy.deepcopy by an order of magnitude (no memo, immutable leaves
    shared), which matters because the load test creates thousands of records.
    """
    if isinstance(value, dict):
        return {key: _detached(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_detached(item) for item in value]
    return value


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _check_text(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty")


def _check_list(name: str, value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of strings or None, not {type(value).__name__}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise TypeError(f"{name}[{index}] must be a str, not {type(item).__name__}")
        if not item.strip():
            raise ValueError(f"{name}[{index}] must not be empty")
    return list(value)


def _check_priority(priority: object) -> str:
    if not isinstance(priority, str):
        raise TypeError(f"priority must be a str, not {type(priority).__name__}")
    normalised = priority.strip().lower()
    if normalised not in PRIORITIES:
        raise ValueError(f"priority={priority!r} is not valid: expected one of {', '.join(PRIORITIES)}")
    return normalised


def _delegation_section(task: str, priority: str, lists: Mapping[str, list[str]]) -> str:
    lines = ["", "", "## Delegated task", "", f"**Task**: {task.strip()}", "", f"**Priority**: {priority}"]
    for name in ("requirements", "deliverables", "dependencies"):
        if lists[name]:
            lines += ["", f"**{name.capitalize()}**:"]
            lines += [f"- {item.strip()}" for item in lists[name]]
    return "\n".join(lines) + "\n"


def _usage_of(outcome: object, source: str = "the executor's result") -> dict[str, int]:
    usage = outcome.get("usage") if isinstance(outcome, Mapping) else None
    if not isinstance(usage, Mapping):
        raise TypeError(
            f"{source} must be a mapping with usage={{'input_tokens': int, 'output_tokens': int}}, "
            f"got {type(outcome).__name__}"
        )
    tokens = {}
    for key in ("input_tokens", "output_tokens"):
        value = usage.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise TypeError(f"{source}: usage[{key!r}] must be an int >= 0, got {value!r}")
        tokens[key] = value
    return tokens


def _reason_code(text: str) -> str:
    """`text` (an error type such as "rate_limit", or an exception class name) as an outcome reason code."""
    code = _NOT_IN_CODE.sub("_", text)[:_CODE_CHARS].lstrip("_.:/-")
    return code or "error"


def _error_of(failure: BaseException) -> dict[str, Any]:
    if isinstance(failure, ExecutorError):
        return {"type": failure.kind, "message": failure.message, "status_code": failure.status_code}
    if isinstance(failure, (asyncio.TimeoutError, TimeoutError)):
        return {"type": "timeout", "message": str(failure) or "the executor timed out", "status_code": None}
    if isinstance(failure, OSError):
        return {"type": "connection", "message": str(failure), "status_code": None}
    return {"type": type(failure).__name__, "message": str(failure), "status_code": None}
