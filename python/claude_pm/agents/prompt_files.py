"""1.x import path of the prompt file format; it lives in `claude_pm.prompt_files`."""

from __future__ import annotations

from claude_pm.prompt_files import (
    MAX_PROMPT_FILE_BYTES,
    REQUIRED_SECTIONS,
    ReadableFile,
    Section,
    parse_base_instructions,
    parse_role_prompt,
    read_prompt_text,
)

__all__ = [
    "MAX_PROMPT_FILE_BYTES",
    "REQUIRED_SECTIONS",
    "ReadableFile",
    "Section",
    "parse_base_instructions",
    "parse_role_prompt",
    "read_prompt_text",
]
