"""SIGTERM flushes the decision log first, then does what the process would have done anyway.

Kubernetes sends SIGTERM on every rollout and scale-down, and a Python process without a
SIGTERM handler dies at once, skipping ``atexit``: everything still queued would be
lost. So when the registry starts its first writer (CLAUDE_PM_DECISION_LOG set, and
CLAUDE_PM_DECISION_LOG_SIGTERM_FLUSH not false) it chains a handler in front of the
current one:

- the previous handler was the default: flush and stop every writer (up to
  EXIT_FLUSH_TIMEOUT s, counting what is left), then restore the default and re-send
  SIGTERM, so the process still ends "killed by SIGTERM";
- the application's own Python handler: flush (same bound), then call it;
- SIG_IGN: flush, and carry on.

A second SIGTERM during the flush skips the flush and goes straight to the previous
behaviour. Python only lets the main thread install signal handlers; first used from
another thread, the registry installs the handler at the next use from the main thread
(or call `install_sigterm_flush()` there at start-up). A handler installed later by the
application replaces this one; it then owns the flush (``sys.exit`` runs the ``atexit``
flush).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import Any

from claude_pm.decision_log.writer import EXIT_FLUSH_TIMEOUT, flush_all, shutdown

__all__ = ["install_sigterm_flush"]

logger = logging.getLogger("claude_pm.decision_log")

_installed = False
_previous: Any = signal.SIG_DFL
_flushing = False


def install_sigterm_flush() -> bool:
    """Chain the decision-log flush in front of this process's SIGTERM handling; True once installed.

    Returns False (and installs nothing) off the main thread. A handler installed
    outside Python cannot be chained: nothing is installed, a warning says so once, and
    later calls do nothing.
    """
    global _installed, _previous
    if _installed:
        return True
    if threading.current_thread() is not threading.main_thread():
        return False
    previous = signal.getsignal(signal.SIGTERM)
    if previous is None:
        logger.warning(
            "decision log: SIGTERM has a handler installed outside Python; not chaining a flush "
            "onto it (flush the decision log on shutdown yourself)"
        )
        _installed = True
        return True
    signal.signal(signal.SIGTERM, _on_sigterm)
    _previous, _installed = previous, True
    return True


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _flushing
    previous = _previous
    if not _flushing:
        _flushing = True
        try:
            if callable(previous) or previous == signal.SIG_IGN:
                if not flush_all(EXIT_FLUSH_TIMEOUT):
                    logger.error("decision log: SIGTERM flush did not finish within %ss", EXIT_FLUSH_TIMEOUT)
            else:
                shutdown(EXIT_FLUSH_TIMEOUT)
        finally:
            _flushing = False
    if callable(previous):
        previous(signum, frame)
    elif previous != signal.SIG_IGN:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
