"""Regenerate the README's configuration table from the settings module."""

from __future__ import annotations

import re
from pathlib import Path

from claude_pm.cli.config_cmd import markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- config-table:start -->", "<!-- config-table:end -->"

text = README.read_text(encoding="utf-8")
table = f"{START}\n{markdown_table()}\n{END}"
README.write_text(re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: table, text, flags=re.S), encoding="utf-8")
