"""`config check` loads every file a selection or report loads (rules, prompts, prices)
and reports each problem under the variable that names the file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources

import pytest
from claude_pm import config, selection
from claude_pm.cli import main
from claude_pm.errors import ConfigError
from conftest import cli_runner

RULES = "CLAUDE_PM_SCORING_RULES"
PACKAGED_RULES = resources.files("claude_pm") / "data" / "scoring_rules.toml"


def _check(env: dict) -> tuple[int, dict]:
    result = cli_runner().invoke(main, ["config", "check", "--json"], env=env)
    return result.exit_code, json.loads(result.stdout)


def _bad_rules(tmp_path, kind: str) -> str:
    if kind == "missing":
        return str(tmp_path / "no-such-rules.toml")
    if kind == "directory":
        return str(tmp_path)
    if kind == "fifo":
        path = tmp_path / "rules.toml"
        os.mkfifo(path)
        return str(path)
    if kind == "device":
        path = tmp_path / "rules.toml"
        path.symlink_to("/dev/zero")
        return str(path)
    path = tmp_path / "rules.toml"
    path.write_text({"not-toml": "version = [[[\n", "wrong-shape": 'version = "x"\n[complex]\nwords = 3\n'}[kind])
    return str(path)


BAD_RULES = ("missing", "directory", "not-toml", "wrong-shape")
# A reader that takes these whole blocks (FIFO) or never ends (device): only in a child
# process with a timeout and an address-space limit.
BLOCKING_RULES = ("fifo", "device")


def _inherited() -> dict:
    # Only what finds the interpreter and the package; no claude-pm variable of this process.
    return {name: os.environ[name] for name in ("PATH", "PYTHONPATH") if name in os.environ}


def _limited_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    def limit_memory() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run(
        [sys.executable, "-m", "claude_pm", *args],
        capture_output=True,
        text=True,
        env={**_inherited(), **env},
        timeout=60,
        preexec_fn=limit_memory,
    )


@pytest.mark.parametrize("kind", BAD_RULES)
def test_config_check_reports_an_unusable_rules_file(tmp_path, kind):
    code, report = _check({RULES: _bad_rules(tmp_path, kind)})
    assert code == 2 and report["valid"] is False
    (error,) = report["errors"]
    assert error.startswith(f"{RULES}=")
    assert [row["error"] is not None for row in report["variables"] if row["variable"] == RULES] == [True]


@pytest.mark.parametrize("kind", BLOCKING_RULES)
def test_config_check_refuses_a_rules_path_that_is_not_a_regular_file(tmp_path, kind):
    result = _limited_cli("config", "check", "--json", env={RULES: _bad_rules(tmp_path, kind)})
    assert result.returncode == 2, result.stderr[-2000:]
    (error,) = json.loads(result.stdout)["errors"]
    assert error.startswith(f"{RULES}=") and "not a regular file" in error


@pytest.mark.parametrize("kind", BAD_RULES)
def test_selection_with_an_unusable_rules_file_is_a_config_error(monkeypatch, tmp_path, kind):
    monkeypatch.setenv(RULES, _bad_rules(tmp_path, kind))
    with pytest.raises(ConfigError) as raised:
        selection.select("engineer", task_description="List files")
    assert raised.value.variable == RULES


@pytest.mark.parametrize("kind", ("missing", "not-toml", *BLOCKING_RULES))
def test_run_with_an_unusable_rules_file_is_a_one_line_error(tmp_path, kind):
    result = _limited_cli("run", "List files", env={RULES: _bad_rules(tmp_path, kind)})
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.count("\n") == 1 and RULES in result.stderr
    assert "Traceback" not in result.stderr


def test_a_good_rules_file_passes_and_is_used(monkeypatch, tmp_path):
    custom = tmp_path / "rules.toml"
    with resources.as_file(PACKAGED_RULES) as packaged:
        shutil.copy(packaged, custom)
    code, report = _check({RULES: str(custom)})
    assert code == 0 and report["valid"] is True
    monkeypatch.setenv(RULES, str(custom))
    assert selection.select("engineer", task_description="List files").config["complexity_level"] == "SIMPLE"


def test_a_rules_file_is_read_again_after_it_changes(monkeypatch, tmp_path):
    custom = tmp_path / "rules.toml"
    with resources.as_file(PACKAGED_RULES) as packaged:
        shutil.copy(packaged, custom)
    monkeypatch.setenv(RULES, str(custom))
    assert config.get_settings().scoring_rules == str(custom)
    custom.write_text("version = [[[\n")
    monkeypatch.setenv("CLAUDE_PM_LOG_LEVEL", "ERROR")  # any write rebuilds the settings
    with pytest.raises(ConfigError, match=RULES):
        config.get_settings()


def test_config_check_reports_a_missing_prompts_directory(tmp_path):
    code, report = _check({"CLAUDE_PM_PROMPTS_DIR": str(tmp_path / "nowhere")})
    assert code == 2
    (error,) = report["errors"]
    assert error.startswith("CLAUDE_PM_PROMPTS_DIR=") and "nowhere" in error


def test_config_check_reports_a_malformed_prompt_file(tmp_path):
    (tmp_path / "qa.md").write_text("   \n")
    code, report = _check({"CLAUDE_PM_PROMPTS_DIR": str(tmp_path)})
    assert code == 2
    (error,) = report["errors"]
    assert error.startswith("CLAUDE_PM_PROMPTS_DIR=") and "qa.md" in error and "empty" in error


def test_config_check_accepts_a_good_prompts_directory(tmp_path):
    (tmp_path / "qa.md").write_text("You are QA.\n")
    code, report = _check({"CLAUDE_PM_PROMPTS_DIR": str(tmp_path)})
    assert code == 0 and report["valid"] is True


@pytest.mark.parametrize("content", [None, "models = 3\n", '[models]\n"m" = -1\n'])
def test_config_check_reports_an_unusable_pricing_file(tmp_path, content):
    prices = tmp_path / "prices.toml"
    if content is not None:
        prices.write_text(content)
    code, report = _check({"CLAUDE_PM_PRICING_FILE": str(prices)})
    assert code == 2
    (error,) = report["errors"]
    assert error.startswith("CLAUDE_PM_PRICING_FILE=")


def test_config_check_table_names_the_file_problem(tmp_path):
    result = cli_runner().invoke(main, ["config", "check"], env={RULES: str(tmp_path / "missing.toml")})
    assert result.exit_code == 2
    assert f"error: {RULES}=" in result.stderr
    assert "configuration OK" not in result.output
