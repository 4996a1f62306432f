"""Templates, agent names, assembled prompts, token reduction and user prompt directories."""

from __future__ import annotations

import re
import threading

import pytest
from claude_pm import prompt_library, tokens
from claude_pm.agents.base_agent_loader import (
    AGENT_ALIASES,
    AGENT_NAMES,
    DEFAULT_SEPARATOR,
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
from claude_pm.errors import ConfigError, PromptFileError

MINIMAL, STANDARD, FULL = PromptTemplate.MINIMAL, PromptTemplate.STANDARD, PromptTemplate.FULL
USER_BASE = """<!-- section: safety | templates: MINIMAL STANDARD FULL -->
Custom safety.
<!-- section: output_format | templates: MINIMAL STANDARD FULL -->
Custom report.
<!-- section: house_rules | templates: STANDARD -->
Custom house rules.
"""


@pytest.fixture(autouse=True)
def packaged_defaults():
    # conftest's clean_environment has already removed every claude-pm variable.
    clear_prompt_cache()
    yield
    clear_prompt_cache()


# --- templates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"), [(0, MINIMAL), (30, MINIMAL), (31, STANDARD), (70, STANDARD), (71, FULL), (100, FULL)]
)
def test_template_follows_the_score_with_the_tier_thresholds(score, expected):
    assert template_for_score(score) is expected


@pytest.mark.parametrize(("score", "expected"), [(10, MINIMAL), (11, STANDARD), (50, STANDARD), (51, FULL)])
def test_template_follows_custom_thresholds(score, expected):
    assert template_for_score(score, simple_threshold=10, medium_threshold=50) is expected


@pytest.mark.parametrize(
    ("args", "argument"),
    [((101,), "score"), ((-1,), "score"), ((50, 70, 30), "simple_threshold"), ((50, 30, 101), "medium_threshold")],
)
def test_bad_scores_and_thresholds_are_value_errors_naming_the_argument(args, argument):
    with pytest.raises(ValueError, match=argument):
        template_for_score(*args)


@pytest.mark.parametrize("score", [True, 50.0, "50", None])
def test_non_integer_score_is_a_type_error(score):
    with pytest.raises(TypeError, match="score must be an int"):
        template_for_score(score)


def test_prompt_template_is_a_str_enum():
    assert MINIMAL == "MINIMAL"
    assert str(STANDARD) == "STANDARD"
    assert f"{FULL}" == "FULL"


# --- prepend_base_instructions --------------------------------------------------------


def test_prepend_defaults_to_full():
    assert prepend_base_instructions("ROLE") == get_base_instructions(FULL) + DEFAULT_SEPARATOR + "ROLE"


def test_prepend_follows_the_complexity_score():
    assert prepend_base_instructions("ROLE", complexity_score=20).startswith(get_base_instructions(MINIMAL) + "\n")
    assert prepend_base_instructions("ROLE", complexity_score=50) == get_base_instructions(STANDARD) + "\n\n---\n\nROLE"
    assert prepend_base_instructions("ROLE", complexity_score=90) == prepend_base_instructions("ROLE")


def test_explicit_template_beats_the_score():
    assert prepend_base_instructions("ROLE", template="minimal", complexity_score=95) == prepend_base_instructions(
        "ROLE", template=MINIMAL
    )


def test_prepend_uses_the_configured_thresholds(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", "10")
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_MEDIUM_THRESHOLD", "40")
    assert prepend_base_instructions("R", complexity_score=20) == prepend_base_instructions("R", template=STANDARD)
    assert prepend_base_instructions("R", complexity_score=41) == prepend_base_instructions("R", template=FULL)


@pytest.mark.parametrize(
    ("variable", "value"), [("ENABLE_DYNAMIC_PROMPT_TEMPLATES", "false"), ("CLAUDE_PM_TEST_MODE", "on")]
)
def test_score_sizing_switched_off_gives_full_but_explicit_templates_still_apply(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    assert prepend_base_instructions("R", complexity_score=5) == prepend_base_instructions("R", template=FULL)
    assert prepend_base_instructions("R", template=MINIMAL).startswith(get_base_instructions(MINIMAL))


def test_prepend_reports_bad_configuration(monkeypatch):
    monkeypatch.setenv("CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD", "high")
    with pytest.raises(ConfigError, match="CLAUDE_PM_COMPLEXITY_SIMPLE_THRESHOLD"):
        prepend_base_instructions("R", complexity_score=5)


def test_prepend_uses_the_separator():
    assert prepend_base_instructions("ROLE", "\n\n", template=MINIMAL) == get_base_instructions(MINIMAL) + "\n\nROLE"


def test_prepend_rejects_bad_arguments():
    with pytest.raises(TypeError, match="agent_prompt"):
        prepend_base_instructions(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="separator"):
        prepend_base_instructions("R", separator=0)  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"template='HUGE' is not a prompt template: expected one of MINIMAL, STANDARD, FULL"
    ):
        prepend_base_instructions("R", template="HUGE")
    with pytest.raises(ValueError, match="score"):
        prepend_base_instructions("R", complexity_score=500)


# --- agent names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("engineer", "engineer"),
        ("QA", "qa"),
        ("Data Engineer", "data_engineer"),
        ("data-engineer", "data_engineer"),
        ("  Version_Control ", "version_control"),
        ("version - control", "version_control"),
        ("orchestrator", "pm"),
        ("Orchestrator", "pm"),
    ],
)
def test_agent_names_resolve_whatever_their_spelling(name, canonical):
    assert resolve_agent_name(name) == canonical


def test_unknown_agent_is_a_value_error_listing_the_agents():
    with pytest.raises(ValueError, match="unknown agent 'wizard'") as caught:
        resolve_agent_name("wizard")
    for agent in (*AGENT_NAMES, *AGENT_ALIASES):
        assert agent in str(caught.value)


def test_agent_name_must_be_a_string():
    with pytest.raises(TypeError, match="agent name must be a str"):
        resolve_agent_name(3)  # type: ignore[arg-type]


def test_agent_names_are_canonical_and_aliases_point_at_them():
    assert AGENT_NAMES[-1] == "pm"
    assert len(set(AGENT_NAMES)) == len(AGENT_NAMES) == 9
    assert dict(AGENT_ALIASES) == {"orchestrator": "pm"}


# --- assembled prompts and token reduction --------------------------------------------


@pytest.mark.parametrize("agent", AGENT_NAMES)
@pytest.mark.parametrize("template", list(PromptTemplate))
def test_agent_prompt_is_the_role_prompt_with_base_instructions_prepended(agent, template):
    expected = prepend_base_instructions(get_role_prompt(agent), template=template)
    assert build_agent_prompt(agent, template) == expected
    assert build_agent_prompt(agent.upper().replace("_", " "), template.value.lower()) == expected


def test_orchestrator_gets_the_pm_prompt():
    assert build_agent_prompt("orchestrator", STANDARD) == build_agent_prompt("pm", STANDARD)


def test_unknown_agent_or_template_in_build_agent_prompt():
    with pytest.raises(ValueError, match="unknown agent 'wizard'"):
        build_agent_prompt("wizard", FULL)
    with pytest.raises(ValueError, match="template='TINY'"):
        build_agent_prompt("qa", "TINY")
    with pytest.raises(TypeError, match="agent name must be a str"):
        build_agent_prompt(["qa"], FULL)  # type: ignore[arg-type]


@pytest.mark.parametrize("agent", AGENT_NAMES)
def test_token_reduction_is_measured_with_the_one_estimator(agent):
    full = tokens.estimate_tokens(build_agent_prompt(agent, FULL))
    assert full_prompt_tokens(agent) == full == prompt_library.prompt_tokens(agent, "FULL")
    assert token_reduction_percentage(agent, FULL) == 0.0
    for template in (MINIMAL, STANDARD):
        size = tokens.estimate_tokens(build_agent_prompt(agent, template))
        assert prompt_tokens(agent, template) == size
        assert token_reduction_percentage(agent, template) == round(100 * (1 - size / full), 1)
    assert token_reduction_percentage(agent, MINIMAL) > token_reduction_percentage(agent, STANDARD) > 0


def test_token_reduction_accepts_any_spelling():
    assert token_reduction_percentage("Data Engineer", "minimal") == token_reduction_percentage(
        "data_engineer", MINIMAL
    )


# --- user prompt directories ----------------------------------------------------------


def test_user_directory_overrides_some_agents_and_falls_back_for_the_rest(tmp_path):
    (tmp_path / "engineer.md").write_text("# Role: Custom engineer\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored: not a .md file", encoding="utf-8")
    (tmp_path / ".draft.md").write_text("ignored: a dot-file", encoding="utf-8")
    library = load_prompt_library(tmp_path)
    assert library.roles["engineer"] == "# Role: Custom engineer"
    assert library.origins["engineer"] == str(tmp_path / "engineer.md")
    assert library.roles["qa"] == get_role_prompt("qa")
    assert library.base == load_prompt_library().base
    assert build_agent_prompt("engineer", MINIMAL, prompts_dir=tmp_path).endswith("# Role: Custom engineer")


def test_user_base_instructions_apply_to_every_agent(tmp_path):
    (tmp_path / "base_instructions.md").write_text(USER_BASE, encoding="utf-8")
    assert get_base_instructions(MINIMAL, tmp_path) == "Custom safety.\n\nCustom report."
    assert get_base_instructions(STANDARD, tmp_path) == "Custom safety.\n\nCustom report.\n\nCustom house rules."
    assert build_agent_prompt("ops", FULL, prompts_dir=str(tmp_path)).startswith("Custom safety.")
    assert token_reduction_percentage("ops", MINIMAL, tmp_path) > 0


def test_prompts_dir_comes_from_the_environment(monkeypatch, tmp_path):
    (tmp_path / "qa.md").write_text("# Role: Env QA\n", encoding="utf-8")
    monkeypatch.setenv("CLAUDE_PM_PROMPTS_DIR", str(tmp_path))
    assert build_agent_prompt("qa", FULL).endswith("# Role: Env QA")
    assert prepend_base_instructions("R") == load_prompt_library(tmp_path).base[FULL] + DEFAULT_SEPARATOR + "R"
    monkeypatch.delenv("CLAUDE_PM_PROMPTS_DIR")
    assert build_agent_prompt("qa", FULL).endswith(get_role_prompt("qa"))


def test_errors_in_the_configured_directory_name_the_variable(monkeypatch, tmp_path):
    (tmp_path / "qa.md").write_bytes(b"")
    monkeypatch.setenv("CLAUDE_PM_PROMPTS_DIR", str(tmp_path))
    with pytest.raises(PromptFileError, match=r"qa\.md: is empty \(prompts directory from CLAUDE_PM_PROMPTS_DIR\)$"):
        build_agent_prompt("qa", FULL)


def test_missing_prompts_directory_is_named(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(PromptFileError, match=re.escape(f"{missing}: prompts directory does not exist")):
        load_prompt_library(missing)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("engineer.md", b"", "is empty"),
        ("engineer.md", b"\xc3\x28 not utf-8", "is not valid UTF-8"),
        ("base_instructions.md", b"# Base\n\nno markers\n", "has no section markers"),
        (
            "base_instructions.md",
            USER_BASE.replace("templates: MINIMAL STANDARD FULL -->\nCustom report", "").encode(),
            "malformed section marker",
        ),
        ("enginer.md", b"# typo", "is not a prompt file name: expected base_instructions.md or <agent>.md"),
        ("orchestrator.md", b"# PM", "'orchestrator' is an alias of 'pm': name the file pm.md"),
    ],
)
def test_corrupt_user_files_are_errors_naming_the_file(tmp_path, name, content, problem):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(PromptFileError, match=re.escape(problem)) as caught:
        build_agent_prompt("qa", FULL, prompts_dir=tmp_path)
    assert caught.value.path == str(tmp_path / name)


def test_unreadable_user_file_is_an_error_naming_it(tmp_path):
    (tmp_path / "qa.md").mkdir()
    with pytest.raises(PromptFileError, match=re.escape(f"{tmp_path / 'qa.md'}: cannot be read")):
        load_prompt_library(tmp_path)
    (tmp_path / "pm.md").symlink_to(tmp_path / "gone.md")
    (tmp_path / "qa.md").rmdir()
    with pytest.raises(PromptFileError, match=re.escape(f"{tmp_path / 'pm.md'}: cannot be read")):
        load_prompt_library(tmp_path)


def test_fixing_a_broken_file_needs_no_cache_clear(tmp_path):
    broken = tmp_path / "qa.md"
    broken.write_bytes(b"")
    with pytest.raises(PromptFileError):
        load_prompt_library(tmp_path)
    broken.write_text("# Role: Fixed QA\n", encoding="utf-8")
    assert load_prompt_library(tmp_path).roles["qa"] == "# Role: Fixed QA"


@pytest.mark.thread_unsafe(
    reason="edits a file in the one tmp_path the threads share and clears the process-wide prompt cache"
)
def test_edited_files_are_read_again_after_clear_prompt_cache(tmp_path):
    role = tmp_path / "qa.md"
    role.write_text("# Role: First\n", encoding="utf-8")
    assert get_role_prompt("qa", tmp_path) == "# Role: First"
    role.write_text("# Role: Second\n", encoding="utf-8")
    assert get_role_prompt("qa", tmp_path) == "# Role: First"
    clear_prompt_cache()
    assert get_role_prompt("qa", tmp_path) == "# Role: Second"


def test_concurrent_first_loads_build_one_library(tmp_path):
    (tmp_path / "qa.md").write_text("# Role: QA\n", encoding="utf-8")
    barrier = threading.Barrier(8)
    seen = []

    def load() -> None:
        barrier.wait()
        seen.append(load_prompt_library(tmp_path))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert all(library is seen[0] for library in seen)


def test_assembly_is_deterministic_across_reloads():
    before = {(a, t): build_agent_prompt(a, t) for a in AGENT_NAMES for t in PromptTemplate}
    clear_prompt_cache()
    assert {(a, t): build_agent_prompt(a, t) for a in AGENT_NAMES for t in PromptTemplate} == before
