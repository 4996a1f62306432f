"""Sessions keep their model: within a session an agent's tier never goes down.

A provider caches the prompt prefix per model. A session that moves from opus to haiku
for a simple step, then back, pays the cache writes again each time; so once a session
(``session_id=`` on the selection entry points) has used a tier, its later steps with
the same agent keep at least that tier (and its prompt template). A harder step may
raise the tier. A session is forgotten after CLAUDE_PM_SESSION_TTL_SECONDS without a
selection.

The pins are keyed by (agent, session id): each agent has its own prompt, so its own
provider cache, and a session's engineer steps say nothing about its QA steps.

Design: one in-process ordered dict guarded by one lock, not the native cache. Idle
expiry and least-recently-used order coincide (every step moves its entry to the end),
so expired entries are dropped from the front in amortised O(1) and the entry bound
(CLAUDE_PM_SESSION_MAX_ENTRIES) evicts the least recently used. One short critical
section per step keeps the counters exact under threads. The pins live in one process:
a fleet needs sticky routing by session id (docs/sessions.md).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable

from claude_pm import runtime

__all__ = [
    "ACTIONS",
    "KEPT",
    "PINNED",
    "SESSION_ID_MAX_LENGTH",
    "STARTED",
    "UPGRADED",
    "SessionPins",
    "check_session_id",
    "session_pins",
]

SESSION_ID_MAX_LENGTH = 128

#: First step of a session (or the first after it expired): its tier becomes the pin.
STARTED = "started"
#: The step's own tier equals the pin.
KEPT = "kept"
#: The step's own tier is lower: it gets the pinned tier (route_reason "session").
PINNED = "pinned"
#: The step's own tier is higher: the pin moves up to it.
UPGRADED = "upgraded"
ACTIONS: tuple[str, ...] = (STARTED, KEPT, PINNED, UPGRADED)


def check_session_id(session_id: object) -> str:
    """`session_id` if it is a usable session id; TypeError/ValueError naming session_id otherwise."""
    if not isinstance(session_id, str):
        raise TypeError(f"session_id must be a str or None, not {type(session_id).__name__}")
    if not session_id.strip() or len(session_id) > SESSION_ID_MAX_LENGTH:
        raise ValueError(
            f"session_id must be 1 to {SESSION_ID_MAX_LENGTH} characters and not blank, "
            f"got {len(session_id)} characters"
        )
    return session_id


class SessionPins:
    """The highest tier rank (0 haiku, 1 sonnet, 2 opus) each (agent, session) has used.

    Thread-safe; `clock` (monotonic seconds) is injectable for tests.
    """

    def __init__(self, ttl_seconds: float, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[tuple[str, str], tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._clock = clock
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._pins: dict[str, int] = {}
        self._upgrades: dict[str, int] = {}
        self._started = 0
        self._expired = 0
        self._evicted = 0

    def configure(self, ttl_seconds: float, max_entries: int) -> None:
        """New bounds; a smaller entry bound evicts at once."""
        with self._lock:
            self.ttl_seconds = ttl_seconds
            self.max_entries = max_entries
            self._trim(self._clock())

    def step(self, agent: str, session_id: str, rank: int) -> tuple[int, str]:
        """Record a step whose own tier rank is `rank`; returns (rank to use, action)."""
        key = (agent, session_id)
        with self._lock:
            now = self._clock()
            entries = self._entries
            entry = entries.get(key)
            if entry is not None and now - entry[1] > self.ttl_seconds:
                del entries[key]
                self._expired += 1
                entry = None
            if entry is None:
                entries[key] = (rank, now)
                self._started += 1
                self._trim(now)
                return rank, STARTED
            entries.move_to_end(key)
            pinned = entry[0]
            if rank < pinned:
                entries[key] = (pinned, now)
                self._pins[agent] = self._pins.get(agent, 0) + 1
                return pinned, PINNED
            entries[key] = (rank, now)
            if rank > pinned:
                self._upgrades[agent] = self._upgrades.get(agent, 0) + 1
                return rank, UPGRADED
            return rank, KEPT

    def _trim(self, now: float) -> None:
        entries = self._entries
        while entries:
            key, (_, seen) = next(iter(entries.items()))
            if now - seen <= self.ttl_seconds:
                break
            del entries[key]
            self._expired += 1
        while len(entries) > self.max_entries:
            entries.popitem(last=False)
            self._evicted += 1

    def stats(self) -> dict:
        """Counters since creation: pins and upgrades per agent, sessions started, expired, evicted, live."""
        with self._lock:
            return {
                "pins": dict(self._pins),
                "upgrades": dict(self._upgrades),
                "started": self._started,
                "expired": self._expired,
                "evicted": self._evicted,
                "entries": len(self._entries),
            }

    def counts(self) -> dict:
        """Pins and upgrades per agent, read without the lock (a fork handler may call it).

        Copying a dict is one step under the GIL, so each copy is consistent on its own.
        """
        return {"pins": dict(self._pins), "upgrades": dict(self._upgrades)}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_pins: SessionPins | None = None
_pins_lock = threading.Lock()


def session_pins(ttl_seconds: float, max_entries: int) -> SessionPins:
    """The process's pins with these bounds (created on first use; kept when the settings change)."""
    global _pins
    with _pins_lock:
        if _pins is None:
            _pins = SessionPins(ttl_seconds, max_entries)
        elif (_pins.ttl_seconds, _pins.max_entries) != (ttl_seconds, max_entries):
            _pins.configure(ttl_seconds, max_entries)
        return _pins


def existing_pins() -> SessionPins | None:
    """The process's pins if any session was seen, building nothing (for metrics)."""
    return _pins


def _new_locks_in_child() -> None:
    # A parent thread may have held a lock mid-step at the fork; that thread does not
    # exist in the child. The child keeps the parent's pins (same sessions, same cache).
    global _pins_lock
    _pins_lock = threading.Lock()
    if _pins is not None:
        _pins._lock = threading.Lock()


def _forget_pins() -> None:
    global _pins
    with _pins_lock:
        _pins = None


runtime.register("sessions", after_fork_in_child=_new_locks_in_child, reset=_forget_pins)
