"""Real LiteLLM (in-process Router and its complexity router) routing with claude-pm against a
fake OpenAI-compatible provider on loopback; the decision log must hold every decision."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

if sys.version_info < (3, 10):
    pytest.skip("LiteLLM supports Python 3.10 and later only", allow_module_level=True)

# LiteLLM fetches its model price list from the internet at import unless told to use
# the copy it ships; the tests talk to loopback only.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

import litellm
from claude_pm.config import get_settings
from claude_pm.decision_log import flush, open_reader
from claude_pm.integrations.litellm import (
    ClaudePMHook,
    ClaudePMRouting,
    decision_of,
    task_text,
)

# One task per tier (scores 18, 50 and 88 with the packaged rules).
TASKS = (
    ("SIMPLE", "haiku", "List the open pull requests"),
    ("MEDIUM", "sonnet", "Implement rate limiting for the upload endpoint"),
    ("COMPLEX", "opus", "Refactor the billing system into separate services"),
)
PROMPT_TOKENS, COMPLETION_TOKENS = 11, 3
CALL_TIMEOUT = 30


class _FakeProvider(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat completions endpoint that answers with the model it was asked for."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        self.server.models.append(body.get("model"))
        answer = json.dumps(
            {
                "id": f"fake-{len(self.server.models)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "done"}, "finish_reason": "stop"}],
                "usage": {
                    "prompt_tokens": PROMPT_TOKENS,
                    "completion_tokens": COMPLETION_TOKENS,
                    "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
                },
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeProvider)
    server.models = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def decision_log(tmp_path, monkeypatch):
    target = str(tmp_path / "decisions.db")
    monkeypatch.setenv("CLAUDE_PM_DECISION_LOG", target)
    yield target
    flush(5)


@pytest.fixture
def usage_hook(monkeypatch):
    hook = ClaudePMHook()
    monkeypatch.setattr(litellm, "callbacks", [hook])
    return hook


def _model_list(provider, classifier) -> list[dict]:
    api_base = f"http://127.0.0.1:{provider.server_port}/v1"
    model_ids = get_settings().model_ids
    deployments = [
        {
            "model_name": model_ids[tier],
            "litellm_params": {
                "model": f"openai/{model_ids[tier]}",
                "api_base": api_base,
                "api_key": "test-key",
                "timeout": CALL_TIMEOUT,
            },
        }
        for tier in ("haiku", "sonnet", "opus")
    ]
    deployments.append(
        {
            "model_name": "claude-pm",
            "litellm_params": {
                "model": "auto_router/complexity_router",
                "complexity_router_default_model": model_ids["sonnet"],
                "complexity_router_config": {
                    "classifier_type": "custom",
                    "classifier_plugin": classifier,
                    "tiers": {level: model_ids[tier] for level, tier, _task in TASKS},
                },
            },
        }
    )
    return deployments


def _run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, CALL_TIMEOUT * 2))


async def _ask_each(router, metadata_for, usage_log: str | None = None) -> list[tuple[object, dict]]:
    answers = []
    for level, _tier, task in TASKS:
        metadata = metadata_for(level)
        response = await router.acompletion(
            model="claude-pm", messages=[{"role": "user", "content": task}], metadata=metadata, num_retries=0
        )
        answers.append((response, metadata))
    if usage_log is not None:
        # LiteLLM runs success callbacks as tasks of this loop after the response is
        # returned: keep the loop alive until they recorded the usage (bounded).
        deadline = time.monotonic() + CALL_TIMEOUT
        while len(_usage(usage_log)) < len(TASKS) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    return answers


def _decisions(target: str) -> dict[str, tuple]:
    rows = open_reader(target).query("SELECT id, agent, model_id, tier, level FROM claude_pm_decisions")
    return {row[0]: tuple(row[1:]) for row in rows}


def _usage(target: str) -> dict[str, tuple]:
    flush(5)
    rows = open_reader(target).query("SELECT decision_id, input_tokens, output_tokens FROM claude_pm_usage")
    return {row[0]: tuple(row[1:]) for row in rows}


def test_router_sends_three_tiers_to_three_models_and_the_log_holds_them(provider, decision_log, usage_hook):
    routing = ClaudePMRouting()
    router = litellm.Router(model_list=_model_list(provider, routing), plugins=[routing])
    answers = _run(_ask_each(router, lambda level: {"claude_pm_user_id": f"user-{level}"}, decision_log))
    model_ids = get_settings().model_ids

    expected_models = [model_ids[tier] for _level, tier, _task in TASKS]
    assert provider.models == expected_models
    decisions = [decision_of(metadata) for _response, metadata in answers]
    assert [response.model for response, _metadata in answers] == expected_models
    assert [(d["level"], d["tier"], d["model"], d["route"]) for d in decisions] == [
        (level, tier, model_ids[tier], level) for level, tier, _task in TASKS
    ]
    assert all(d["decision_id"] for d in decisions)
    # LiteLLM's own record of the routing names the tier claude-pm chose.
    assert [metadata["routing_decision"]["tier"] for _response, metadata in answers] == [
        level for level, _tier, _task in TASKS
    ]

    assert flush(10)
    assert _decisions(decision_log) == {
        d["decision_id"]: ("engineer", model_ids[tier], tier, level)
        for d, (level, tier, _task) in zip(decisions, TASKS)
    }
    assert _usage(decision_log) == {d["decision_id"]: (PROMPT_TOKENS, COMPLETION_TOKENS) for d in decisions}


def test_agent_comes_from_the_request_metadata(provider, decision_log, usage_hook):
    routing = ClaudePMRouting()
    router = litellm.Router(model_list=_model_list(provider, routing), plugins=[routing])
    answers = _run(_ask_each(router, lambda level: {"claude_pm_agent": "qa"}))
    assert flush(10)
    assert {row[0] for row in _decisions(decision_log).values()} == {"qa"}
    assert [decision_of(metadata)["agent"] for _response, metadata in answers] == ["qa"] * 3


def test_classifier_plugin_alone_routes_and_logs(provider, decision_log):
    routing = ClaudePMRouting()
    router = litellm.Router(model_list=_model_list(provider, routing))
    _run(_ask_each(router, lambda level: {}))
    model_ids = get_settings().model_ids
    assert provider.models == [model_ids[tier] for _level, tier, _task in TASKS]
    assert flush(10)
    assert sorted(row[3] for row in _decisions(decision_log).values()) == ["COMPLEX", "MEDIUM", "SIMPLE"]


def test_requests_for_a_tier_model_directly_are_not_decided(provider, decision_log):
    routing = ClaudePMRouting()
    router = litellm.Router(model_list=_model_list(provider, routing), plugins=[routing])
    haiku = get_settings().model_ids["haiku"]
    metadata: dict = {}
    _run(
        router.acompletion(
            model=haiku, messages=[{"role": "user", "content": TASKS[2][2]}], metadata=metadata, num_retries=0
        )
    )
    assert provider.models == [haiku]
    assert decision_of(metadata) is None
    assert flush(10)
    # Nothing was recorded: the writer never even created the database.
    assert not os.path.exists(decision_log) or _decisions(decision_log) == {}


def test_an_unknown_agent_falls_back_to_litellm_without_failing_the_request(provider, decision_log, caplog):
    routing = ClaudePMRouting()
    router = litellm.Router(model_list=_model_list(provider, routing), plugins=[routing])
    metadata = {"claude_pm_agent": "nobody"}
    response = _run(
        router.acompletion(
            model="claude-pm", messages=[{"role": "user", "content": TASKS[0][2]}], metadata=metadata, num_retries=0
        )
    )
    assert response.choices[0].message.content == "done"
    assert decision_of(metadata) is None
    assert metadata["routing_decision"]["cause"] != "classifier_plugin"
    assert any("unknown agent 'nobody'" in record.getMessage() for record in caplog.records)
    # The task is user data: not in the warning.
    assert not any(TASKS[0][2] in record.getMessage() for record in caplog.records)


def test_proxy_pre_call_hook_routes_and_stamps_the_decision(decision_log):
    hook = ClaudePMHook(tier_names={"haiku": "fast", "sonnet": "balanced", "opus": "strong"})
    routed = []
    for _level, _tier, task in TASKS:
        data = {"model": "claude-pm", "messages": [{"role": "user", "content": task}], "metadata": {}}
        routed.append(_run(hook.async_pre_call_hook(SimpleNamespace(user_id="u7"), None, data, "completion")))
    assert [data["model"] for data in routed] == ["fast", "balanced", "strong"]
    assert [data["metadata"]["claude_pm_user_id"] for data in routed] == ["u7"] * 3
    assert all(decision_of(data["metadata"])["decision_id"] for data in routed)

    untouched = {"model": "gpt-other", "messages": [{"role": "user", "content": "hi"}]}
    assert _run(hook.async_pre_call_hook(None, None, dict(untouched), "completion")) == untouched
    assert flush(10)
    assert len(_decisions(decision_log)) == 3


def test_proxy_pre_call_hook_defaults_to_the_chosen_model_id():
    data = {"model": "claude-pm", "messages": [{"role": "user", "content": TASKS[0][2]}]}
    routed = _run(ClaudePMHook().async_pre_call_hook(None, None, data, "completion"))
    assert routed["model"] == get_settings().model_ids["haiku"]
    assert decision_of(routed["metadata"])["decision_id"] is None  # no decision log configured


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ClaudePMRouting(agent="nobody"), "unknown agent 'nobody'"),
        (lambda: ClaudePMRouting(tier_names={"gpt": "SIMPLE"}), "tier_names={'gpt': 'SIMPLE'} is not valid"),
        (lambda: ClaudePMRouting(tier_names={"haiku": ""}), "expected a mapping from haiku, sonnet, opus"),
        (lambda: ClaudePMHook(models="claude-pm"), "models='claude-pm' is not valid"),
        (lambda: ClaudePMHook(models=[]), "expected a non-empty list of model names"),
    ],
)
def test_bad_arguments_are_named(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("[", r"\[").replace("{", r"\{")):
        make()


def test_task_text_is_the_last_user_message():
    messages = [
        {"role": "system", "content": "You are helpful"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "fix the"},
                {"type": "image_url"},
                {"type": "text", "text": "login bug"},
            ],
        },
    ]
    assert task_text(messages) == "fix the\nlogin bug"
    assert task_text([{"role": "system", "content": "x"}]) is None
    assert task_text(None) is None


def test_the_litellm_under_test_is_in_the_extra_s_range():
    from importlib.metadata import version
    from pathlib import Path

    from packaging.requirements import Requirement

    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    (requirement,) = pyproject["project"]["optional-dependencies"]["litellm"]
    assert Requirement(requirement).specifier.contains(version("litellm"))
