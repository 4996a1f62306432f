"""Every ```python block of README.md and docs/*.md runs, each in a fresh interpreter.

How a block is run, what a shown result is and how a block opts out:
tests/doc_examples.py. Each block gets the documented defaults (no claude-pm variable
set) plus a decision log, a working directory and a state directory of its own, and an
Anthropic Messages API on loopback (`ANTHROPIC_BASE_URL`, a placeholder key), so the
examples that call a model run without the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import _is_claude_pm_variable
from doc_examples import Block, documentation_files, python_blocks, write_block

RUNNER = Path(__file__).with_name("doc_examples.py")
BLOCKS = [block for path in documentation_files() for block in python_blocks(path)]
RUNNABLE = [block for block in BLOCKS if block.opt_out_reason is None]
OPTED_OUT = [block for block in BLOCKS if block.opt_out_reason is not None]
TIMEOUT = 120


class _MessagesAPI(BaseHTTPRequestHandler):
    """POST /v1/messages: a one-text reply from the model asked for, with token usage."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        if not self.path.split("?", 1)[0].endswith("/v1/messages"):
            self._send(404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}})
            return
        self._send(
            200,
            {
                "id": "msg_docs_loopback",
                "type": "message",
                "role": "assistant",
                "content": [{"type": "text", "text": "done"}],
                "model": body.get("model"),
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 120, "output_tokens": 8},
            },
        )

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def messages_api_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MessagesAPI)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def _block_environment(tmp_path: Path, messages_api_url: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not _is_claude_pm_variable(name) and name != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(
        CLAUDE_PM_DECISION_LOG=str(tmp_path / "decisions.db"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        ANTHROPIC_API_KEY="sk-ant-docs-loopback",
        ANTHROPIC_BASE_URL=messages_api_url,
        # LiteLLM reads its model price list from the internet at import unless told otherwise.
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
    )
    env.pop("ANTHROPIC_API_BASE", None)
    return env


def test_the_documentation_has_python_blocks_to_run():
    paths = {block.path for block in RUNNABLE}
    assert "README.md" in paths and any(path.startswith("docs/") for path in paths)


@pytest.mark.parametrize("block", RUNNABLE, ids=[block.label for block in RUNNABLE])
def test_python_block_runs(block: Block, tmp_path: Path, messages_api_url: str):
    if "litellm" in block.source and sys.version_info < (3, 10):
        pytest.skip("LiteLLM supports Python 3.10 and later only")
    block_file = tmp_path / "block.json"
    write_block(block, block_file)
    work = tmp_path / "cwd"
    work.mkdir()
    completed = subprocess.run(
        [sys.executable, str(RUNNER), str(block_file)],
        capture_output=True,
        text=True,
        cwd=work,
        env=_block_environment(tmp_path, messages_api_url),
        timeout=TIMEOUT,
    )
    assert completed.returncode == 0, (
        f"{block.label} failed (exit {completed.returncode})\nstdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
    )


def test_every_block_that_is_not_run_says_why():
    missing = [block.label for block in OPTED_OUT if not block.opt_out_reason]
    assert missing == [], "write the reason after '# not run as a test:'"


# --- the runner itself ----------------------------------------------------------------


def _run_inline(source: str) -> None:
    from doc_examples import run

    run(Block("README.md", 1, source))


def test_a_shown_result_that_differs_fails_naming_the_line():
    with pytest.raises(AssertionError, match=r"README.md:2: x is 2, the documentation shows 3"):
        _run_inline("x = 1 + 1\nx  # 3\n")
    with pytest.raises(AssertionError, match=r"README.md:2: x is 2, the documentation shows \{'a': 3\}"):
        _run_inline("x = 2\nx\n# {'a':\n#  3}\n")


def test_prose_comments_are_not_results_and_top_level_await_runs():
    _run_inline(
        "import asyncio\n"
        "async def twice(n):\n    return 2 * n\n"
        "await twice(2)   # 4\n"
        "asyncio.run(twice(1))  # 2\n"
        "print('x')  # {prose, in braces}\n"
        "twice  # http://not-a-literal\n"
    )


def test_a_block_opts_out_on_its_first_line_only():
    assert Block("a.md", 1, "# not run as a test: needs a GPU\nx\n").opt_out_reason == "needs a GPU"
    assert Block("a.md", 1, "x = 1\n# not run as a test: too late\n").opt_out_reason is None
