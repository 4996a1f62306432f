"""Changes of os.environ made in the running process reach the next selection, without
claude_pm replacing anything of the standard library (os.environ keeps its class)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from claude_pm import selection
from claude_pm.config import get_settings

SWITCH = "ENABLE_DYNAMIC_MODEL_SELECTION"
HAIKU = "claude-3-haiku-20240307"


def _model(task: str = "List the open pull requests") -> str:
    return selection.select("engineer", task_description=task).model_id


def _run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_PM_", "ENABLE_DYNAMIC_"))},
    )


def test_os_environ_keeps_its_class_after_importing_and_using_claude_pm():
    result = _run(
        """
        import os
        import claude_pm
        from claude_pm import selection
        from claude_pm.config import get_settings

        get_settings()
        selection.select("engineer", task_description="List files")
        os.environ["CLAUDE_PM_ROLLOUT_PERCENTAGE"] = "5"
        get_settings()
        print(type(os.environ) is os._Environ, type(os.environ).__name__)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "_Environ"]


def test_assignment_and_deletion_reach_the_next_selection(monkeypatch):
    monkeypatch.setenv(SWITCH, "true")
    assert _model() == HAIKU  # a simple task, routed to haiku
    os.environ[SWITCH] = "false"
    assert _model() != HAIKU  # the engineer's default model
    del os.environ[SWITCH]
    assert _model() == HAIKU


def test_update_setdefault_and_pop_reach_the_next_selection(monkeypatch):
    monkeypatch.delenv(SWITCH, raising=False)
    os.environ.update({SWITCH: "off"})
    assert _model() != HAIKU
    os.environ.pop(SWITCH)
    assert _model() == HAIKU
    os.environ.setdefault(SWITCH, "no")
    assert _model() != HAIKU
    monkeypatch.delenv(SWITCH)
    assert _model() == HAIKU


def test_clear_reaches_the_next_selection(monkeypatch):
    saved = dict(os.environ)
    try:
        os.environ[SWITCH] = "false"
        assert _model() != HAIKU
        os.environ.clear()
        assert get_settings().dynamic_model_selection is True
        assert _model() == HAIKU
    finally:
        os.environ.update(saved)


def test_replacing_os_environ_by_another_mapping_is_noticed(monkeypatch):
    monkeypatch.delenv(SWITCH, raising=False)
    assert _model() == HAIKU
    monkeypatch.setattr(os, "environ", {**os.environ, SWITCH: "false"})
    assert _model() != HAIKU
    assert get_settings().dynamic_model_selection is False
    monkeypatch.undo()
    assert get_settings().dynamic_model_selection is True


def test_unrelated_writes_keep_the_settings_object(monkeypatch):
    before = get_settings()
    monkeypatch.setenv("SOME_OTHER_PROGRAM_SETTING", "1")
    os.putenv("CLAUDE_PM_ROLLOUT_PERCENTAGE", "5")  # not in os.environ, so not a setting either
    try:
        assert get_settings() is before
    finally:
        os.unsetenv("CLAUDE_PM_ROLLOUT_PERCENTAGE")


def test_a_rebuild_between_the_audit_event_and_the_write_is_not_kept():
    # os.environ raises "os.putenv" before it stores the value: a rebuild in that gap (here
    # from a later audit hook; in real life another thread) reads the old value and must
    # not be cached as current.
    result = _run(
        """
        import os, sys
        from claude_pm.config import get_settings

        get_settings()  # adds claude_pm's hook first
        seen = []

        def rebuild_during_the_write(event, args):
            if event == "os.putenv" and args[0] == b"CLAUDE_PM_ROLLOUT_PERCENTAGE":
                seen.append(get_settings().rollout_percentage)

        sys.addaudithook(rebuild_during_the_write)
        os.environ["CLAUDE_PM_ROLLOUT_PERCENTAGE"] = "5"
        print(seen, get_settings().rollout_percentage, get_settings() is get_settings())
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[100.0]", "5.0", "True"]


def test_writes_are_seen_where_the_audit_hook_is_refused():
    result = _run(
        """
        import os, sys

        def refuse_new_hooks(event, args):
            if event == "sys.addaudithook":
                raise RuntimeError("no more hooks")

        sys.addaudithook(refuse_new_hooks)
        from claude_pm import config

        first = config.get_settings()
        os.environ["CLAUDE_PM_ROLLOUT_PERCENTAGE"] = "5"
        changed = config.get_settings()
        del os.environ["CLAUDE_PM_ROLLOUT_PERCENTAGE"]
        print(config._hook_runs, changed.rollout_percentage, config.get_settings().rollout_percentage,
              config.get_settings() is config.get_settings())
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "5.0", "100.0", "True"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_reads_its_own_environment():
    result = _run(
        """
        import os
        from claude_pm.config import get_settings

        get_settings()
        pid = os.fork()
        if pid == 0:
            os.environ["CLAUDE_PM_ROLLOUT_PERCENTAGE"] = "7"
            os._exit(0 if get_settings().rollout_percentage == 7.0 else 3)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), get_settings().rollout_percentage)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "100.0"]
