"""1.x import path of the prompt library (agent names, sized base instructions, prompts).

The implementation lives in `claude_pm.prompt_library`; every name here is the same
object as there.
"""

from __future__ import annotations

from claude_pm import prompt_library
from claude_pm.prompt_library import *  # noqa: F403  (the 1.x names are the core's)

__all__ = list(prompt_library.__all__)
