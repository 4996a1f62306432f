"""`claude-pm quality`: failure and escalation rates from recorded outcomes, per group and per score band."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from claude_pm.cli.app import CliError, emit_json, json_option
from claude_pm.cli.log_options import DECISIONS, decisions_option, percent, report_table, since_option, user_errors
from claude_pm.definitions import TIERS
from claude_pm.quality.report import DEFAULT_BAND_WIDTH, GROUPINGS

__all__ = ["quality"]


@click.command()
@since_option()
@click.option(
    "--by", "by", type=click.Choice(GROUPINGS), default="tier", show_default=True, help="What one row groups."
)
@click.option(
    "--band-width",
    type=int,
    default=DEFAULT_BAND_WIDTH,
    show_default=True,
    help="Width of the score bands (--by score-band and the tier comparison), 1..100.",
)
@decisions_option("Which decisions count: all, live only, or shadow (test-mode) only.")
@json_option
def quality(since: str, by: str, band_width: int, decisions: str, as_json: bool) -> None:
    """Failure rate (95 % Wilson interval) and escalation rate from recorded outcomes."""
    from claude_pm.quality.report import collect_quality

    if not 1 <= band_width <= 100:
        raise CliError(f"--band-width={band_width} is not valid: expected an integer from 1 to 100")
    with user_errors():
        report = collect_quality(since, by, band_width=band_width, shadow=DECISIONS[decisions])
    if as_json:
        emit_json(report)
        return
    _print(report)


def _rate(row: dict[str, Any]) -> str:
    if row["failure_rate"] is None:
        return "n/a"
    return (
        f"{percent(row['failure_rate'] * 100)} "
        f"[{row['failure_rate_low'] * 100:.1f}-{row['failure_rate_high'] * 100:.1f}]"
    )


def _print(report: dict[str, Any]) -> None:
    console = Console()
    window = report["window"]
    table = report_table(
        f"Quality by {report['by']}, {window['decisions']} decisions {window['since']} .. {window['until']}",
        report["by"],
        "decisions",
        "outcomes known",
        "failures",
        "failure rate [95% CI]",
        "escalation rate",
    )
    for row in report["groups"]:
        escalation = None if row["escalation_rate"] is None else row["escalation_rate"] * 100
        table.add_row(
            row["group"],
            f"{row['decisions']:,}",
            f"{row['outcomes_known']:,}",
            f"{row['failures']:,}",
            _rate(row),
            percent(escalation),
        )
    console.print(table)
    comparison = report["tier_comparison"]
    if comparison:
        tiers = [tier for tier in TIERS if any(tier in band["tiers"] for band in comparison)]
        bands = report_table(
            "Tiers on the same score band (failure rate [95% CI], known outcomes; "
            "a > b: a fails significantly more than b)",
            "score band",
            *tiers,
            "finding",
        )
        for band in comparison:
            cells = []
            for tier in tiers:
                row = band["tiers"].get(tier)
                cells.append("" if row is None else f"{_rate(row)} n={row['outcomes_known']:,}")
            # "haiku > sonnet": haiku's interval lies wholly above sonnet's on this band.
            flags = [f"{cheaper} > {stronger}" for cheaper, stronger in band["worse_on_cheaper_tier"]]
            flags += [f"{name} threshold" for name in band["boundary"]]
            bands.add_row(band["band"], *cells, "; ".join(flags))
        console.print(bands)
    if not report["outcomes_known"]:
        click.echo(
            "No decision in this window has a known outcome: record them with claude_pm.record_outcome().", err=True
        )
