"""1.x import path of the prompt library (agent names, sized base instructions, prompts).

The implementation lives in `claude_pm.prompt_library`; every name here is the same
object as there.
"""

from __future__ import annotations

from claude_pm.prompt_library import (
    AGENT_ALIASES,
    AGENT_NAMES,
    BASE_INSTRUCTIONS_FILE,
    DEFAULT_SEPARATOR,
    PromptLibrary,
    PromptsDir,
    PromptTemplate,
    build_agent_prompt,
    clear_prompt_cache,
    full_prompt_tokens,
    get_base_instructions,
    get_role_prompt,
    load_prompt_library,
    prepend_base_instructions,
    prompt_tokens,
    resolve_agent_name,
    template_for_score,
    token_reduction_percentage,
)

__all__ = [
    "AGENT_ALIASES",
    "AGENT_NAMES",
    "BASE_INSTRUCTIONS_FILE",
    "DEFAULT_SEPARATOR",
    "PromptLibrary",
    "PromptTemplate",
    "PromptsDir",
    "build_agent_prompt",
    "clear_prompt_cache",
    "full_prompt_tokens",
    "get_base_instructions",
    "get_role_prompt",
    "load_prompt_library",
    "prepend_base_instructions",
    "prompt_tokens",
    "resolve_agent_name",
    "template_for_score",
    "token_reduction_percentage",
]
