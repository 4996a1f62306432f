"""`claude-pm eval`: routing quality on a labelled JSONL file."""

from __future__ import annotations

import click

from claude_pm.cli.app import CliError, emit_json, json_option

__all__ = ["eval_command"]


@click.command("eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@json_option
def eval_command(path: str, as_json: bool) -> None:
    """Accuracy, per-tier confusion matrix and under-routing rate of the router on PATH.

    PATH holds one JSON object per line with the task in `task` (or `text`) and the
    expected tier in `tier` (SIMPLE/MEDIUM/COMPLEX) or `acceptable_tiers`.
    """
    from claude_pm.evaluation import evaluate_file, format_report

    try:
        report = evaluate_file(path)
    except ValueError as error:
        raise CliError(str(error)) from None
    if as_json:
        emit_json(report.to_dict())
    else:
        click.echo(format_report(report))
