"""1.x import path of the complexity analysis; it lives in `claude_pm.analysis`.

Every name here is the same object as there, the module's ``logger`` included (it
keeps this module's name).
"""

from __future__ import annotations

from claude_pm import analysis
from claude_pm.analysis import *  # noqa: F403  (the 1.x names are the core's)
from claude_pm.analysis import logger, raise_if_not_text

__all__ = [*analysis.__all__, "logger", "raise_if_not_text"]
