"""1.x import path of the process-wide prompt cache; it lives in `claude_pm.prompt_cache`."""

from __future__ import annotations

from claude_pm.prompt_cache import SharedPromptCache, cache_result

__all__ = ["SharedPromptCache", "cache_result"]
