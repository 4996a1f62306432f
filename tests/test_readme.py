"""The README stays true: its configuration table and its first lines.

Its python blocks, and the results they show, are run by tests/test_doc_examples.py.
"""

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
