"""Packaging conventions: one version source, the stable-ABI module, `python -m claude_pm`,
one-line command help, documented completion and the changelog."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import claude_pm
import click
import pytest
from claude_pm import _core
from claude_pm.cli import main
from claude_pm.cli.completion_cmd import completion

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
INSTALLED_VERSION = metadata.version("claude-pm")
CONSOLE_SCRIPT = Path(sys.executable).parent / "claude-pm"


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60, cwd=REPO)


# --- version ---------------------------------------------------------------------------


def test_package_version_is_the_installed_distributions():
    assert claude_pm.__version__ == INSTALLED_VERSION


def test_cli_version_is_the_installed_distributions():
    assert run(sys.executable, "-m", "claude_pm", "--version").stdout == f"claude-pm {INSTALLED_VERSION}\n"


def test_the_version_is_written_only_in_cargo_toml():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    cargo = tomllib.loads((REPO / "Cargo.toml").read_text())["package"]
    assert "version" not in pyproject
    assert "version" in pyproject["dynamic"]
    assert cargo["version"] == INSTALLED_VERSION


# --- stable ABI ------------------------------------------------------------------------


def test_the_native_module_is_the_stable_abi_build():
    # A version-specific module left beside it (an older build) would shadow it.
    assert Path(_core.__file__).name == "_core.abi3.so"


def test_the_wheel_is_tagged_for_every_python_from_39():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    cargo = tomllib.loads((REPO / "Cargo.toml").read_text())
    assert pyproject["project"]["requires-python"] == ">=3.9"
    (feature,) = pyproject["tool"]["maturin"]["features"]
    assert "pyo3/abi3-py39" in cargo["features"][feature]


# --- python -m claude_pm ---------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [("--help",), ("--version",), ("config", "--help"), ("config", "no-such-command")],
    ids=["help", "version", "subcommand-help", "usage-error"],
)
def test_python_dash_m_behaves_like_the_console_script(argv):
    if not CONSOLE_SCRIPT.is_file():
        pytest.fail(f"console script {CONSOLE_SCRIPT} not installed beside {sys.executable}")
    as_module = run(sys.executable, "-m", "claude_pm", *argv)
    as_script = run(str(CONSOLE_SCRIPT), *argv)
    assert (as_module.returncode, as_module.stdout, as_module.stderr) == (
        as_script.returncode,
        as_script.stdout,
        as_script.stderr,
    )
    assert "claude-pm" in as_module.stdout + as_module.stderr


# --- --help ----------------------------------------------------------------------------


def _groups(group: click.Group = main, path: tuple[str, ...] = ()):
    yield path, group
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _groups(command, (*path, name))


GROUPS = dict(_groups())


def _help_command_lines(path: tuple[str, ...]) -> list[str]:
    text = run(sys.executable, "-m", "claude_pm", *path, "--help").stdout
    return text.split("\nCommands:\n", 1)[1].splitlines()


@pytest.mark.parametrize("path", list(GROUPS), ids=lambda path: " ".join(("claude-pm", *path)))
def test_help_lists_every_command_once_on_one_untruncated_line(path):
    lines = _help_command_lines(path)
    names = [line.split()[0] for line in lines]
    assert sorted(names) == sorted(GROUPS[path].commands)
    for line in lines:
        assert re.match(r"^  \S+ +\S", line), f"not one line per command: {line!r}"
        assert not line.endswith("..."), f"help line cut short: {line!r}"


@pytest.mark.parametrize("path", list(GROUPS), ids=lambda path: " ".join(("claude-pm", *path)))
def test_each_commands_help_line_is_its_whole_summary(path):
    lines = dict(line.split(None, 1) for line in _help_command_lines(path))
    for name, command in GROUPS[path].commands.items():
        assert lines[name] == command.get_short_help_str(limit=1_000), name


# --- shell completion ------------------------------------------------------------------


def test_readme_documents_completion_for_every_shell_the_command_accepts():
    readme = (REPO / "README.md").read_text()
    shells = completion.params[0].type.choices  # type: ignore[attr-defined]
    assert isinstance(completion.params[0].type, click.Choice)
    for shell in shells:
        assert f"claude-pm completion {shell}" in readme, shell


def test_completion_script_names_the_completion_variable():
    result = run(sys.executable, "-m", "claude_pm", "completion", "bash")
    assert result.returncode == 0
    assert "_CLAUDE_PM_COMPLETE=bash_complete" in result.stdout


@pytest.mark.parametrize(
    "argv", [(str(CONSOLE_SCRIPT),), (sys.executable, "-m", "claude_pm")], ids=["console-script", "python-m"]
)
def test_completion_variable_completes_command_names(argv):
    completed = subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": str(CONSOLE_SCRIPT.parent),
            "_CLAUDE_PM_COMPLETE": "bash_complete",
            "COMP_WORDS": "claude-pm ro",
            "COMP_CWORD": "1",
        },
    )
    assert completed.stdout.split() == ["plain,rollout"]


# --- changelog -------------------------------------------------------------------------

CHANGELOG = REPO / "CHANGELOG.md"
RELEASE_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.MULTILINE)


def test_changelog_follows_keep_a_changelog():
    text = CHANGELOG.read_text()
    assert text.startswith("# Changelog\n")
    assert "https://keepachangelog.com/en/1.1.0/" in text
    headings = re.findall(r"^## .*$", text, flags=re.MULTILINE)
    assert headings[0] == "## [Unreleased]"
    releases = RELEASE_HEADING.findall(text)
    assert len(releases) == len(headings) - 1, "every heading after Unreleased is '## [X.Y.Z] - YYYY-MM-DD'"
    assert releases[-1][0] == "1.3.0"
    versions = [tuple(int(part) for part in version.split(".")) for version, _ in releases]
    assert versions == sorted(versions, reverse=True)
    allowed = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    assert set(re.findall(r"^### (.*)$", text, flags=re.MULTILINE)) <= allowed


def test_changelog_has_a_section_for_the_installed_version():
    released = [version for version, _ in RELEASE_HEADING.findall(CHANGELOG.read_text())]
    assert INSTALLED_VERSION in released


# --- interpreter exit ------------------------------------------------------------------

_EXIT_WITH_THREADS_IN_NATIVE_CODE = """
import threading, time
from claude_pm.services.shared_prompt_cache import SharedPromptCache

cache = SharedPromptCache.get_instance()
for i in range(5000):
    cache.set(f"claude_pm:entry:{i}", "x" * 20)

def scan():
    while True:
        cache.invalidate("nothing-matches-*")   # scans with the GIL released

for _ in range(4):
    threading.Thread(target=scan, daemon=True).start()
time.sleep(0.3)
"""


def test_interpreter_exit_with_daemon_threads_inside_the_native_module_is_clean():
    # CPython ends a daemon thread that wakes up during finalization with pthread_exit,
    # which unwinds through the native frames: a module linked with an unwinder of its
    # own (as zig links one) crashes there. Several runs, since the race is timing-bound.
    for attempt in range(6):
        done = subprocess.run(
            [sys.executable, "-c", _EXIT_WITH_THREADS_IN_NATIVE_CODE], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, f"run {attempt}: exit code {done.returncode}: {done.stderr[-500:]}"
