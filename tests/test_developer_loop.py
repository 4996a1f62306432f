"""`make` and CI run one developer loop: scripts/check.sh, called by both."""

from __future__ import annotations

import re

from conftest import REPO_ROOT

CHECK = (REPO_ROOT / "scripts" / "check.sh").read_text(encoding="utf-8")


def _commands(script: str) -> list[str]:
    return [line.strip() for line in script.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_ci_and_the_default_make_target_both_run_the_whole_check_script():
    assert "bash scripts/test.sh" in _commands((REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert "bash scripts/check.sh all" in _commands((REPO_ROOT / "scripts" / "test.sh").read_text(encoding="utf-8"))
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    default_target = re.search(r"^([\w-]+):", makefile, flags=re.M)
    assert default_target and default_target.group(1) == "all"
    assert re.search(r"^all: build check$", makefile, flags=re.M)
    assert "bash scripts/check.sh $(if $(filter check,$@),all,$@)" in makefile


def test_make_and_ci_build_the_environment_with_one_script():
    test_sh = _commands((REPO_ROOT / "scripts" / "test.sh").read_text(encoding="utf-8"))
    assert "bash scripts/build-venv.sh" in test_sh
    assert test_sh.index("bash scripts/build-venv.sh") < test_sh.index("bash scripts/check.sh all")
    assert "VENV=$(VENV) bash scripts/build-venv.sh" in _commands((REPO_ROOT / "Makefile").read_text(encoding="utf-8"))


def test_the_check_script_runs_every_step_of_the_loop():
    commands = _commands(CHECK)
    for step in (
        "cargo fmt --check",
        '"$venv/bin/ruff" format --check python tests benches',
        "cargo clippy --locked --quiet --all-targets -- -D warnings",
        "cargo clippy --locked --quiet --all-targets --features python -- -D warnings",
        '"$venv/bin/ruff" check python tests benches',
        '"$venv/bin/python" -m mypy.stubtest claude_pm._core',
        "cargo test --locked --quiet",
        "promtool check rules deploy/prometheus/alerts.yaml",
        "promtool test rules deploy/prometheus/alerts.test.yaml",
        '"$venv/bin/python" -m pytest -q',
    ):
        assert step in commands, step
    assert any("test-postgres.sh start" in command for command in commands)
    assert any("--parallel-threads=4" in command for command in commands)


def test_the_thread_safety_files_exist():
    listed = re.search(r"THREAD_SAFETY_TESTS=\((.*?)\)", CHECK, flags=re.S)
    assert listed is not None
    files = listed.group(1).split()
    assert files and all((REPO_ROOT / name).is_file() for name in files), files
