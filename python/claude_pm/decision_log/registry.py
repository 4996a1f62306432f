"""The process-wide decision log: one writer per configured target, flushed at exit."""

from __future__ import annotations

import atexit
import logging
import threading

from claude_pm.config import get_settings
from claude_pm.decision_log.writer import DecisionLog

__all__ = ["EXIT_FLUSH_TIMEOUT", "flush", "get_decision_log", "record_usage"]

EXIT_FLUSH_TIMEOUT = 10.0

logger = logging.getLogger("claude_pm.decision_log")
_lock = threading.Lock()
_current: DecisionLog | None = None
_retired: list[DecisionLog] = []


def get_decision_log() -> DecisionLog | None:
    """The writer for CLAUDE_PM_DECISION_LOG, or None when it is unset.

    Cheap enough for the hot path: after the first call it is one settings lookup and a
    string comparison. Changing the variable retires the old writer (it still drains
    what it holds) and starts one for the new target. Never connects on the caller's
    thread; raises only ConfigError for a malformed target.
    """
    target = get_settings().decision_log
    current = _current
    if current is not None and current.target == target:
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
            _retired.append(_current)
            threading.Thread(target=_current.close, name="claude-pm-decision-log-retire", daemon=True).start()
        _current = None if target is None else DecisionLog(target)
        return _current


def record_usage(decision_id: str, input_tokens: int, output_tokens: int) -> None:
    """Attach real token counts to a decision; a no-op while the decision log is off."""
    log = get_decision_log()
    if log is not None:
        log.record_usage(decision_id, input_tokens, output_tokens)


def flush(timeout: float | None = None) -> bool:
    """Wait until every decision recorded so far is committed; False if `timeout` ran out."""
    with _lock:
        _retired[:] = [log for log in _retired if log.running]
        logs = [*_retired, *([_current] if _current is not None else [])]
    return all([log.flush(timeout) for log in logs])


def _flush_at_exit() -> None:
    if not flush(EXIT_FLUSH_TIMEOUT):
        logger.error("decision log: some decisions were not written within %ss of exit", EXIT_FLUSH_TIMEOUT)


atexit.register(_flush_at_exit)
