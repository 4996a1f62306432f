"""Agent names, sized base instructions and assembled agent prompts.

An agent's prompt is the base instructions for a template, a separator, then the
agent's role prompt. Base instructions come first so that every agent's prompt for a
template shares the same prefix, which model-side prompt caching can reuse.

Prompt files come from the package (``claude_pm/agents/prompts/``) or from a user
directory given by the ``prompts_dir`` argument or, when that is None, by
``CLAUDE_PM_PROMPTS_DIR``. A user directory overrides file by file: it may hold
``base_instructions.md`` and ``<agent>.md`` for any canonical agent name, and every file
it lacks comes from the package. Other ``*.md`` files in it are errors (a misspelt
override must not fall back silently); dot-files and files with other suffixes are
ignored. The file format is described in `claude_pm.prompt_files`.

Everything is loaded once per directory and every (agent, template) prompt, its token
count and its token reduction are computed up front, so the lookups below are dict
reads. Edited prompt files take effect after `clear_prompt_cache()`. A directory that
fails to load is not cached: fixing the file is enough.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Union

from claude_pm import runtime
from claude_pm.config import AGENT_ALIASES, get_settings
from claude_pm.errors import PromptFileError
from claude_pm.prompt_files import (
    ReadableFile,
    Section,
    parse_base_instructions,
    parse_role_prompt,
    read_prompt_text,
)
from claude_pm.templates import PromptTemplate, coerce_template, template_for_score
from claude_pm.tokens import estimate_tokens

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

AGENT_NAMES: tuple[str, ...] = (
    "engineer",
    "qa",
    "documentation",
    "research",
    "ops",
    "security",
    "data_engineer",
    "version_control",
    "pm",
)
BASE_INSTRUCTIONS_FILE = "base_instructions.md"
DEFAULT_SEPARATOR = "\n\n---\n\n"

PromptsDir = Union[str, "os.PathLike[str]"]
"""A prompts directory: a path string or path-like object."""
_KNOWN_AGENTS = ", ".join(AGENT_NAMES) + " (alias: " + ", ".join(f"{a} -> {c}" for a, c in AGENT_ALIASES.items()) + ")"


@dataclass(frozen=True)
class PromptLibrary:
    """Every prompt of one prompts directory, assembled and measured.

    `source` is the user directory or ``"packaged"``; `origins` maps ``base_instructions``
    and each agent name to the file it was read from. `prompts`, `tokens` and
    `reductions` are keyed by ``(agent, template)``.
    """

    source: str
    sections: tuple[Section, ...]
    base: Mapping[PromptTemplate, str]
    roles: Mapping[str, str]
    origins: Mapping[str, str]
    prompts: Mapping[tuple[str, PromptTemplate], str]
    tokens: Mapping[tuple[str, PromptTemplate], int]
    reductions: Mapping[tuple[str, PromptTemplate], float]


def resolve_agent_name(name: str) -> str:
    """The canonical agent name: case, spaces and hyphens are ignored, aliases resolved.

    ``"Data Engineer"`` and ``"data-engineer"`` give ``"data_engineer"``,
    ``"orchestrator"`` gives ``"pm"``; an unknown name is a ValueError listing the agents.
    """
    if not isinstance(name, str):
        raise TypeError(f"agent name must be a str, not {type(name).__name__}")
    return _resolve(name)


@lru_cache(maxsize=512)
def _resolve(name: str) -> str:
    key = "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())
    key = AGENT_ALIASES.get(key, key)
    if key not in AGENT_NAMES:
        raise ValueError(f"unknown agent {name!r}: expected one of {_KNOWN_AGENTS}")
    return key


def load_prompt_library(prompts_dir: PromptsDir | None = None) -> PromptLibrary:
    """The prompts of `prompts_dir` (None: ``CLAUDE_PM_PROMPTS_DIR``, else the packaged ones)."""
    key = get_settings().prompts_dir if prompts_dir is None else os.fspath(prompts_dir)
    library = _libraries.get(key)
    return library if library is not None else _load(key, from_environment=prompts_dir is None)


def build_agent_prompt(agent: str, template: PromptTemplate | str, prompts_dir: PromptsDir | None = None) -> str:
    """Base instructions for `template`, the separator, then the agent's role prompt."""
    prompts = load_prompt_library(prompts_dir).prompts
    try:
        return prompts[agent, template]  # type: ignore[index]
    except (KeyError, TypeError):
        return prompts[resolve_agent_name(agent), coerce_template(template)]


def prompt_tokens(agent: str, template: PromptTemplate | str, prompts_dir: PromptsDir | None = None) -> int:
    """Estimated tokens of `build_agent_prompt(agent, template)` (see `claude_pm.tokens`)."""
    tokens = load_prompt_library(prompts_dir).tokens
    try:
        return tokens[agent, template]  # type: ignore[index]
    except (KeyError, TypeError):
        return tokens[resolve_agent_name(agent), coerce_template(template)]


def full_prompt_tokens(agent: str, prompts_dir: PromptsDir | None = None) -> int:
    """Estimated tokens of the agent's FULL prompt."""
    return prompt_tokens(agent, PromptTemplate.FULL, prompts_dir)


def token_reduction_percentage(
    agent: str, template: PromptTemplate | str, prompts_dir: PromptsDir | None = None
) -> float:
    """Tokens saved by `template` against FULL, in percent of FULL, to one decimal; 0.0 for FULL."""
    reductions = load_prompt_library(prompts_dir).reductions
    try:
        return reductions[agent, template]  # type: ignore[index]
    except (KeyError, TypeError):
        return reductions[resolve_agent_name(agent), coerce_template(template)]


def get_role_prompt(agent: str, prompts_dir: PromptsDir | None = None) -> str:
    """The agent's role prompt alone."""
    return load_prompt_library(prompts_dir).roles[resolve_agent_name(agent)]


def get_base_instructions(template: PromptTemplate | str, prompts_dir: PromptsDir | None = None) -> str:
    """The base instructions cut to `template`."""
    return load_prompt_library(prompts_dir).base[coerce_template(template)]


def prepend_base_instructions(
    agent_prompt: str,
    separator: str = DEFAULT_SEPARATOR,
    template: PromptTemplate | str | None = None,
    complexity_score: int | None = None,
) -> str:
    """`agent_prompt` preceded by the base instructions and `separator`.

    The template is `template` when given; otherwise it follows `complexity_score` with
    the configured tier thresholds (``CLAUDE_PM_COMPLEXITY_*_THRESHOLD``), unless
    ``ENABLE_DYNAMIC_PROMPT_TEMPLATES`` is false or ``CLAUDE_PM_TEST_MODE`` is true;
    without either it is FULL.
    """
    if not isinstance(agent_prompt, str):
        raise TypeError(f"agent_prompt must be a str, not {type(agent_prompt).__name__}")
    if not isinstance(separator, str):
        raise TypeError(f"separator must be a str, not {type(separator).__name__}")
    settings = get_settings()
    if template is not None:
        chosen = coerce_template(template)
    elif complexity_score is None:
        chosen = PromptTemplate.FULL
    else:
        by_score = template_for_score(complexity_score, settings.simple_threshold, settings.medium_threshold)
        sized = settings.dynamic_prompt_templates and not settings.test_mode
        chosen = by_score if sized else PromptTemplate.FULL
    base = load_prompt_library(settings.prompts_dir).base[chosen]
    return f"{base}{separator}{agent_prompt}"


def clear_prompt_cache() -> None:
    """Forget every loaded prompt library, so edited prompt files are read again."""
    with _lock:
        _libraries.clear()


_libraries: dict[str | None, PromptLibrary] = {}
_lock = threading.Lock()


def _new_lock_in_child() -> None:
    # A parent thread may have held it mid-load at the fork. The loaded libraries stay:
    # they are immutable, read from the same files.
    global _lock
    _lock = threading.Lock()


runtime.register("prompt_library", after_fork_in_child=_new_lock_in_child, reset=clear_prompt_cache)


def _load(prompts_dir: str | None, from_environment: bool) -> PromptLibrary:
    with _lock:
        library = _libraries.get(prompts_dir)
        if library is None:
            try:
                library = _build(prompts_dir)
            except PromptFileError as error:
                if not from_environment or prompts_dir is None:
                    raise
                problem = f"{error.problem} (prompts directory from CLAUDE_PM_PROMPTS_DIR)"
                raise PromptFileError(error.path, problem, error.line) from error
            _libraries[prompts_dir] = library
        return library


def _build(prompts_dir: str | None) -> PromptLibrary:
    files = _packaged_files()
    if prompts_dir is not None:
        files.update(_user_files(prompts_dir))
    base_file = files.pop(BASE_INSTRUCTIONS_FILE)
    sections = parse_base_instructions(read_prompt_text(base_file), str(base_file))
    base = {template: "\n\n".join(s.body for s in sections if template in s.templates) for template in PromptTemplate}
    roles = {}
    for agent in AGENT_NAMES:
        file = files[f"{agent}.md"]
        roles[agent] = parse_role_prompt(read_prompt_text(file), str(file))

    prompts, tokens, reductions = {}, {}, {}
    for agent in AGENT_NAMES:
        full_tokens = estimate_tokens(f"{base[PromptTemplate.FULL]}{DEFAULT_SEPARATOR}{roles[agent]}")
        for template in PromptTemplate:
            prompt = f"{base[template]}{DEFAULT_SEPARATOR}{roles[agent]}"
            prompts[agent, template] = prompt
            tokens[agent, template] = estimate_tokens(prompt)
            reductions[agent, template] = round(100.0 * (1.0 - tokens[agent, template] / full_tokens), 1)

    origins = {"base_instructions": str(base_file)}
    origins.update((agent, str(files[f"{agent}.md"])) for agent in AGENT_NAMES)
    return PromptLibrary(
        source="packaged" if prompts_dir is None else prompts_dir,
        sections=sections,
        base=MappingProxyType(base),
        roles=MappingProxyType(roles),
        origins=MappingProxyType(origins),
        prompts=MappingProxyType(prompts),
        tokens=MappingProxyType(tokens),
        reductions=MappingProxyType(reductions),
    )


def _packaged_files() -> dict[str, ReadableFile]:
    # The package data stays under agents/ (its 1.x location); naming it from the top
    # package keeps this module from importing the agents facade.
    directory = resources.files("claude_pm") / "agents" / "prompts"
    names = [BASE_INSTRUCTIONS_FILE, *(f"{agent}.md" for agent in AGENT_NAMES)]
    return {name: directory / name for name in names}


def _user_files(prompts_dir: str) -> dict[str, ReadableFile]:
    if not prompts_dir.strip():
        raise PromptFileError(repr(prompts_dir), "is not a prompts directory: the path is empty")
    directory = Path(prompts_dir)
    if not directory.is_dir():
        raise PromptFileError(prompts_dir, "prompts directory does not exist or is not a directory")
    try:
        entries = sorted(directory.iterdir())
    except OSError as error:
        raise PromptFileError(prompts_dir, f"prompts directory cannot be listed ({error.strerror or error})") from error
    allowed = {BASE_INSTRUCTIONS_FILE, *(f"{agent}.md" for agent in AGENT_NAMES)}
    files: dict[str, ReadableFile] = {}
    for entry in entries:
        if entry.name.startswith(".") or entry.suffix.lower() != ".md":
            continue
        if entry.name in allowed:
            files[entry.name] = entry
        elif entry.stem in AGENT_ALIASES:
            raise PromptFileError(
                str(entry),
                f"{entry.stem!r} is an alias of {AGENT_ALIASES[entry.stem]!r}: "
                f"name the file {AGENT_ALIASES[entry.stem]}.md",
            )
        else:
            raise PromptFileError(
                str(entry),
                f"is not a prompt file name: expected {BASE_INSTRUCTIONS_FILE} or <agent>.md "
                f"for an agent in {', '.join(AGENT_NAMES)}",
            )
    return files
