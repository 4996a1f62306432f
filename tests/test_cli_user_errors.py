"""CLI input that cannot give a meaningful answer is a one-line user error (exit 2)."""

from __future__ import annotations

import pytest
from claude_pm.cli import main
from conftest import cli_runner
from decision_log_support import decision, log_target, record_all

__all__ = ["log_target"]


def _one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize("content", ["", "\n\n   \n"])
def test_eval_on_a_file_without_labelled_rows(tmp_path, content):
    path = tmp_path / "labels.jsonl"
    path.write_text(content)
    _one_line_error(cli_runner().invoke(main, ["eval", str(path)]), "labels.jsonl", "no labelled rows")


@pytest.mark.parametrize("command", [("cost",), ("baseline", "capture", "-o", "-"), ("calibrate", "--budget", "5")])
@pytest.mark.parametrize("since", ["99999999999d", "99999999999w", "9" * 400 + "s", "0001-01-01"])
def test_since_beyond_the_epoch_names_the_option(log_target, command, since):
    record_all(log_target, [decision(score=score) for score in range(0, 100, 10)])
    _one_line_error(cli_runner().invoke(main, [*command, "--since", since]), "--since", repr(since), "1970")


def test_since_within_the_bound_still_works(log_target):
    record_all(log_target, [decision(score=score) for score in range(0, 100, 10)])
    assert cli_runner().invoke(main, ["cost", "--since", "20000d", "--json"]).exit_code == 0
