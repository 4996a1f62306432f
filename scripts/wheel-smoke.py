"""Smoke test of an installed claude-pm wheel, run by the interpreter of the venv under test.

Usage: python scripts/wheel-smoke.py GUIDE.md

1. The deployment guide's "Environment Validation" block, as written, in bash with this
   venv's bin directory first on PATH (so `claude-pm` and `python` are the venv's).
2. One selection through the 1.x agent loader.
3. One batch through score_many.

It also checks that claude_pm was imported from the venv's site-packages (not from the
source tree) and that the native module is the stable-ABI build.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

GUIDE_BLOCK_MARKER = "claude-pm --version"


def fail(message: str) -> None:
    print(f"wheel smoke FAILED on Python {sys.version.split()[0]}: {message}", file=sys.stderr)
    sys.exit(1)


def guide_environment_validation_block(guide: Path) -> str:
    blocks = [body for body in re.findall(r"```\w*\n(.*?)```", guide.read_text(encoding="utf-8"), flags=re.S)
              if GUIDE_BLOCK_MARKER in body]
    if len(blocks) != 1:
        fail(f"expected one block containing {GUIDE_BLOCK_MARKER!r} in {guide}, found {len(blocks)}")
    return blocks[0]


def main() -> None:
    if len(sys.argv) != 2:
        fail("usage: wheel-smoke.py GUIDE.md")
    guide = Path(sys.argv[1])

    import claude_pm
    from claude_pm import _core

    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    if site_packages not in Path(claude_pm.__file__).resolve().parents:
        fail(f"claude_pm imported from {claude_pm.__file__}, not from {site_packages}")
    if not Path(_core.__file__).name.endswith(".abi3.so"):
        fail(f"native module {_core.__file__} is not a stable-ABI (abi3) build")
    if claude_pm.__version__ != metadata.version("claude-pm"):
        fail(f"claude_pm.__version__ {claude_pm.__version__} != installed {metadata.version('claude-pm')}")

    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    block = guide_environment_validation_block(guide)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], env=env, capture_output=True,
                            text=True, timeout=120)
    if result.returncode != 0:
        fail(f"guide block exited {result.returncode}: {result.stderr.strip()}")
    lines = result.stdout.splitlines()
    expected = [f"claude-pm {claude_pm.__version__}", "✅ Analyzer available", "✅ Integration ready"]
    if lines != expected:
        fail(f"guide block printed {lines!r}, expected {expected!r}")

    from claude_pm.agents.agent_loader import get_agent_prompt_with_model_info

    prompt, model, config = get_agent_prompt_with_model_info("engineer", task_description="List files")
    if not prompt or config["complexity_level"] != "SIMPLE" or "haiku" not in model:
        fail(f"selection of a simple task gave model={model!r} level={config.get('complexity_level')!r}")

    from claude_pm.services.task_complexity_analyzer import TaskComplexityAnalyzer

    tasks = ["List files", "Implement rate limiting for the upload endpoint",
             "Refactor the billing system into separate services across every region"]
    scores, levels = TaskComplexityAnalyzer().score_many(tasks)
    if len(scores) != 3 or len(levels) != 3:
        fail(f"score_many returned {len(scores)} scores and {len(levels)} levels for 3 tasks")
    single = [TaskComplexityAnalyzer().analyze_task(task).complexity_score for task in tasks]
    if [int(score) for score in scores] != single:
        fail(f"score_many scores {list(scores)} differ from analyze_task scores {single}")

    print(f"wheel smoke passed on Python {sys.version.split()[0]} ({_core.__file__})")


if __name__ == "__main__":
    main()
