"""Rollout decisions against deciding from the environment on every call, in the same run.

Run with ``python -m pytest benches/test_rollout_bench.py --benchmark-enable``.
The baseline is what the guide's snippets do when combined naively: read and parse the
switches, the forced model, the percentage and the windows from ``os.environ`` per call,
hash the user id with md5 per call and read the clock per call.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime

import pytest
from claude_pm.config import parse_bool, parse_rollout_windows
from claude_pm.rollout import should_enable_optimization

USER_IDS = [f"user-{n}" for n in range(512)]


def per_call_decision(agent: str, user_id: str | None = None, now: datetime | None = None) -> bool:
    prefix = f"CLAUDE_PM_{agent.upper()}_"
    if os.environ.get(prefix + "MODEL"):
        return False
    switch = os.environ.get(prefix + "MODEL_SELECTION")
    if switch is not None:
        if not parse_bool(prefix + "MODEL_SELECTION", switch):
            return False
    elif not parse_bool("ENABLE_DYNAMIC_MODEL_SELECTION", os.environ.get("ENABLE_DYNAMIC_MODEL_SELECTION", "true")):
        return False
    windows_raw = os.environ.get("CLAUDE_PM_ROLLOUT_WINDOWS")
    if windows_raw:
        windows, _ = parse_rollout_windows(windows_raw)
        moment = (now or datetime.now()).time()
        if not any(window.contains(moment) for window in windows):
            return False
    percentage = float(
        os.environ.get(prefix + "ROLLOUT_PERCENTAGE") or os.environ.get("CLAUDE_PM_ROLLOUT_PERCENTAGE") or 100
    )
    if percentage >= 100:
        return True
    if not user_id:
        return False
    return int(hashlib.md5(user_id.encode()).hexdigest(), 16) % 100 < percentage


SCENARIOS = {
    "no gates": {},
    "percentage 30": {"CLAUDE_PM_ROLLOUT_PERCENTAGE": "30"},
    "window + percentage": {"CLAUDE_PM_ROLLOUT_WINDOWS": "00:00-23:59", "CLAUDE_PM_ROLLOUT_PERCENTAGE": "30"},
}


def _cycle_users(decide):
    users = iter(())

    def one_call():
        nonlocal users
        user_id = next(users, None)
        if user_id is None:
            users = iter(USER_IDS)
            user_id = next(users)
        return decide("engineer", user_id)

    return one_call


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_precomputed_decision(benchmark, monkeypatch, scenario):
    benchmark.group = f"rollout decision: {scenario}"
    for name, value in SCENARIOS[scenario].items():
        monkeypatch.setenv(name, value)
    library = [should_enable_optimization("engineer", user_id).enabled for user_id in USER_IDS]
    assert library == [per_call_decision("engineer", user_id) for user_id in USER_IDS]
    benchmark(_cycle_users(should_enable_optimization))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_baseline_decision_per_call(benchmark, monkeypatch, scenario):
    benchmark.group = f"rollout decision: {scenario}"
    for name, value in SCENARIOS[scenario].items():
        monkeypatch.setenv(name, value)
    benchmark(_cycle_users(per_call_decision))
