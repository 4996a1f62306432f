"""TaskToolHelper: one selection pipeline, a tracked record per delegation, executor outcomes."""

from __future__ import annotations

import asyncio
import socket
import uuid
from datetime import datetime

import pytest
from claude_pm import selection
from claude_pm.errors import ExecutorError
from claude_pm.utils.task_tool_helper import PRIORITIES, TaskToolHelper

# Every test records into its own SQLite decision log.
pytestmark = pytest.mark.usefixtures("decision_log_file")

SIMPLE_TASK = "List files"
COMPLEX_TASK = (
    "Refactor the distributed authentication architecture across services, migrate the "
    "database schema, integrate the payment API and optimize performance end to end"
)


def create(helper, agent_type="engineer", task_description=SIMPLE_TASK, **kwargs):
    return asyncio.run(helper.create_agent_subprocess(agent_type, task_description, **kwargs))


def answering(text="done", input_tokens=120, output_tokens=30, seen=None):
    async def executor(subprocess):
        if seen is not None:
            seen.append(subprocess)
        return {"text": text, "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}}

    return executor


def raising(failure):
    async def executor(subprocess):
        raise failure

    return executor


# --- creation -------------------------------------------------------------------------


def test_result_carries_the_pipelines_decision():
    result = create(TaskToolHelper(), task_description=COMPLEX_TASK, file_count=12)
    expected = selection.select("engineer", task_description=COMPLEX_TASK, file_count=12)

    assert result["selected_model"] == expected.model_id
    assert result["model_config"]["complexity_score"] == expected.config["complexity_score"]
    assert result["model_config"]["template_used"] == expected.config["template_used"]
    assert result["agent_type"] == expected.agent
    assert result["prompt"].startswith(expected.prompt)
    assert result["complexity"] == {
        "score": expected.config["complexity_score"],
        "level": expected.config["complexity_level"],
        "signals": expected.config["signals"],
        "confidence": expected.config["confidence"],
    }
    assert result["rollout"] == expected.config["rollout"]
    assert result["decision_id"] is not None
    assert result["status"] == "created"
    assert result["usage"] is None and result["error"] is None and result["results"] is None


def test_simple_and_complex_tasks_get_different_models():
    helper = TaskToolHelper()
    simple = create(helper, task_description=SIMPLE_TASK)
    complex_ = create(
        helper,
        task_description=COMPLEX_TASK,
        file_count=20,
        integration_points=5,
        requires_testing=True,
        technical_depth=3,
    )
    assert simple["selected_model"] != complex_["selected_model"]
    assert simple["complexity"]["score"] < complex_["complexity"]["score"]


def test_subprocess_ids_are_unique_uuids_and_timestamps_are_iso():
    helper = TaskToolHelper()
    results = [create(helper) for _ in range(50)]
    ids = {r["subprocess_id"] for r in results}
    assert len(ids) == 50
    for result in results:
        assert uuid.UUID(result["subprocess_id"]).version == 4
        assert datetime.fromisoformat(result["created_at"]).tzinfo is not None


def test_prompt_renders_the_delegation():
    result = create(
        TaskToolHelper(),
        task_description="Add a retry to the upload client",
        requirements=["keep the public API", "log each retry"],
        deliverables=["patch", "unit tests"],
        dependencies=["http client refactor"],
        priority="HIGH",
    )
    delegation = result["prompt"].split("## Delegated task", 1)[1]
    assert "Add a retry to the upload client" in delegation
    assert "**Priority**: high" in delegation
    for item in ("- keep the public API", "- log each retry", "- patch", "- unit tests", "- http client refactor"):
        assert item in delegation
    assert result["priority"] == "high"
    assert result["requirements"] == ["keep the public API", "log each retry"]


def test_empty_lists_are_left_out_of_the_prompt():
    delegation = create(TaskToolHelper())["prompt"].split("## Delegated task", 1)[1]
    assert "Requirements" not in delegation and "Dependencies" not in delegation


def test_model_override_goes_through_the_pipeline():
    result = create(TaskToolHelper(), model_override="opus")
    expected = selection.select("engineer", task_description=SIMPLE_TASK, model_override="opus")
    assert result["selected_model"] == expected.model_id
    assert result["model_config"]["selection_method"] == expected.config["selection_method"] == "caller_override"


def test_facts_reach_the_scorer():
    helper = TaskToolHelper()
    bare = create(helper, task_description="Update the parser")
    with_facts = create(helper, task_description="Update the parser", file_count=15, integration_points=4)
    assert with_facts["complexity"]["score"] > bare["complexity"]["score"]


def test_no_decision_id_without_a_decision_log(monkeypatch):
    monkeypatch.delenv("CLAUDE_PM_DECISION_LOG")
    assert create(TaskToolHelper())["decision_id"] is None


def test_no_network_without_an_executor(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("TaskToolHelper opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert create(TaskToolHelper())["status"] == "created"


# --- tracking ------------------------------------------------------------------------


def test_status_is_a_copy():
    helper = TaskToolHelper()
    created = create(helper)
    status = helper.get_subprocess_status(created["subprocess_id"])
    status["status"] = "tampered"
    status["model_config"]["complexity_score"] = -1
    again = helper.get_subprocess_status(created["subprocess_id"])
    assert again["status"] == "created"
    assert again["model_config"]["complexity_score"] == created["model_config"]["complexity_score"]


def test_complete_records_results_and_usage(usage_calls):
    helper = TaskToolHelper()
    created = create(helper)
    done = helper.complete_subprocess(
        created["subprocess_id"], {"summary": "ok"}, usage={"input_tokens": 50, "output_tokens": 7}
    )
    assert done["status"] == "completed"
    assert done["results"] == {"summary": "ok"}
    assert done["usage"] == {"input_tokens": 50, "output_tokens": 7}
    assert done["completed_at"] is not None
    assert usage_calls == [(created["decision_id"], 50, 7)]
    with pytest.raises(ValueError, match="already completed"):
        helper.complete_subprocess(created["subprocess_id"], {})


def test_complete_without_usage_leaves_the_log_alone(usage_calls):
    helper = TaskToolHelper()
    created = create(helper)
    helper.complete_subprocess(created["subprocess_id"], "free text")
    assert usage_calls == []


def test_list_summarises_without_task_text():
    helper = TaskToolHelper()
    first = create(helper, task_description="Rotate the secret key for tenant 42")
    second = create(helper, agent_type="qa")
    listed = helper.list_subprocesses()
    assert [item["subprocess_id"] for item in listed] == [first["subprocess_id"], second["subprocess_id"]]
    assert "tenant 42" not in repr(listed)
    assert {"status", "selected_model", "priority", "decision_id"} <= set(listed[0])


def test_oldest_records_are_forgotten_beyond_the_bound():
    helper = TaskToolHelper(max_tracked=3)
    ids = [create(helper)["subprocess_id"] for _ in range(5)]
    assert [item["subprocess_id"] for item in helper.list_subprocesses()] == ids[2:]
    with pytest.raises(KeyError, match=ids[0]):
        helper.get_subprocess_status(ids[0])


@pytest.mark.parametrize(
    "call",
    [
        lambda helper, key: helper.get_subprocess_status(key),
        lambda helper, key: helper.complete_subprocess(key, {}),
        lambda helper, key: asyncio.run(helper.run_subprocess(key)),
    ],
)
def test_unknown_id_is_a_key_error_naming_it(call):
    helper = TaskToolHelper(executor=answering())
    with pytest.raises(KeyError, match="no-such-id"):
        call(helper, "no-such-id")


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"priority": "urgent"}, ValueError, "priority='urgent'.*low, medium, high, critical"),
        ({"priority": 3}, TypeError, "priority must be a str"),
        ({"requirements": "one requirement"}, TypeError, "requirements must be a list"),
        ({"deliverables": {"a": 1}}, TypeError, "deliverables must be a list"),
        ({"dependencies": ["ok", 7]}, TypeError, r"dependencies\[1\] must be a str"),
        ({"requirements": ["  "]}, ValueError, r"requirements\[0\] must not be empty"),
        ({"task_description": "   "}, ValueError, "task_description must not be empty"),
        ({"task_description": None}, TypeError, "task_description must be a str"),
        ({"agent_type": 5}, TypeError, "agent_type must be a str"),
        ({"execute": True}, ValueError, "execute=True needs an executor"),
        ({"execute": "yes"}, TypeError, "execute must be a bool"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        create(TaskToolHelper(), **kwargs)


def test_bad_input_creates_no_record():
    helper = TaskToolHelper()
    with pytest.raises(ValueError):
        create(helper, priority="someday")
    assert helper.list_subprocesses() == []


def test_unknown_agent_is_rejected_by_the_pipeline():
    with pytest.raises(ValueError, match="engineer"):
        create(TaskToolHelper(), agent_type="astronaut")


def test_unknown_facts_are_rejected_by_the_pipeline():
    with pytest.raises(TypeError, match="colour"):
        create(TaskToolHelper(), colour="red")


def test_every_priority_is_accepted():
    helper = TaskToolHelper()
    assert [create(helper, priority=p)["priority"] for p in PRIORITIES] == list(PRIORITIES)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"executor": "not callable"}, TypeError),
        ({"max_tracked": 0}, ValueError),
        ({"max_tracked": 2.5}, TypeError),
    ],
)
def test_bad_constructor_arguments(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        TaskToolHelper(**kwargs)


def test_run_without_executor_is_refused():
    helper = TaskToolHelper()
    created = create(helper)
    with pytest.raises(ValueError, match="needs an executor"):
        asyncio.run(helper.run_subprocess(created["subprocess_id"]))


# --- executor ------------------------------------------------------------------------


def test_execute_runs_the_delegation_and_records_usage(usage_calls):
    seen = []
    helper = TaskToolHelper(executor=answering("all files listed", 321, 12, seen))
    result = create(helper, execute=True)

    assert result["status"] == "completed"
    assert result["results"]["text"] == "all files listed"
    assert result["usage"] == {"input_tokens": 321, "output_tokens": 12}
    assert usage_calls == [(result["decision_id"], 321, 12)]
    (sent,) = seen
    assert sent["selected_model"] == result["selected_model"]
    assert sent["prompt"] == result["prompt"]
    assert sent["task_description"] == SIMPLE_TASK


def test_run_subprocess_later():
    helper = TaskToolHelper(executor=answering())
    created = create(helper)
    assert helper.get_subprocess_status(created["subprocess_id"])["status"] == "created"
    ran = asyncio.run(helper.run_subprocess(created["subprocess_id"]))
    assert ran["status"] == "completed"
    with pytest.raises(ValueError, match="is completed"):
        asyncio.run(helper.run_subprocess(created["subprocess_id"]))


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (
            ExecutorError("rate_limit", "slow down", 429),
            {"type": "rate_limit", "message": "slow down", "status_code": 429},
        ),
        (
            ExecutorError("server_error", "overloaded", 529),
            {"type": "server_error", "message": "overloaded", "status_code": 529},
        ),
        (asyncio.TimeoutError(), {"type": "timeout", "message": "the executor timed out", "status_code": None}),
        (ConnectionRefusedError("refused"), {"type": "connection", "message": "refused", "status_code": None}),
    ],
)
def test_call_failures_are_surfaced_not_raised(usage_calls, failure, error):
    helper = TaskToolHelper(executor=raising(failure))
    result = create(helper, execute=True)
    assert result["status"] == "failed"
    assert result["error"] == error
    assert result["decision_id"] is not None
    assert result["usage"] is None
    assert usage_calls == []
    assert helper.get_subprocess_status(result["subprocess_id"])["status"] == "failed"


def test_a_failed_subprocess_can_run_again():
    attempts = []

    async def flaky(subprocess):
        attempts.append(subprocess["subprocess_id"])
        if len(attempts) == 1:
            raise ExecutorError("server_error", "try later", 503)
        return {"text": "ok", "usage": {"input_tokens": 1, "output_tokens": 1}}

    helper = TaskToolHelper(executor=flaky)
    failed = create(helper, execute=True)
    assert failed["status"] == "failed"
    retried = asyncio.run(helper.run_subprocess(failed["subprocess_id"]))
    assert retried["status"] == "completed" and retried["error"] is None


def test_executor_bugs_propagate_and_mark_the_record_failed():
    helper = TaskToolHelper(executor=raising(KeyError("selected_modle")))
    created = create(helper)
    with pytest.raises(KeyError, match="selected_modle"):
        asyncio.run(helper.run_subprocess(created["subprocess_id"]))
    status = helper.get_subprocess_status(created["subprocess_id"])
    assert status["status"] == "failed" and status["error"]["type"] == "KeyError"


@pytest.mark.parametrize("outcome", [None, {"text": "no usage"}, {"usage": {"input_tokens": -1, "output_tokens": 0}}])
def test_executor_results_without_usage_are_refused(outcome):
    async def executor(subprocess):
        return outcome

    with pytest.raises(TypeError, match="usage"):
        create(TaskToolHelper(executor=executor), execute=True)


def test_concurrent_delegations_each_get_their_own_record():
    async def many(helper):
        return await asyncio.gather(
            *(helper.create_agent_subprocess("engineer", f"Fix bug number {n}") for n in range(40))
        )

    helper = TaskToolHelper()
    results = asyncio.run(many(helper))
    assert len({r["subprocess_id"] for r in results}) == 40
    assert len(helper.list_subprocesses()) == 40


def test_the_executor_cannot_change_the_record():
    async def meddling(subprocess):
        subprocess["selected_model"] = "someone-elses-model"
        return {"usage": {"input_tokens": 1, "output_tokens": 1}}

    helper = TaskToolHelper(executor=meddling)
    result = create(helper, execute=True)
    assert result["selected_model"] != "someone-elses-model"
