"""TaskToolHelper records outcomes: executor failures, retries, fallbacks, escalations, the runner's verdict."""

from __future__ import annotations

import asyncio

import pytest
from claude_pm.decision_log import flush, open_store
from claude_pm.errors import ExecutorError
from claude_pm.utils.task_tool_helper import ESCALATED_REASON, TaskToolHelper

SIMPLE_TASK = "List files"


def _outcomes(path) -> dict[str, tuple]:
    assert flush(10)
    store = open_store(str(path))
    try:
        rows = store.query("SELECT decision_id, success, escalated, retried, reason, score FROM claude_pm_outcomes")
    finally:
        store.close()
    return {row[0]: (None if row[1] is None else bool(row[1]), bool(row[2]), row[3], row[4], row[5]) for row in rows}


def _create(helper, **kwargs):
    return asyncio.run(helper.create_agent_subprocess("engineer", SIMPLE_TASK, **kwargs))


def _usage():
    return {"input_tokens": 10, "output_tokens": 5}


def test_an_executor_failure_is_a_failed_outcome(decision_log_file):
    async def refusing(subprocess):
        raise ExecutorError("rate_limit", "slow down", 429)

    helper = TaskToolHelper(executor=refusing)
    failed = _create(helper, execute=True)
    assert failed["outcome"]["success"] is False
    assert _outcomes(decision_log_file) == {failed["decision_id"]: (False, False, 0, "rate_limit", None)}


def test_a_retry_that_succeeds_replaces_the_failure_and_counts_the_retry(decision_log_file):
    calls = []

    async def flaky(subprocess):
        calls.append(1)
        if len(calls) == 1:
            raise ExecutorError("server_error", "try later", 503)
        return {"text": "ok", "usage": _usage()}

    helper = TaskToolHelper(executor=flaky)
    failed = _create(helper, execute=True)
    asyncio.run(helper.run_subprocess(failed["subprocess_id"]))
    # The call got through on the second attempt: not judged yet, one retry, the last reason kept.
    assert _outcomes(decision_log_file) == {failed["decision_id"]: (None, False, 1, "server_error", None)}
    judged = helper.record_outcome(failed["subprocess_id"], success=True, score=0.8)
    assert judged["outcome"]["retried"] == 1
    assert _outcomes(decision_log_file)[failed["decision_id"]] == (True, False, 1, "server_error", 0.8)


def test_a_fallback_is_recorded_with_the_models_it_tried(decision_log_file):
    async def falling_back(subprocess):
        return {
            "text": "ok",
            "usage": _usage(),
            "fallback": {
                "from_model": "claude-3-haiku-20240307",
                "to_model": "claude-sonnet-4-20250514",
                "reason": "overloaded",
                "models_tried": ["claude-3-haiku-20240307", "claude-sonnet-4-20250514"],
            },
        }

    helper = TaskToolHelper(executor=falling_back)
    done = _create(helper, execute=True)
    assert _outcomes(decision_log_file) == {done["decision_id"]: (None, False, 1, "fallback:overloaded", None)}


def test_a_plain_success_is_not_judged_for_the_runner(decision_log_file):
    async def answering(subprocess):
        return {"text": "ok", "usage": _usage()}

    helper = TaskToolHelper(executor=answering)
    done = _create(helper, execute=True)
    assert done["outcome"] is None and _outcomes(decision_log_file) == {}


def test_escalating_records_the_original_as_escalated_and_reruns_on_the_stronger_model(decision_log_file):
    helper = TaskToolHelper()
    first = _create(helper)
    assert first["model_config"]["model_tier"] == "haiku"
    again = asyncio.run(helper.escalate_subprocess(first["subprocess_id"], "sonnet"))
    assert again["model_config"]["model_tier"] == "sonnet" and again["escalated_from"] == first["subprocess_id"]
    assert again["decision_id"] != first["decision_id"]
    assert _outcomes(decision_log_file) == {first["decision_id"]: (False, True, 0, ESCALATED_REASON, None)}
    # A later verdict on the original keeps the escalation.
    helper.record_outcome(first["subprocess_id"], success=False, reason="wrong_answer")
    assert _outcomes(decision_log_file)[first["decision_id"]] == (False, True, 0, "wrong_answer", None)


def test_the_runners_bad_outcome_arguments_name_them(decision_log_file):
    helper = TaskToolHelper()
    created = _create(helper)
    with pytest.raises(ValueError, match="score=2"):
        helper.record_outcome(created["subprocess_id"], score=2)
    with pytest.raises(KeyError, match="unknown subprocess_id"):
        helper.record_outcome("nope", success=True)


def test_without_a_decision_log_the_helper_still_tracks_the_outcome(monkeypatch):
    monkeypatch.delenv("CLAUDE_PM_DECISION_LOG", raising=False)
    helper = TaskToolHelper()
    created = _create(helper)
    assert created["decision_id"] is None
    assert helper.record_outcome(created["subprocess_id"], success=True)["outcome"]["success"] is True
