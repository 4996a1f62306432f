"""Prompt files are read only when they are regular files within MAX_PROMPT_FILE_BYTES.

The load runs in a child process under an address-space limit, so a reader that takes
a device or a huge file whole fails the test instead of exhausting the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from claude_pm.agents.prompt_files import MAX_PROMPT_FILE_BYTES

resource = pytest.importorskip("resource")

_LOAD = textwrap.dedent(
    """
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    from claude_pm.agents.base_agent_loader import load_prompt_library
    from claude_pm.errors import PromptFileError
    try:
        load_prompt_library(sys.argv[1])
    except PromptFileError as error:
        print(json.dumps({"path": error.path, "message": str(error)}))
    else:
        print(json.dumps({"path": None, "message": "loaded"}))
    """
)


def _load(directory) -> dict:
    env = {name: os.environ[name] for name in ("PATH", "PYTHONPATH") if name in os.environ}
    result = subprocess.run(
        [sys.executable, "-c", _LOAD, str(directory)], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_a_symlink_to_a_device_is_refused(tmp_path):
    (tmp_path / "engineer.md").symlink_to("/dev/zero")
    outcome = _load(tmp_path)
    assert outcome["path"] == str(tmp_path / "engineer.md")
    assert "not a regular file" in outcome["message"]


def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "qa.md")
    outcome = _load(tmp_path)
    assert outcome["path"] == str(tmp_path / "qa.md")
    assert "not a regular file" in outcome["message"]


def test_a_huge_file_is_refused_by_size(tmp_path):
    huge = tmp_path / "base_instructions.md"
    with open(huge, "wb") as file:
        file.truncate(2 << 30)  # sparse: no disk space used
    outcome = _load(tmp_path)
    assert outcome["path"] == str(huge)
    assert f"{MAX_PROMPT_FILE_BYTES:,} bytes" in outcome["message"]


def test_a_file_at_the_bound_is_read(tmp_path):
    (tmp_path / "qa.md").write_text("You are QA. " + "x" * (MAX_PROMPT_FILE_BYTES - 13) + "\n")
    assert (tmp_path / "qa.md").stat().st_size == MAX_PROMPT_FILE_BYTES
    assert _load(tmp_path) == {"path": None, "message": "loaded"}


def test_a_regular_file_behind_a_symlink_is_read(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("You are QA.\n")
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "qa.md").symlink_to(target)
    assert _load(prompts) == {"path": None, "message": "loaded"}
