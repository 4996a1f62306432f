"""The packaged prompts and the prompt file format (section markers, role prompts)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from claude_pm.agents.base_agent_loader import (
    AGENT_NAMES,
    DEFAULT_SEPARATOR,
    PromptTemplate,
    build_agent_prompt,
    clear_prompt_cache,
    get_base_instructions,
    get_role_prompt,
    load_prompt_library,
    prompt_tokens,
)
from claude_pm.agents.prompt_files import (
    REQUIRED_SECTIONS,
    parse_base_instructions,
    parse_role_prompt,
    read_prompt_text,
)
from claude_pm.errors import PromptFileError

ROLE_HEADINGS = ("## You own", "## How you work", "## Deliver", "## Hand off", "## Refuse or escalate")
ALL = frozenset(PromptTemplate)
PATH = "/prompts/base_instructions.md"


@pytest.fixture(autouse=True)
def fresh_prompt_cache():
    clear_prompt_cache()
    yield
    clear_prompt_cache()


def section_names(template: PromptTemplate) -> list[str]:
    return [s.name for s in load_prompt_library().sections if template in s.templates]


# --- the packaged prompts -------------------------------------------------------------


@pytest.mark.parametrize("agent", AGENT_NAMES)
def test_every_agent_has_a_complete_role_prompt(agent):
    role = get_role_prompt(agent)
    assert role.startswith("# Role: ")
    for heading in ROLE_HEADINGS:
        assert heading in role, f"{agent}.md lacks {heading!r}"


@pytest.mark.parametrize("template", list(PromptTemplate))
def test_safety_and_output_format_are_in_every_template(template):
    names = section_names(template)
    for required in REQUIRED_SECTIONS:
        assert required in names
    base = get_base_instructions(template)
    assert "## Safety and constraints" in base
    assert "## Report format" in base


def test_full_carries_every_section_and_smaller_templates_nest():
    library = load_prompt_library()
    assert section_names(PromptTemplate.FULL) == [s.name for s in library.sections]
    assert set(section_names(PromptTemplate.MINIMAL)) < set(section_names(PromptTemplate.STANDARD))
    assert set(section_names(PromptTemplate.STANDARD)) < set(section_names(PromptTemplate.FULL))
    for section in library.sections:
        assert section.body in library.base[PromptTemplate.FULL]


@pytest.mark.parametrize("agent", AGENT_NAMES)
def test_templates_grow_from_minimal_to_full_in_meaningful_steps(agent):
    minimal, standard, full = (prompt_tokens(agent, t) for t in PromptTemplate)
    assert minimal < standard < full
    assert 0.25 <= minimal / full <= 0.40
    assert 0.55 <= standard / full <= 0.75


@pytest.mark.parametrize("template", list(PromptTemplate))
def test_assembled_prompt_is_base_then_separator_then_role_without_markers(template):
    prompt = build_agent_prompt("qa", template)
    assert prompt == get_base_instructions(template) + DEFAULT_SEPARATOR + get_role_prompt("qa")
    assert "<!--" not in prompt


def test_prompt_files_are_read_from_the_package_directory():
    origin = Path(load_prompt_library().origins["engineer"])
    assert origin.name == "engineer.md"
    assert origin.parent.name == "prompts"
    assert origin.parent.parent.name == "agents"


# --- the marker syntax ----------------------------------------------------------------

REQUIRED = """<!-- section: safety | templates: MINIMAL STANDARD FULL -->
Be safe.
<!-- section: output_format | templates: MINIMAL STANDARD FULL -->
Report.
"""


def test_markers_split_sections_and_full_is_implied():
    text = (
        "<!-- maintainers' note -->\n\n"
        + REQUIRED
        + "<!-- section: extra_notes | templates: standard, minimal -->\nMore.\n"
    )
    sections = parse_base_instructions(text, PATH)
    assert [s.name for s in sections] == ["safety", "output_format", "extra_notes"]
    assert sections[0].body == "Be safe."
    assert sections[2].templates == ALL


def test_section_listed_only_in_full_stays_out_of_smaller_templates():
    sections = parse_base_instructions(REQUIRED + "<!-- section: deep | templates: FULL -->\nDeep.\n", PATH)
    assert sections[2].templates == {PromptTemplate.FULL}


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (REQUIRED + "<!-- section: Bad Name | templates: FULL -->\nx\n", 5, "malformed section marker"),
        (REQUIRED + "<!-- section: extra | FULL -->\nx\n", 5, "malformed section marker"),
        (REQUIRED + "<!--section extra templates FULL-->\nx\n", 5, "malformed section marker"),
        (REQUIRED + "<!-- section: extra | templates: FULL HUGE -->\nx\n", 5, "unknown template 'HUGE'"),
        (REQUIRED + "<!-- section: extra | templates: , -->\nx\n", 5, "section marker lists no templates"),
        (REQUIRED + "<!-- section: safety | templates: FULL -->\nx\n", 5, "already defined at line 1"),
        (REQUIRED + "<!-- section: extra | templates: FULL -->\n\n", 5, "section 'extra' is empty"),
        ("Intro text\n" + REQUIRED, 1, "text before the first section marker"),
        ("<!-- note -->\n\nstray\n" + REQUIRED, 3, "text before the first section marker"),
        ("<!-- note never closed\n" + REQUIRED, 1, "never closed"),
    ],
)
def test_marker_errors_name_the_file_and_line(text, line, problem):
    with pytest.raises(PromptFileError, match=re.escape(problem)) as caught:
        parse_base_instructions(text, PATH)
    assert str(caught.value).startswith(f"{PATH}:{line}: ")
    assert caught.value.path == PATH
    assert caught.value.line == line


@pytest.mark.parametrize(
    "text",
    [
        "# Base\n\nNo markers at all.\n",
        "<!-- section: safety | templates: MINIMAL STANDARD FULL -->\nBe safe.\n",
        REQUIRED.replace("output_format | templates: MINIMAL STANDARD FULL", "output_format | templates: FULL"),
    ],
    ids=["no-markers", "missing-output-format", "output-format-not-in-every-template"],
)
def test_file_level_errors_name_the_file(text):
    with pytest.raises(PromptFileError) as caught:
        parse_base_instructions(text, PATH)
    assert str(caught.value).startswith(f"{PATH}: ")


def test_role_prompt_rejects_section_markers():
    with pytest.raises(PromptFileError, match=r"^/p/qa\.md:3: section markers belong in base_instructions\.md"):
        parse_role_prompt("# QA\n\n<!-- section: x | templates: FULL -->\n", "/p/qa.md")


def test_role_prompt_is_stripped():
    assert parse_role_prompt("\n\n# Role\n\nText.\n\n", "/p/qa.md") == "# Role\n\nText."


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "is empty"), (b" \n\t\n", "is empty"), (b"# Role\n\xff\xfe broken", "is not valid UTF-8 (byte 7)")],
)
def test_unreadable_prompt_text_names_the_file(tmp_path, content, problem):
    file = tmp_path / "qa.md"
    file.write_bytes(content)
    with pytest.raises(PromptFileError, match=re.escape(f"{file}: {problem}")):
        read_prompt_text(file)


def test_missing_file_is_a_prompt_file_error_naming_it(tmp_path):
    with pytest.raises(PromptFileError, match=re.escape(f"{tmp_path / 'qa.md'}: cannot be read")):
        read_prompt_text(tmp_path / "qa.md")


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    file = tmp_path / "qa.md"
    file.write_bytes("\ufeff# Role: QA\n".encode())
    assert read_prompt_text(file) == "# Role: QA\n"


# --- the user documentation stays true -------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[1]
PROMPTS_DOC = REPO_ROOT / "docs" / "prompts.md"


def test_python_examples_in_the_prompts_doc_run():
    blocks = re.findall(r"```python\n(.*?)```", PROMPTS_DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, str(PROMPTS_DOC), "exec"), {})


def test_reduction_table_in_the_prompts_doc_is_current():
    spec = importlib.util.spec_from_file_location(
        "token_reduction_table", REPO_ROOT / "benches" / "token_reduction_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.reduction_table() in PROMPTS_DOC.read_text(encoding="utf-8")
