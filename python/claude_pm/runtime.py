"""The one registry of process state: every process-wide object, one reset, one fork handler.

Each module that owns a process-wide object (a lock, a singleton, a background thread)
keeps it in its own globals, where its hot path reads it without an extra lookup, and
registers one *holder* here under a name from `FORK_ORDER`: what a forked child must do
with that state (`after_fork_in_child`), and how to return it to its just-imported state
(`reset`). This module imports nothing of the library, so any module can register.

`reset()` returns the whole process to its just-imported state (the test suite calls it
after every test). The one `os.register_at_fork` handler below runs every registered
holder's child step in `FORK_ORDER`:

1. Locks and objects of the parent's threads, which do not exist in the child: each
   holder replaces its locks and forgets the threads' objects (the quality guard, the
   budget's fleet reader, the decision-log writers), taking no other module's lock and
   building nothing; "api_calls" counts the child's own calls from zero.
2. Writers last: "metrics_writer" starts the child's multi-process metrics writer, which
   reads what the holders before it left (the recorded statistics, the prompt cache that
   survived, a decision log starting from zero).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable, Optional

__all__ = ["FORK_ORDER", "RESET_ORDER", "Holder", "register", "registered", "reset"]

Step = Optional[Callable[[], None]]

# The child's order after os.fork(): locks and forgotten parent threads first, writers last.
FORK_ORDER = (
    "config",  # settings lock and cache
    "sessions",  # session pins: locks
    "budget",  # locks; the fleet reader's thread and connection forgotten
    "prompt_library",  # the prompt library's lock
    "prompt_cache",  # the singleton's lock; a cache caught mid-scan dropped
    "quality_guard",  # lock; the refresher thread's guard forgotten
    "decision_log_writers",  # every DecisionLog detached from the parent's threads
    "decision_log",  # the registry's lock; the child starts its own writer
    "otel",  # lock
    "metrics_exporter",  # register()'s lock
    "api_calls",  # the child counts its own API calls from zero
    "selection",  # selection lock and the router state (rebuilt on the first selection)
    "metrics_writer",  # last: the child's own multi-process writer, reading the state above
)

# reset(): the metrics writer first (its final totals read the live pipeline, and the
# pipeline finds it installed meanwhile, so no second writer starts), then what reads the
# others (so nothing keeps a stale object), the threads and the plain state, the settings last.
RESET_ORDER = (
    "metrics_writer",
    "selection",
    "quality_guard",
    "budget",
    "decision_log",
    "decision_log_writers",
    "metrics_exporter",
    "otel",
    "api_calls",
    "sessions",
    "prompt_cache",
    "prompt_library",
    "config",
)


@dataclass(frozen=True)
class Holder:
    """What one module does with its process state at a fork and at `reset()`."""

    name: str
    after_fork_in_child: Step = None
    reset: Step = None
    before_fork: Step = None
    after_fork_in_parent: Step = None


_holders: dict[str, Holder] = {}


def register(
    name: str,
    *,
    after_fork_in_child: Step = None,
    reset: Step = None,
    before_fork: Step = None,
    after_fork_in_parent: Step = None,
) -> None:
    """Register the holder `name` (one of FORK_ORDER); registering it again replaces it."""
    if name not in FORK_ORDER:
        raise ValueError(f"runtime holder name={name!r} is not valid: expected one of {', '.join(FORK_ORDER)}")
    _holders[name] = Holder(name, after_fork_in_child, reset, before_fork, after_fork_in_parent)


def registered() -> tuple[str, ...]:
    """The names of the registered holders, in FORK_ORDER."""
    return tuple(name for name in FORK_ORDER if name in _holders)


def reset() -> None:
    """Return every piece of process state to its just-imported state, in RESET_ORDER.

    Background threads are stopped (the decision-log writer is retired as when its
    target changes: it drains what it holds on its own thread), caches emptied,
    statistics zeroed, singletons forgotten; the next use builds them afresh.
    """
    for name in RESET_ORDER:
        holder = _holders.get(name)
        if holder is not None:
            if holder.reset is not None:
                holder.reset()


def _run(phase: str, order: Iterable[str]) -> None:
    # As with separate at-fork handlers, a failing step is reported (sys.unraisablehook)
    # and the next holders' steps still run: one module's failure never breaks a fork.
    for name in order:
        holder = _holders.get(name)
        step = None if holder is None else getattr(holder, phase)
        if step is not None:
            try:
                step()
            except Exception as error:
                sys.unraisablehook(
                    SimpleNamespace(
                        exc_type=type(error),
                        exc_value=error,
                        exc_traceback=error.__traceback__,
                        err_msg=f"Exception ignored in the claude_pm runtime's {phase} step of {name!r}",
                        object=step,
                    )
                )


def _before_fork() -> None:
    _run("before_fork", reversed(FORK_ORDER))


def _after_fork_in_parent() -> None:
    _run("after_fork_in_parent", FORK_ORDER)


def _after_fork_in_child() -> None:
    _run("after_fork_in_child", FORK_ORDER)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)
