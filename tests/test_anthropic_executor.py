"""AnthropicExecutor against a loopback server that speaks the Messages API shape.

The server listens on 127.0.0.1 on an ephemeral port and answers from a script of
replies, so every test is local, bounded and fast.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import sample_value as _value
from prometheus_client import CollectorRegistry, generate_latest

anthropic = pytest.importorskip("anthropic")

from claude_pm import api_keys, config, decision_log, metrics  # noqa: E402
from claude_pm.cli import main  # noqa: E402
from claude_pm.errors import ConfigError, ExecutorError  # noqa: E402
from claude_pm.metrics.api_calls import api_call_stats  # noqa: E402
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
    """The scripted server: replies are served in order, then successes.

    `by_model[model]` scripts the replies to one model; the others come from `replies`.
    """

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.by_model: dict[str, deque[Reply]] = {}
        self.requests: list[dict] = []
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.api = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, model: str, *replies: Reply) -> None:
        self.by_model.setdefault(model, deque()).extend(replies)

    def answer(self, body: dict) -> tuple[Reply, dict]:
        scripted = self.by_model.get(body.get("model"))
        if scripted:
            reply = scripted.popleft()
        else:
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
def test_http_errors_are_surfaced_with_the_decision_kept(
    api, usage_calls, decision_log_file, monkeypatch, status, kind
):
    monkeypatch.setenv("CLAUDE_PM_FALLBACK_CHAIN", "off")
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


def test_retries_follow_retry_after(api, usage_calls, decision_log_file, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_FALLBACK_CHAIN", "off")
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


# --- per-model API keys, rate limits, fallbacks ------------------------------------------

HAIKU, SONNET, OPUS = (config.DEFAULT_MODEL_IDS[tier] for tier in config.TIERS)
RATE_LIMIT_HEADERS = {
    "anthropic-ratelimit-requests-limit": "50",
    "anthropic-ratelimit-requests-remaining": "49",
    "anthropic-ratelimit-requests-reset": "2999-01-01T00:00:30Z",
    "anthropic-ratelimit-tokens-limit": "100000",
    "anthropic-ratelimit-tokens-remaining": "4000",
    "anthropic-ratelimit-tokens-reset": "2999-01-01T00:00:40.5+00:00",
    "anthropic-ratelimit-input-tokens-limit": "80000",
    "anthropic-ratelimit-input-tokens-remaining": "79000",
    "anthropic-ratelimit-input-tokens-reset": "2999-01-01T00:00:20Z",
    "anthropic-ratelimit-output-tokens-limit": "20000",
    "anthropic-ratelimit-output-tokens-remaining": "19990",
    "anthropic-ratelimit-output-tokens-reset": "2999-01-01T00:00:10Z",
}


@pytest.fixture(autouse=True)
def fresh_api_call_stats():
    api_call_stats().reset()
    yield
    api_call_stats().reset()


def run_one(model: str, agent: str = "engineer", decision_id: str | None = None, **executor_options):
    """One call of a fresh executor on `model` (the subprocess dict TaskToolHelper would pass)."""
    executor_options.setdefault("max_retries", 0)

    async def run():
        async with AnthropicExecutor(**executor_options) as executor:
            return await executor(
                {
                    "agent_type": agent,
                    "selected_model": model,
                    "prompt": "You are helpful.",
                    "task_description": TASK,
                    "decision_id": decision_id,
                }
            )

    return asyncio.run(run())


def key_file(directory: Path, name: str, key: str) -> Path:
    """A key file laid out as the kubelet mounts a Secret: name -> ..data/name, ..data -> a dated dir."""
    version = directory / f"..2026_12_01_{len(list(directory.glob('..2026_*')))}"
    version.mkdir(parents=True)
    (version / name).write_text(key + "\n")
    data = directory / "..data"
    temporary = directory / "..data_tmp"
    temporary.symlink_to(version.name)
    os.replace(temporary, data)  # the atomic swap the kubelet does on rotation
    link = directory / name
    if not link.is_symlink():
        link.symlink_to(f"..data/{name}")
    return link


def scrape() -> str:
    registry = CollectorRegistry()
    metrics.register(registry)
    try:
        return generate_latest(registry).decode()
    finally:
        metrics.unregister(registry)


def calls_logged(path) -> list[tuple]:
    assert decision_log.flush(timeout=10)
    store = decision_log.open_store(str(path), create=False)
    try:
        return store.query(
            "SELECT decision_id, key_slot, requested_model, final_model, fallback_reason, status, http_status, "
            "attempts, models_tried FROM claude_pm_calls ORDER BY ts"
        )
    finally:
        store.close()


def test_each_tier_sends_its_own_key_and_the_rest_the_sdk_key(api, monkeypatch, tmp_path):
    monkeypatch.setenv("CLAUDE_PM_HAIKU_API_KEY", "sk-ant-haiku-key")
    monkeypatch.setenv("CLAUDE_PM_OPUS_API_KEY_FILE", str(key_file(tmp_path / "secret", "opus", "sk-ant-opus-key")))
    results = [run_one(model) for model in (HAIKU, SONNET, OPUS)]

    assert [sent_key(request["headers"]) for request in api.requests] == [
        "sk-ant-haiku-key",
        API_KEY,  # no sonnet key: ANTHROPIC_API_KEY
        "sk-ant-opus-key",
    ]
    assert [result["key_slot"] for result in results] == ["haiku", "env", "opus"]
    assert [request["body"]["model"] for request in api.requests] == [HAIKU, SONNET, OPUS]


def test_an_agents_own_key_beats_the_tier_key(api, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_OPUS_API_KEY", "sk-ant-opus-key")
    monkeypatch.setenv("CLAUDE_PM_ORCHESTRATOR_API_KEY", "sk-ant-pm-key")  # the alias names agent pm
    pm, qa = run_one(OPUS, agent="pm"), run_one(OPUS, agent="qa")

    assert [sent_key(request["headers"]) for request in api.requests] == ["sk-ant-pm-key", "sk-ant-opus-key"]
    assert (pm["key_slot"], qa["key_slot"]) == ("agent:pm", "opus")


def test_a_rotated_key_file_is_used_without_a_restart(api, monkeypatch, tmp_path):
    monkeypatch.setattr(api_keys, "KEY_RECHECK_SECONDS", 0.0)
    secret = tmp_path / "secret"
    monkeypatch.setenv("CLAUDE_PM_SONNET_API_KEY_FILE", str(key_file(secret, "sonnet", "sk-ant-before")))

    async def run():
        async with AnthropicExecutor(max_retries=0) as executor:
            subprocess = {"agent_type": "qa", "selected_model": SONNET, "prompt": "p", "task_description": TASK}
            await executor(subprocess)
            key_file(secret, "sonnet", "sk-ant-after")  # the Secret changed: the kubelet swaps ..data
            await executor(subprocess)

    asyncio.run(run())
    assert [sent_key(request["headers"]) for request in api.requests] == ["sk-ant-before", "sk-ant-after"]


def test_a_key_file_is_checked_at_most_once_per_recheck_interval(monkeypatch, tmp_path):
    monkeypatch.setattr(api_keys, "KEY_RECHECK_SECONDS", 3600.0)
    path = tmp_path / "key"
    path.write_text("sk-ant-first\n")
    monkeypatch.setenv("CLAUDE_PM_HAIKU_API_KEY_FILE", str(path))
    ring = api_keys.KeyRing()
    settings = config.get_settings()
    assert ring.resolve(settings, "qa", "haiku").key == "sk-ant-first"
    path.write_text("sk-ant-second\n")
    assert ring.resolve(settings, "qa", "haiku").key == "sk-ant-first"  # not stat-ed again yet
    monkeypatch.setattr(api_keys, "KEY_RECHECK_SECONDS", 0.0)
    assert ring.resolve(settings, "qa", "haiku").key == "sk-ant-second"


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "missing", "No such file"),
        (lambda d: d, "not a regular file"),
        (lambda d: _write(d / "empty", b"\n  \n"), "empty"),
        (lambda d: _write(d / "big", b"sk-ant-" + b"x" * (api_keys.KEY_FILE_MAX_BYTES + 1)), "at most 4096 bytes"),
        (lambda d: _write(d / "binary", b"sk-ant-\xff\xfe-SECRETPART"), "ASCII"),
        (lambda d: _write(d / "two", b"sk-ant-SECRETPART\nsk-ant-SECRETPART2\n"), "without spaces"),
    ],
    ids=["missing", "directory", "empty", "too large", "not ascii", "two keys"],
)
def test_a_bad_key_file_is_a_config_error_naming_the_variable(monkeypatch, tmp_path, make, expected):
    path = make(tmp_path)
    monkeypatch.setenv("CLAUDE_PM_QA_API_KEY_FILE", str(path))
    with pytest.raises(ConfigError) as raised:
        AnthropicExecutor()
    assert raised.value.variable == "CLAUDE_PM_QA_API_KEY_FILE"
    assert expected in str(raised.value)
    assert "SECRETPART" not in str(raised.value)
    assert [error.variable for error in config.validate_environment()] == ["CLAUDE_PM_QA_API_KEY_FILE"]


def test_a_key_file_that_goes_bad_fails_the_call_with_a_config_error(api, monkeypatch, tmp_path):
    monkeypatch.setattr(api_keys, "KEY_RECHECK_SECONDS", 0.0)
    path = tmp_path / "key"
    path.write_text("sk-ant-good\n")
    monkeypatch.setenv("CLAUDE_PM_HAIKU_API_KEY_FILE", str(path))

    async def run():
        async with AnthropicExecutor(max_retries=0) as executor:
            subprocess = {"selected_model": HAIKU, "prompt": "p", "task_description": TASK}
            await executor(subprocess)
            path.write_text("")
            with pytest.raises(ConfigError, match=r"CLAUDE_PM_HAIKU_API_KEY_FILE.*empty"):
                await executor(subprocess)

    asyncio.run(run())
    assert len(api.requests) == 1  # the stale key was not sent


def test_both_spellings_of_one_slot_are_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("CLAUDE_PM_OPUS_API_KEY", "sk-ant-SECRETPART")
    monkeypatch.setenv("CLAUDE_PM_OPUS_API_KEY_FILE", str(_write(tmp_path / "k", b"sk-ant-other")))
    with pytest.raises(ConfigError, match="only one of CLAUDE_PM_OPUS_API_KEY and CLAUDE_PM_OPUS_API_KEY_FILE"):
        config.get_settings()


SENTINEL = "sk-ant-SENTINEL-0123456789-abcdefghijklmnopqrstuvwxyz-TAIL"


def test_a_key_never_shows_in_logs_errors_results_reprs_metrics_config_check_or_the_decision_log(
    api, monkeypatch, tmp_path, decision_log_file, caplog
):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("CLAUDE_PM_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("CLAUDE_PM_HAIKU_API_KEY", SENTINEL)
    monkeypatch.setenv("CLAUDE_PM_SONNET_API_KEY_FILE", str(_write(tmp_path / "k", SENTINEL.encode() + b"\n")))
    monkeypatch.setenv("CLAUDE_PM_QA_API_KEY", SENTINEL + "-qa")
    api.script(HAIKU, Reply(status=429, headers=RATE_LIMIT_HEADERS))
    api.script(SONNET, Reply(status=500))
    api.script(OPUS, Reply(status=400, error_message="bad request"))

    async def run():
        async with AnthropicExecutor(max_retries=0) as executor:
            helper = TaskToolHelper(executor=executor)
            created = await helper.create_agent_subprocess("engineer", TASK, model_override="haiku")
            failed = await helper.run_subprocess(created["subprocess_id"])
            return failed, repr(executor), repr(executor.client.middleware)

    failed, executor_repr, middleware_repr = asyncio.run(run())
    assert [sent_key(request["headers"]) for request in api.requests[:2]] == [SENTINEL, SENTINEL]
    settings = config.get_settings()
    with pytest.raises(ConfigError) as raised:
        api_keys.check_key("CLAUDE_PM_HAIKU_API_KEY", SENTINEL + " x", "the variable")
    check = CliRunner().invoke(main, ["config", "check", "--json"], catch_exceptions=False)
    check_table = CliRunner().invoke(main, ["config", "check"], catch_exceptions=False)
    assert decision_log.flush(timeout=10)
    store = decision_log.open_store(str(decision_log_file), create=False)
    try:
        tables = [row[0] for row in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
        stored = [store.query(f"SELECT * FROM {table}") for table in tables]
    finally:
        store.close()

    shown = {
        "logs": caplog.text,
        "result": repr(failed),
        "error": str(raised.value) + repr(raised.value.value),
        "executor repr": executor_repr + middleware_repr,
        "settings repr": repr(settings) + repr(dict(settings.api_keys)),
        "resolved repr": repr(api_keys.KeyRing().resolve(settings, "qa", "haiku")),
        "config check": check.output + check_table.output,
        "metrics": scrape(),
        "decision log": repr(stored),
    }
    for where, text in shown.items():
        assert SENTINEL[:-4] not in text, where
    assert "set (…TAIL)" in check_table.output
    assert "claude_pm_calls" in tables
    keys = {slot["slot"]: slot["key"] for slot in json.loads(check.output)["key_slots"]}
    assert keys == {"haiku": "set (…TAIL)", "sonnet": "set (…TAIL)", "agent:qa": "set (…L-qa)", "env": "set (…test)"}


def test_rate_limit_headers_become_gauges_per_model_and_key_slot(api, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_OPUS_API_KEY", "sk-ant-opus-key")
    api.replies.append(Reply(headers=RATE_LIMIT_HEADERS))
    run_one(OPUS)
    text = scrape()

    labels = f'key_slot="opus",model="{OPUS}"'
    assert _value(text, f'claude_pm_api_responses_total{{{labels},status_class="2xx"}}') == 1
    for resource, remaining, limit in (
        ("requests", 49, 50),
        ("tokens", 4000, 100000),
        ("input_tokens", 79000, 80000),
        ("output_tokens", 19990, 20000),
    ):
        assert _value(text, f'claude_pm_api_ratelimit_remaining{{{labels},resource="{resource}"}}') == remaining
        assert _value(text, f'claude_pm_api_ratelimit_limit{{{labels},resource="{resource}"}}') == limit
    tokens_reset = _value(text, f'claude_pm_api_ratelimit_reset_seconds{{{labels},resource="tokens"}}')
    requests_reset = _value(text, f'claude_pm_api_ratelimit_reset_seconds{{{labels},resource="requests"}}')
    assert tokens_reset - requests_reset == pytest.approx(10.5, abs=0.01)
    assert "claude_pm_api_malformed_headers_total{" not in text


def test_every_attempt_of_the_sdks_retries_is_counted(api, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_FALLBACK_CHAIN", "off")
    api.replies.extend(
        [
            Reply(status=429, headers={"retry-after": "0.01", **RATE_LIMIT_HEADERS}),
            Reply(status=529, headers={"retry-after": "0.01"}),
            Reply(headers={"anthropic-ratelimit-tokens-remaining": "3000"}),
        ]
    )
    result = run_one(SONNET, max_retries=2)
    text = scrape()

    assert result["fallback"] is None and len(api.requests) == 3
    labels = f'key_slot="env",model="{SONNET}"'
    assert _value(text, f'claude_pm_api_responses_total{{{labels},status_class="4xx"}}') == 1
    assert _value(text, f'claude_pm_api_responses_total{{{labels},status_class="5xx"}}') == 1
    assert _value(text, f'claude_pm_api_responses_total{{{labels},status_class="2xx"}}') == 1
    assert _value(text, f"claude_pm_api_rate_limited_total{{{labels}}}") == 1
    assert _value(text, f"claude_pm_api_overloaded_total{{{labels}}}") == 1
    # The latest reading wins; the limit comes from the earlier response that sent it.
    assert _value(text, f'claude_pm_api_ratelimit_remaining{{{labels},resource="tokens"}}') == 3000
    assert _value(text, f'claude_pm_api_ratelimit_limit{{{labels},resource="tokens"}}') == 100000
    assert 0 <= _value(text, f"claude_pm_api_retry_after_seconds{{{labels}}}") <= 0.01


def test_malformed_rate_limit_headers_are_counted_and_left_out(api):
    api.replies.append(
        Reply(
            headers={
                "anthropic-ratelimit-tokens-remaining": "lots",
                "anthropic-ratelimit-tokens-limit": "-5",
                "anthropic-ratelimit-tokens-reset": "tomorrow",
                "anthropic-ratelimit-requests-remaining": "nan",
                "anthropic-ratelimit-requests-reset": "2026-13-45T99:00:00Z",
                "anthropic-ratelimit-output-tokens-remaining": "1e400",
                "retry-after": "soon",
                "anthropic-ratelimit-input-tokens-remaining": "12",
            }
        )
    )
    result = run_one(HAIKU)
    text = scrape()

    assert result["text"] == "Here are the files."
    labels = f'key_slot="env",model="{HAIKU}"'
    for header in (
        "anthropic-ratelimit-tokens-remaining",
        "anthropic-ratelimit-tokens-limit",
        "anthropic-ratelimit-tokens-reset",
        "anthropic-ratelimit-requests-remaining",
        "anthropic-ratelimit-requests-reset",
        "anthropic-ratelimit-output-tokens-remaining",
        "retry-after",
    ):
        assert _value(text, f'claude_pm_api_malformed_headers_total{{header="{header}",{labels}}}') == 1
    assert _value(text, f'claude_pm_api_ratelimit_remaining{{{labels},resource="input_tokens"}}') == 12
    assert 'resource="tokens"' not in text
    assert "claude_pm_api_retry_after_seconds{" not in text


@pytest.mark.parametrize(
    ("status", "reason"),
    [(429, "rate_limit"), (529, "overloaded"), (500, "server_error"), (503, "server_error")],
)
def test_a_failing_tier_falls_back_to_the_next_tier_up(api, monkeypatch, decision_log_file, status, reason):
    monkeypatch.setenv("CLAUDE_PM_SONNET_API_KEY", "sk-ant-sonnet-key")
    api.script(HAIKU, Reply(status=status, headers={"retry-after": "0.01"}), Reply(status=status))
    api.script(SONNET, Reply(input_tokens=5, output_tokens=2))

    async def run():
        async with AnthropicExecutor(max_retries=1) as executor:
            helper = TaskToolHelper(executor=executor)
            return await helper.create_agent_subprocess("qa", TASK, model_override="haiku", execute=True)

    result = asyncio.run(run())

    assert result["status"] == "completed"
    assert [request["body"]["model"] for request in api.requests] == [HAIKU, HAIKU, SONNET]  # SDK retry, then fallback
    assert sent_key(api.requests[-1]["headers"]) == "sk-ant-sonnet-key"  # the key of the model it went to
    outcome = result["results"]
    assert outcome["model"] == SONNET and outcome["requested_model"] == HAIKU and outcome["key_slot"] == "sonnet"
    assert outcome["fallback"] == {
        "from_model": HAIKU,
        "to_model": SONNET,
        "reason": reason,
        "models_tried": [HAIKU, SONNET],
    }
    assert calls_logged(decision_log_file) == [
        (result["decision_id"], "sonnet", HAIKU, SONNET, reason, "completed", 200, 2, f"{HAIKU},{SONNET}")
    ]
    text = scrape()
    assert (
        _value(text, f'claude_pm_api_fallbacks_total{{from_model="{HAIKU}",reason="{reason}",to_model="{SONNET}"}}')
        == 1
    )


def test_all_fallbacks_exhausted_is_an_error_naming_each_model_tried(api, decision_log_file):
    api.script(HAIKU, Reply(status=429))
    api.script(SONNET, Reply(status=529))
    api.script(OPUS, Reply(status=500, error_message="opus is down"))

    async def run():
        async with AnthropicExecutor(max_retries=0) as executor:
            helper = TaskToolHelper(executor=executor)
            return await helper.create_agent_subprocess("qa", TASK, model_override="haiku", execute=True)

    result = asyncio.run(run())

    assert result["status"] == "failed"
    assert result["error"] == {
        "type": "server_error",
        "message": f"all fallbacks exhausted, tried {HAIKU} (HTTP 429), {SONNET} (HTTP 529), {OPUS} (HTTP 500): "
        "opus is down",
        "status_code": 500,
    }
    assert calls_logged(decision_log_file) == [
        (result["decision_id"], "env", HAIKU, OPUS, "rate_limit", "failed", 500, 3, f"{HAIKU},{SONNET},{OPUS}")
    ]


def test_a_bad_request_never_falls_back(api, decision_log_file):
    api.script(HAIKU, Reply(status=400, error_message="max_tokens too large"))
    with pytest.raises(ExecutorError) as raised:
        run_one(HAIKU, decision_id="0e5a1b1c-6f43-4c1e-9d1e-3f1f6b9c2a11")

    assert (raised.value.kind, raised.value.status_code, raised.value.message) == (
        "api_error",
        400,
        "max_tokens too large",
    )
    assert [request["body"]["model"] for request in api.requests] == [HAIKU]
    assert calls_logged(decision_log_file) == [
        ("0e5a1b1c-6f43-4c1e-9d1e-3f1f6b9c2a11", "env", HAIKU, HAIKU, None, "failed", 400, 1, HAIKU)
    ]
    assert "claude_pm_api_fallbacks_total{" not in scrape()


def test_connection_failures_do_not_fall_back(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    with pytest.raises(ExecutorError) as raised:
        run_one(HAIKU)
    assert raised.value.kind == "connection"
    assert "claude_pm_api_fallbacks_total{" not in scrape()


def test_the_strongest_tier_has_nowhere_to_fall_back_by_default(api):
    api.script(OPUS, Reply(status=529, error_message="overloaded"))
    with pytest.raises(ExecutorError) as raised:
        run_one(OPUS)
    assert raised.value.message == "overloaded"  # one model tried: no "exhausted" preamble
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("chain", "models"),
    [
        ("off", [HAIKU]),
        ("haiku>opus", [HAIKU, OPUS]),
        ("haiku>sonnet, opus>sonnet", [HAIKU, SONNET]),
    ],
)
def test_the_fallback_chain_is_configurable(api, monkeypatch, chain, models):
    monkeypatch.setenv("CLAUDE_PM_FALLBACK_CHAIN", chain)
    api.script(HAIKU, Reply(status=429))
    api.script(SONNET, Reply(status=500))
    try:
        run_one(HAIKU)
    except ExecutorError:
        pass
    assert [request["body"]["model"] for request in api.requests] == models


def test_opus_can_fall_back_down(api, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_FALLBACK_CHAIN", "opus>sonnet")
    api.script(OPUS, Reply(status=529))
    result = run_one(OPUS)
    assert result["model"] == SONNET and result["fallback"]["reason"] == "overloaded"


def test_a_model_outside_the_tiers_does_not_fall_back(api):
    api.script("claude-3-5-custom-20990101", Reply(status=429))
    with pytest.raises(ExecutorError, match="rate_limit"):
        run_one("claude-3-5-custom-20990101")
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    "chain", ["haiku>sonnet>haiku", "haiku>sonnet,sonnet>opus,opus>haiku", "haiku>gpt-4", "haiku>sonnet,haiku>opus"]
)
def test_a_chain_that_loops_or_names_an_unknown_tier_is_a_config_error(monkeypatch, chain):
    monkeypatch.setenv("CLAUDE_PM_FALLBACK_CHAIN", chain)
    with pytest.raises(ConfigError) as raised:
        AnthropicExecutor()
    assert raised.value.variable == "CLAUDE_PM_FALLBACK_CHAIN"


def test_a_decision_run_again_replaces_its_call_row(api, decision_log_file, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_FALLBACK_CHAIN", "off")
    api.script(HAIKU, Reply(status=529), Reply())

    async def run():
        async with AnthropicExecutor(max_retries=0) as executor:
            helper = TaskToolHelper(executor=executor)
            first = await helper.create_agent_subprocess("qa", TASK, model_override="haiku", execute=True)
            assert first["status"] == "failed"
            return await helper.run_subprocess(first["subprocess_id"])

    result = asyncio.run(run())
    assert result["status"] == "completed"
    assert calls_logged(decision_log_file) == [
        (result["decision_id"], "env", HAIKU, HAIKU, None, "completed", 200, 1, HAIKU)
    ]


def test_an_sdk_without_middleware_still_counts_each_calls_final_answer(api, monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_FALLBACK_CHAIN", "off")
    api.script(HAIKU, Reply(status=429, headers={"anthropic-ratelimit-requests-remaining": "0"}), Reply())

    async def run():
        async with AnthropicExecutor(max_retries=0) as executor:
            executor._observes_attempts = False  # what an older SDK (no `middleware`) leads to
            subprocess = {"selected_model": HAIKU, "prompt": "p", "task_description": TASK}
            with pytest.raises(ExecutorError):
                await executor(subprocess)
            await executor(subprocess)

    asyncio.run(run())
    text = scrape()
    labels = f'key_slot="env",model="{HAIKU}"'
    assert _value(text, f'claude_pm_api_responses_total{{{labels},status_class="4xx"}}') == 1
    assert _value(text, f'claude_pm_api_responses_total{{{labels},status_class="2xx"}}') == 1
    assert _value(text, f'claude_pm_api_ratelimit_remaining{{{labels},resource="requests"}}') == 0


def test_an_inline_key_that_cannot_be_a_header_is_a_config_error_with_the_key_redacted(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_SONNET_API_KEY", "sk-ant-SECRETPART with a space")
    with pytest.raises(ConfigError) as raised:
        AnthropicExecutor()
    assert raised.value.variable == "CLAUDE_PM_SONNET_API_KEY"
    assert "SECRETPART" not in str(raised.value) and raised.value.value == config.REDACTED
    (error,) = config.validate_environment()
    assert error.variable == "CLAUDE_PM_SONNET_API_KEY" and "SECRETPART" not in str(error)


def test_config_check_fails_on_a_bad_key_file_without_showing_its_content(monkeypatch, tmp_path):
    monkeypatch.setenv("CLAUDE_PM_OPUS_API_KEY_FILE", str(_write(tmp_path / "key", b"sk-ant-SECRETPART \x01\n")))
    result = CliRunner().invoke(main, ["config", "check"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "CLAUDE_PM_OPUS_API_KEY_FILE" in result.output and "SECRETPART" not in result.output
