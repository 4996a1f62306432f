"""AnthropicExecutor against a loopback server that speaks the Messages API shape.

The server listens on 127.0.0.1 on an ephemeral port and answers from a script of
replies, so every test is local, bounded and fast.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

anthropic = pytest.importorskip("anthropic")

from claude_pm import decision_log  # noqa: E402
from claude_pm.utils.anthropic_executor import AnthropicExecutor  # noqa: E402
from claude_pm.utils.task_tool_helper import TaskToolHelper  # noqa: E402

# Every test records into its own SQLite decision log.
pytestmark = pytest.mark.usefixtures("decision_log_file")

API_KEY = "sk-ant-loopback-test"
TASK = "List files"


@dataclass
class Reply:
    status: int = 200
    input_tokens: int = 211
    output_tokens: int = 17
    text: str = "Here are the files."
    error_message: str = ""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


class MessagesAPI:
    """The scripted server: replies are served in order, then successes."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict] = []
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.api = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def answer(self, body: dict) -> tuple[Reply, dict]:
        reply = self.replies.popleft() if self.replies else Reply()
        if reply.status != 200:
            kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(reply.status, "api_error")
            return reply, {"type": "error", "error": {"type": kind, "message": reply.error_message}}
        return reply, {
            "id": f"msg_loopback_{len(self.requests)}",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": reply.text}],
            "model": body.get("model"),
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        api: MessagesAPI = self.server.api  # type: ignore[attr-defined]
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
        api.requests.append(
            {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        )
        reply, payload = api.answer(body)
        if reply.delay:
            api.release.wait(reply.delay)
        data = json.dumps(payload).encode()
        try:
            self.send_response(reply.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def api(monkeypatch):
    server = MessagesAPI()
    server.thread.start()
    for name in (
        "ANTHROPIC_AUTH_TOKEN",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    yield server
    server.release.set()
    server.server.shutdown()
    server.server.server_close()
    server.thread.join(timeout=5)


def logged(path, decision_id: str) -> tuple[list[tuple], list[tuple]]:
    """(decision rows, usage rows) the decision log holds for `decision_id`, once written."""
    assert decision_log.flush(timeout=10)
    store = decision_log.open_store(str(path), create=False)
    try:
        decisions = store.query("SELECT model_id, task_text FROM claude_pm_decisions WHERE id = ?", (decision_id,))
        usage = store.query(
            "SELECT input_tokens, output_tokens FROM claude_pm_usage WHERE decision_id = ?", (decision_id,)
        )
    finally:
        store.close()
    return decisions, usage


def sent_key(headers: dict) -> str | None:
    """The API key a request carried: `x-api-key`, or a bearer token in newer SDKs."""
    if "x-api-key" in headers:
        return headers["x-api-key"]
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" else None


def delegate(task=TASK, **executor_options):
    """Create and execute one engineer delegation through a fresh executor."""
    executor_options.setdefault("max_retries", 0)

    async def run():
        async with AnthropicExecutor(**executor_options) as executor:
            helper = TaskToolHelper(executor=executor)
            return await helper.create_agent_subprocess("engineer", task, execute=True)

    return asyncio.run(run())


def test_request_carries_model_system_prompt_task_and_key(api, usage_calls):
    result = delegate(max_tokens=256)

    (request,) = api.requests
    assert request["path"] == "/v1/messages"
    assert sent_key(request["headers"]) == API_KEY
    assert "anthropic-version" in request["headers"]
    body = request["body"]
    assert body["model"] == result["selected_model"]
    assert body["system"] == result["prompt"]
    assert body["messages"] == [{"role": "user", "content": TASK}]
    assert body["max_tokens"] == 256


def test_answer_and_usage_reach_the_result_and_the_decision_log(api, usage_calls, decision_log_file):
    api.replies.append(Reply(input_tokens=1234, output_tokens=56, text="src/ and tests/"))
    result = delegate()

    assert result["status"] == "completed"
    assert result["results"]["text"] == "src/ and tests/"
    assert result["results"]["model"] == result["selected_model"]
    assert result["results"]["stop_reason"] == "end_turn"
    assert result["usage"] == {"input_tokens": 1234, "output_tokens": 56}
    assert usage_calls == [(result["decision_id"], 1234, 56)]
    decisions, usage = logged(decision_log_file, result["decision_id"])
    assert decisions == [(result["selected_model"], None)]
    assert usage == [(1234, 56)]


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, "rate_limit"),
        (500, "server_error"),
        (529, "server_error"),
        (400, "api_error"),
    ],
)
def test_http_errors_are_surfaced_with_the_decision_kept(api, usage_calls, decision_log_file, status, kind):
    api.replies.append(Reply(status=status, error_message=f"loopback says {status}"))
    result = delegate()

    assert result["status"] == "failed"
    assert result["error"] == {"type": kind, "message": f"loopback says {status}", "status_code": status}
    assert result["decision_id"] is not None
    assert result["usage"] is None
    assert usage_calls == []
    assert len(api.requests) == 1
    assert logged(decision_log_file, result["decision_id"]) == ([(result["selected_model"], None)], [])


def test_timeouts_are_surfaced(api, usage_calls, decision_log_file):
    api.replies.append(Reply(delay=10.0))
    result = delegate(timeout=0.3)

    assert result["status"] == "failed"
    assert result["error"]["type"] == "timeout"
    assert result["error"]["status_code"] is None
    assert usage_calls == []
    assert logged(decision_log_file, result["decision_id"]) == ([(result["selected_model"], None)], [])


def test_connection_failures_are_surfaced(monkeypatch, usage_calls, decision_log_file):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    result = delegate()

    assert result["status"] == "failed"
    assert result["error"]["type"] == "connection"
    assert logged(decision_log_file, result["decision_id"]) == ([(result["selected_model"], None)], [])


def test_retries_follow_retry_after(api, usage_calls, decision_log_file):
    api.replies.extend(
        [
            Reply(status=429, headers={"retry-after-ms": "10"}),
            Reply(status=503, headers={"retry-after-ms": "10"}),
            Reply(input_tokens=9, output_tokens=3),
        ]
    )
    result = delegate(max_retries=2)

    assert result["status"] == "completed"
    assert len(api.requests) == 3
    assert usage_calls == [(result["decision_id"], 9, 3)]
    assert logged(decision_log_file, result["decision_id"])[1] == [(9, 3)]


def test_a_client_passed_in_is_used_and_left_open(api):
    client = anthropic.AsyncAnthropic(base_url=api.url, api_key="sk-ant-other-key")

    async def run():
        async with AnthropicExecutor(client, max_retries=0) as executor:
            helper = TaskToolHelper(executor=executor)
            result = await helper.create_agent_subprocess("engineer", TASK, execute=True)
        still_open = not client.is_closed()
        await client.close()
        return result, still_open

    result, still_open = asyncio.run(run())
    assert result["status"] == "completed"
    assert sent_key(api.requests[0]["headers"]) == "sk-ant-other-key"
    assert still_open


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"max_tokens": 0}, ValueError, "max_tokens"),
        ({"max_tokens": "many"}, TypeError, "max_tokens"),
        ({"timeout": 0}, ValueError, "timeout"),
        ({"timeout": "60"}, TypeError, "timeout"),
        ({"max_retries": -1}, ValueError, "max_retries"),
        ({"max_retries": True}, TypeError, "max_retries"),
    ],
)
def test_bad_options_are_named(kwargs, error, name):
    with pytest.raises(error, match=name):
        AnthropicExecutor(**kwargs)


def test_missing_sdk_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "anthropic", None)
    with pytest.raises(ImportError, match=r"claude-pm\[anthropic\]"):
        AnthropicExecutor()
