"""The prompt file format: reading prompt files and cutting base instructions into sections.

Base instructions are divided by marker lines, each an HTML comment of this form::

    <!-- section: safety | templates: MINIMAL STANDARD FULL -->

A section runs from its marker to the next marker or the end of the file. The name is
lower_snake_case and unique within the file; the templates (separated by spaces or
commas, any case) are those that carry the section, and FULL carries every section
whether it is listed or not. Any line that begins with ``<!-- section`` is read as a
marker, so a malformed one is an error rather than text that silently leaks into the
prompt. Only HTML comments may precede the first marker. Sections named in
`REQUIRED_SECTIONS` must exist and list every template: whatever the task, an agent is
told its constraints and how to report.

Role prompts are plain Markdown without markers. A prompt file must be a regular file
(or a symlink to one) of at most `MAX_PROMPT_FILE_BYTES`. Every problem is a
`PromptFileError` whose message starts with the file (and line) at fault.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from claude_pm.errors import PromptFileError
from claude_pm.templates import PromptTemplate

__all__ = [
    "MAX_PROMPT_FILE_BYTES",
    "REQUIRED_SECTIONS",
    "ReadableFile",
    "Section",
    "parse_base_instructions",
    "parse_role_prompt",
    "read_prompt_text",
]

REQUIRED_SECTIONS = ("safety", "output_format")
# The packaged base instructions are about 8 KiB; a prompt a hundred times larger is
# already far beyond any model's useful system prompt.
MAX_PROMPT_FILE_BYTES = 1024 * 1024

_MARKER_START = re.compile(r"^\s*<!--\s*section\b", re.IGNORECASE)
_MARKER = re.compile(
    r"^<!--\s*section:\s*(?P<name>[a-z][a-z0-9_]*)\s*\|\s*templates:\s*(?P<templates>[A-Za-z, \t]+?)\s*-->\s*$"
)
_MARKER_EXAMPLE = "<!-- section: NAME | templates: MINIMAL STANDARD FULL -->"
_ALL_TEMPLATES = frozenset(PromptTemplate)
_TEMPLATE_NAMES = " ".join(member.value for member in PromptTemplate)


class ReadableFile(Protocol):
    """A filesystem path or an importlib.resources file."""

    def open(self, mode: str = "r") -> BinaryIO: ...


@dataclass(frozen=True)
class Section:
    """One named part of the base instructions and the templates that carry it."""

    name: str
    templates: frozenset[PromptTemplate]
    body: str


def read_prompt_text(file: ReadableFile) -> str:
    """The UTF-8 text of a prompt file; PromptFileError naming the file if unreadable, blank,
    not a regular file or larger than MAX_PROMPT_FILE_BYTES."""
    try:
        if isinstance(file, os.PathLike):
            raw = _read_regular_file(os.fspath(file))
        else:  # a resource inside a zip or another loader: no device or FIFO can hide there
            with file.open("rb") as stream:
                raw = _read_bounded(stream, str(file))
    except OSError as error:
        raise PromptFileError(str(file), f"cannot be read ({error.strerror or error})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PromptFileError(str(file), f"is not valid UTF-8 (byte {error.start})") from None
    if not text.strip():
        raise PromptFileError(str(file), "is empty")
    return text


def _read_regular_file(path: str) -> bytes:
    # O_NONBLOCK: opening a FIFO must not wait for a writer before it can be refused.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    with os.fdopen(os.open(path, flags), "rb") as stream:
        mode = os.fstat(stream.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise PromptFileError(
                path, "is not a regular file (a prompt file must be a plain file or a symlink to one)"
            )
        return _read_bounded(stream, path)


def _read_bounded(stream: Any, path: str) -> bytes:
    raw: bytes = stream.read(MAX_PROMPT_FILE_BYTES + 1)
    if len(raw) > MAX_PROMPT_FILE_BYTES:
        raise PromptFileError(path, f"is larger than {MAX_PROMPT_FILE_BYTES:,} bytes, the limit for a prompt file")
    return raw


def parse_role_prompt(text: str, path: str) -> str:
    """A role prompt's text, stripped; section markers are not allowed in role prompts."""
    for number, line in enumerate(text.splitlines(), start=1):
        if _MARKER_START.match(line):
            raise PromptFileError(
                path, "section markers belong in base_instructions.md, not in a role prompt", line=number
            )
    return text.strip()


def parse_base_instructions(text: str, path: str) -> tuple[Section, ...]:
    """The sections of a base instructions file, in file order."""
    lines = text.splitlines()
    markers = [number for number, line in enumerate(lines, start=1) if _MARKER_START.match(line)]
    if not markers:
        raise PromptFileError(path, f"has no section markers: expected lines such as {_MARKER_EXAMPLE}")
    _check_preamble("\n".join(lines[: markers[0] - 1]), path)

    sections: list[Section] = []
    defined_at: dict[str, int] = {}
    for index, number in enumerate(markers):
        name, templates = _parse_marker(lines[number - 1], path, number)
        if name in defined_at:
            raise PromptFileError(path, f"section {name!r} is already defined at line {defined_at[name]}", line=number)
        defined_at[name] = number
        end = markers[index + 1] - 1 if index + 1 < len(markers) else len(lines)
        body = "\n".join(lines[number:end]).strip()
        if not body:
            raise PromptFileError(path, f"section {name!r} is empty", line=number)
        sections.append(Section(name, templates, body))

    for required in REQUIRED_SECTIONS:
        section = next((s for s in sections if s.name == required), None)
        if section is None or section.templates != _ALL_TEMPLATES:
            raise PromptFileError(
                path, f"must define section {required!r} with templates: {_TEMPLATE_NAMES} (every template carries it)"
            )
    return tuple(sections)


def _check_preamble(preamble: str, path: str) -> None:
    offset = 0
    while True:
        rest = preamble[offset:]
        offset += len(rest) - len(rest.lstrip())
        if offset == len(preamble):
            return
        line = preamble.count("\n", 0, offset) + 1
        if not preamble.startswith("<!--", offset):
            raise PromptFileError(
                path, "has text before the first section marker; put it in a section or an HTML comment", line=line
            )
        end = preamble.find("-->", offset + 4)
        if end < 0:
            raise PromptFileError(path, "has an HTML comment that is never closed", line=line)
        offset = end + 3


def _parse_marker(line: str, path: str, number: int) -> tuple[str, frozenset[PromptTemplate]]:
    match = _MARKER.match(line.strip())
    if match is None:
        raise PromptFileError(
            path, f"malformed section marker {line.strip()!r}: expected {_MARKER_EXAMPLE}", line=number
        )
    words = [word for word in re.split(r"[,\s]+", match.group("templates")) if word]
    if not words:
        raise PromptFileError(path, f"section marker lists no templates: expected {_MARKER_EXAMPLE}", line=number)
    templates = set()
    for word in words:
        try:
            templates.add(PromptTemplate(word.upper()))
        except ValueError:
            raise PromptFileError(
                path, f"unknown template {word!r} in section marker: expected {_TEMPLATE_NAMES}", line=number
            ) from None
    templates.add(PromptTemplate.FULL)
    return match.group("name"), frozenset(templates)
