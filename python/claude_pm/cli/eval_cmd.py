"""`claude-pm eval`: routing quality on a labelled JSONL file."""

from __future__ import annotations

import click

from claude_pm.cli.app import CliError, emit_json, json_option

__all__ = ["eval_command"]


@click.command("eval")
@click.argument("path", type=click.Path(exists=True))
@click.option(
    "--split", "by_split", is_flag=True, help="Report the tune and check splits (a fixed hash of each task) apart."
)
@json_option
def eval_command(path: str, by_split: bool, as_json: bool) -> None:
    """Accuracy, per-tier confusion matrix and under-routing rate of the router on PATH.

    PATH is a JSONL file (or a directory of them) with one JSON object per line: the task
    in `task` (or `text`) and the expected tier in `tier` (SIMPLE/MEDIUM/COMPLEX) or
    `acceptable_tiers`.
    """
    from claude_pm.evaluation import evaluate_file, evaluate_split, format_report

    try:
        reports = evaluate_split(path) if by_split else {"all": evaluate_file(path)}
    except ValueError as error:
        raise CliError(str(error)) from None
    if as_json:
        emit_json(
            reports["all"].to_dict() if not by_split else {name: report.to_dict() for name, report in reports.items()}
        )
        return
    for i, (name, report) in enumerate(reports.items()):
        if by_split:
            click.echo(("\n" if i else "") + f"{name} split")
        click.echo(format_report(report))
