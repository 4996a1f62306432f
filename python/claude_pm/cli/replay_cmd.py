"""`claude-pm replay`: what candidate thresholds or rules would have done to the logged decisions."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from claude_pm.cli.app import CliError, emit_json, json_option
from claude_pm.cli.log_options import money, percent, report_table, since_option, user_errors
from claude_pm.definitions import TIERS

__all__ = ["print_replay", "replay_command"]


@click.command("replay")
@since_option()
@click.option(
    "--rules",
    "rules_path",
    default=None,
    help="Candidate scoring rules file (needs task text in the log: CLAUDE_PM_AUDIT_INCLUDE_TASK_TEXT).",
)
@click.option("--thresholds", default=None, help="Candidate SIMPLE/MEDIUM thresholds, e.g. 25/65.")
@click.option("--agent", default=None, help="Replay only this agent's decisions.")
@json_option
def replay_command(
    since: str, rules_path: str | None, thresholds: str | None, agent: str | None, as_json: bool
) -> None:
    """Re-score logged decisions under candidate thresholds or rules: tier shift, cost, outcomes.

    Nothing is applied: the report shows what the candidate would have done to the
    decisions in the window (CLAUDE_PM_DECISION_LOG).
    """
    from claude_pm.replay import parse_thresholds, replay

    if rules_path is None and thresholds is None:
        raise CliError("give --thresholds SIMPLE/MEDIUM (e.g. 25/65), --rules FILE, or both")
    with user_errors():
        pair = parse_thresholds(thresholds) if thresholds is not None else None
        result = replay(since=since, thresholds=pair, rules=rules_path, agent=agent)
    if as_json:
        emit_json(result)
        return
    print_replay(result)


def print_replay(result: dict[str, Any], title: str = "Replay") -> None:
    """The replay report as tables (also printed by `claude-pm train`)."""
    console = Console()
    decisions, current, candidate = result["decisions"], result["current"], result["candidate"]
    window = result["window"]
    click.echo(f"{title}: decisions from {window['since']} to {window['until']}")
    summary = report_table("", "", "current", "candidate")
    summary.add_row(
        "thresholds",
        f"{current['simple_threshold']}/{current['medium_threshold']}",
        f"{candidate['simple_threshold']}/{candidate['medium_threshold']}",
    )
    summary.add_row("rules", str(current["rules"]), str(candidate["rules"]))
    for tier in result["mix"]["before"]:
        summary.add_row(f"{tier} share", percent(result["mix"]["before"][tier]), percent(result["mix"]["after"][tier]))
    cost = result["cost"]
    summary.add_row("cost", money(cost["before_usd"]), money(cost["after_usd"]))
    summary.add_row("cost change", "", f"{money(cost['change_usd'])} ({percent(cost['change_percent'])})")
    console.print(summary)
    replayed = report_table("Decisions", "", "count")
    replayed.add_row("in window", f"{decisions['in_window']:,}")
    replayed.add_row("replayed", f"{decisions['replayed']:,}")
    replayed.add_row("without a score", f"{decisions['no_score']:,}")
    replayed.add_row("model not chosen by the score", f"{decisions['not_score_routed']:,}")
    if "no_task_text" in decisions:
        replayed.add_row("no task text (not re-scored)", f"{decisions['no_task_text']:,}")
    changes = result["changes"]
    replayed.add_row("change tier", f"{changes['changed']:,}")
    replayed.add_row("  to a stronger tier", f"{changes['to_stronger']:,}")
    replayed.add_row("  to a weaker tier", f"{changes['to_weaker']:,}")
    console.print(replayed)
    agents = report_table("Tier mix per agent (before -> after)", "agent", "decisions", *TIERS)
    for name, entry in result["by_agent"].items():
        agents.add_row(
            name,
            f"{entry['decisions']:,}",
            *(f"{entry['before'][tier]:.1f}% -> {entry['after'][tier]:.1f}%" for tier in TIERS),
        )
    console.print(agents)
    outcomes = result["outcomes"]
    if outcomes["known"]:
        click.echo(
            f"Known outcomes: {outcomes['failures']:,} failures, {outcomes['failures_to_stronger']:,} of them "
            f"would go to a stronger tier; {outcomes['successes']:,} successes, "
            f"{outcomes['successes_to_weaker']:,} of them would go to a weaker tier."
        )
    else:
        click.echo("No known outcomes in this window (record them with record_outcome).")
