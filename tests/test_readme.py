"""The README stays true: its configuration table and its quick-start example."""

from __future__ import annotations

import re

from claude_pm.cli.config_cmd import markdown_table
from conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_configuration_table_matches_the_settings_module():
    table = re.search(r"<!-- config-table:start -->\n(.*?)\n<!-- config-table:end -->", README, flags=re.S)
    assert table is not None
    assert table.group(1) == markdown_table(), "run: python scripts/update-readme-config-table.py"


def test_first_lines_are_the_two_fresh_machine_commands():
    block = README.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[0].startswith("pip install . && claude-pm ")
    assert block[1].startswith("bash scripts/test.sh")
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in ci


def test_quick_start_example_runs_and_shows_what_it_says():
    block = README.split("## Quick start (library)", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    first, second = block.rsplit("\n\nprompt, model_id, config = ", 1)
    namespace: dict = {}
    exec(first, namespace)
    assert namespace["model_id"] == "claude-4-opus"
    assert namespace["config"]["complexity_level"] == "COMPLEX"
    assert namespace["config"]["template_used"] == "FULL"
    assert repr(namespace["config"]["signals"]) in first
    exec("prompt, model_id, config = " + second, namespace)
    assert namespace["model_id"] == "claude-3-haiku-20240307"
    assert namespace["config"]["template_used"] == "MINIMAL"
    documented = re.search(r"# \('claude-3-haiku-20240307', 'MINIMAL', ([\d.]+)\)", block)
    assert documented and float(documented.group(1)) == namespace["config"]["token_reduction_percentage"]
