"""`claude-pm train`: fit rules weights and thresholds to labels; writes a proposal, applies nothing."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from claude_pm.cli.app import CliError, emit_json, json_option
from claude_pm.cli.log_options import percent, report_table, since_option, user_errors
from claude_pm.cli.replay_cmd import print_replay

__all__ = ["train_command"]


@click.command("train")
@click.argument("labels", required=False, type=click.Path(dir_okay=True))
@click.option("--from-log", is_flag=True, help="Also label tasks from known outcomes in the decision log.")
@since_option("30d")
@click.option("--out", "out", required=True, help="Where to write the proposed rules file.")
@click.option(
    "--weights",
    "weights",
    multiple=True,
    help="Fit only the weights matching this glob (repeatable), e.g. 'actions.*.base'; 'none': thresholds only.",
)
@json_option
def train_command(
    labels: str | None, from_log: bool, since: str, out: str, weights: tuple[str, ...], as_json: bool
) -> None:
    """Fit the rules file's weights and the thresholds to LABELS (an eval JSONL file) and/or logged outcomes.

    Prints a unified diff against the current rules file, the accuracy and under-routing
    of both on the held-out (check) split, and the proposal replayed over the decision
    log when one is configured. Nothing is applied: review the diff, then point
    CLAUDE_PM_SCORING_RULES at the written file.
    """
    from claude_pm.training import train

    if labels is None and not from_log:
        raise CliError("give a LABELS.jsonl file, --from-log, or both")
    with user_errors():
        try:
            report = train(labels, out=out, from_log=from_log, since=since, weights=list(weights) or None)
        except OSError as error:
            raise ValueError(f"{labels}: cannot be read: {error.strerror or error}") from None
    if as_json:
        emit_json(report)
        return
    _print_training(report)


def _rate(value: float | None) -> str:
    return "n/a" if value is None else percent(value * 100.0)


def _print_training(report: dict[str, Any]) -> None:
    click.echo(report["diff"] or "No weight changed: the proposed rules file equals the current one.")
    labels = report["labels"]
    console = Console()
    click.echo(
        f"Held-out (check) split: {labels['check']} of {labels['total']} labels; fitted on the "
        f"{labels['tune']} of the tune split ({report['weights_fitted']} weights, {report['evaluations']} candidates)"
    )
    if report.get("note"):
        click.echo(report["note"])
    table = report_table("", "", "current", "proposed")
    current, proposed = report["held_out"]["current"], report["held_out"]["proposed"]
    table.add_row(
        "thresholds",
        f"{report['current']['simple_threshold']}/{report['current']['medium_threshold']}",
        f"{report['proposed']['simple_threshold']}/{report['proposed']['medium_threshold']}",
    )
    table.add_row("accuracy", _rate(current["accuracy"]), _rate(proposed["accuracy"]))
    table.add_row(
        "under-routing (COMPLEX scored SIMPLE)",
        _rate(current["under_routing_rate"]),
        _rate(proposed["under_routing_rate"]),
    )
    table.add_row("routed below the label", str(current["below_label"]), str(proposed["below_label"]))
    table.add_row("routed above the label", str(current["above_label"]), str(proposed["above_label"]))
    console.print(table)
    if report["replay"]["available"]:
        print_replay(report["replay"], title="Proposal replayed over the log")
    else:
        click.echo(f"Replay: {report['replay']['note']}")
    click.echo("To try the proposal (nothing was applied):")
    for name, value in report["environment"].items():
        click.echo(f"export {name}={value}")
