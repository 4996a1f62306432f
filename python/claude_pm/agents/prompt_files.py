"""1.x import path of the prompt file format; it lives in `claude_pm.prompt_files`."""

from __future__ import annotations

from claude_pm import prompt_files
from claude_pm.prompt_files import *  # noqa: F403  (the 1.x names are the core's)

__all__ = list(prompt_files.__all__)
