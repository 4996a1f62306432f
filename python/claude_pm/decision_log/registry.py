"""The process-wide decision log: one writer per configured target.

The registry's lock is replaced in a forked child (another thread may have held it at
the fork), and the child starts its own writer: it never uses its parent's threads or
connection.
"""

from __future__ import annotations

import threading
from typing import Any

from claude_pm import budget, runtime
from claude_pm.config import get_settings
from claude_pm.decision_log.calls import make_call
from claude_pm.decision_log.outcomes import make_outcome
from claude_pm.decision_log.signals import install_sigterm_flush
from claude_pm.decision_log.writer import EXIT_FLUSH_TIMEOUT, DecisionLog, flush_all, logger

__all__ = ["RETIRE_TIMEOUT", "flush", "get_decision_log", "record_call", "record_outcome", "record_usage"]

# How long a replaced writer keeps trying to write what it holds, as at exit. Then it stops
# and counts the rest (deferred in the spool, dropped otherwise): a writer whose database
# is gone must not retry, and hold up every later flush, for the life of the process.
RETIRE_TIMEOUT = EXIT_FLUSH_TIMEOUT

_lock = threading.Lock()
_current: DecisionLog | None = None
# The SIGTERM flush is wanted but the writer was started off the main thread.
_sigterm_pending = False


def get_decision_log() -> DecisionLog | None:
    """The writer for CLAUDE_PM_DECISION_LOG, or None when it is unset.

    Cheap enough for the hot path: after the first call it is one settings lookup and a
    string comparison. Changing the variable retires the old writer (it still drains
    what it holds, for up to RETIRE_TIMEOUT seconds) and starts one for the new target.
    Never connects on the caller's thread; raises only ConfigError for a malformed target.
    """
    target = get_settings().decision_log
    current = _current
    if current is not None and current.target == target:
        if _sigterm_pending:
            _install_sigterm_flush()
        return current
    if current is None and target is None:
        return None
    return _retarget(target)


def _retarget(target: str | None) -> DecisionLog | None:
    global _current
    with _lock:
        if _current is not None and _current.target == target:
            return _current
        if _current is not None:
            threading.Thread(
                target=_retire, args=(_current,), name="claude-pm-decision-log-retire", daemon=True
            ).start()
        log = _current = None if target is None else DecisionLog(target)
    if log is not None:
        _install_sigterm_flush()
    return log


def _retire(log: DecisionLog) -> None:
    before = log.stats()
    if not log.close(RETIRE_TIMEOUT):
        after = log.stats()
        logger.error(
            "decision log %s was replaced and could not write everything within %ss: %d decisions stay "
            "in the spool for the next writer on it, %d are lost (counted as dropped)",
            after["target"],
            RETIRE_TIMEOUT,
            after["deferred"] - before["deferred"],
            after["dropped"] - before["dropped"],
        )


def _install_sigterm_flush() -> None:
    global _sigterm_pending
    _sigterm_pending = get_settings().decision_log_sigterm_flush and not install_sigterm_flush()


def record_usage(decision_id: str, input_tokens: int, output_tokens: int) -> None:
    """Attach real token counts to a decision; a no-op while the decision log is off.

    The counts also go to the agent's daily budget (claude_pm.budget) when it has one.
    """
    log = get_decision_log()
    if log is not None:
        log.record_usage(decision_id, input_tokens, output_tokens)
        budget.record_usage(decision_id, input_tokens, output_tokens)


def flush(timeout: float | None = None) -> bool:
    """Wait until every decision recorded so far in this process is committed; False if `timeout` ran out.

    Interpreter exit does the same through ``atexit`` (up to EXIT_FLUSH_TIMEOUT seconds).
    """
    return flush_all(timeout)


def _forget_parent_writer() -> None:
    """A forked child has none of its parent's threads: start its own writer on first use."""
    global _current, _lock
    _lock = threading.Lock()
    _current = None


def _retire_current() -> None:
    """Retire the writer as when the target changes (it drains on its own thread) and forget it."""
    global _sigterm_pending
    _retarget(None)
    _sigterm_pending = False


runtime.register("decision_log", after_fork_in_child=_forget_parent_writer, reset=_retire_current)


def record_call(decision_id: str | None, **fields: Any) -> None:
    """Record how the call behind a decision was sent (see `make_call`); returns at once.

    Nothing is recorded for a decision taken while the decision log was off
    (`decision_id` None) or while CLAUDE_PM_DECISION_LOG is unset.
    """
    if decision_id is None:
        return
    row = make_call(decision_id, **fields)
    log = get_decision_log()
    if log is not None:
        log.record_call_row(row)


def record_outcome(
    decision_id: str | None,
    *,
    success: bool | None = None,
    score: float | None = None,
    escalated: bool = False,
    retried: int = 0,
    reason: str | None = None,
) -> None:
    """Record how the call behind a decision turned out; returns at once.

    `success`: the result was good (True), not good (False) or not judged (None).
    `score`: a quality score from 0 to 1 (an evaluator's or a user's). `escalated`: the
    task was re-run on a stronger model. `retried`: how many times it was re-run.
    `reason`: a short code (see the module docstring for free text).

    `decision_id` None (a decision taken while the decision log was off) records
    nothing; so does any call while CLAUDE_PM_DECISION_LOG is unset, after the
    arguments are checked. Recording again for the same decision replaces the outcome.
    """
    if decision_id is None:
        return
    settings = get_settings()
    row = make_outcome(
        decision_id,
        success=success,
        score=score,
        escalated=escalated,
        retried=retried,
        reason=reason,
        include_text=settings.audit_include_task_text,
    )
    log = get_decision_log()
    if log is not None:
        log.record_outcome_row(row)
