"""Print the oldest LiteLLM release the `litellm` extra allows (its >= bound), for scripts/test.sh."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
(requirement,) = project["optional-dependencies"]["litellm"]
match = re.search(r">=\s*([0-9][0-9.]*)", requirement)
if match is None:
    sys.exit(f"the litellm extra {requirement!r} has no >= lower bound")
print(match.group(1))
