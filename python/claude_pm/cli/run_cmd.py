"""`claude-pm run` (and the bare `claude-pm "TASK"`) and `claude-pm explain`."""

from __future__ import annotations

import logging
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from claude_pm import selection
from claude_pm.analysis import TaskComplexityAnalyzer
from claude_pm.cli.app import CliError, emit_json, json_option

__all__ = ["explain", "run"]

_DEPTHS = ("none", "shallow", "moderate", "deep")


def _fact_options(function: Any) -> Any:
    options = [
        click.option("--agent", "-a", default="engineer", show_default=True, help="Agent type."),
        click.option("--user-id", default=None, help="User id for percentage rollout."),
        click.option("--file-count", type=click.IntRange(min=0), default=None, help="Files involved."),
        click.option("--context-size", type=click.IntRange(min=0), default=None, help="Characters of context."),
        click.option("--integration-points", type=click.IntRange(min=0), default=None, help="Systems integrated."),
        click.option("--requires-research", is_flag=True, default=None),
        click.option("--requires-testing", is_flag=True, default=None),
        click.option("--requires-documentation", is_flag=True, default=None),
        click.option("--technical-depth", type=click.Choice(_DEPTHS, case_sensitive=False), default=None),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _select(task: str, agent: str, user_id: str | None, facts: dict[str, Any]) -> selection.Selection:
    if not task.strip():
        raise CliError('TASK is empty: describe the task to route, e.g. claude-pm "List files"')
    _ensure_log_handler()
    given = {name: value for name, value in facts.items() if value is not None}
    try:
        return selection.select(agent, task_description=task, user_id=user_id, **given)
    except ValueError as error:
        raise CliError(str(error)) from None


def _ensure_log_handler() -> None:
    # The library only logs; the CLI is an application and shows those logs on stderr.
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _summary(chosen: selection.Selection) -> dict[str, Any]:
    config = chosen.config
    return {
        "agent": chosen.agent,
        "score": config["complexity_score"],
        "level": config["complexity_level"],
        "model": chosen.model_id,
        "tier": config["model_tier"],
        "template": config["template_used"],
        "token_reduction_percentage": config["token_reduction_percentage"],
        "selection_method": config["selection_method"],
        "reason": config["reason"],
        "rollout": config["rollout"],
        "confidence": config["confidence"],
        "signals": [{"signal": name, "points": points} for name, points in config["signals"]],
        "decision_id": chosen.decision_id,
    }


@click.command()
@click.argument("task")
@_fact_options
@json_option
def run(task: str, agent: str, user_id: str | None, as_json: bool, **facts: Any) -> None:
    """Route TASK: print agent, score, level, model, template and the signals that fired."""
    summary = _summary(_select(task, agent, user_id, facts))
    if as_json:
        emit_json(summary)
        return
    signals = ", ".join(f"{s['signal']} ({s['points']:+d})" for s in summary["signals"]) or "none"
    reduction = f"{summary['token_reduction_percentage']:.1f}%"
    click.echo(f"agent:      {summary['agent']}")
    click.echo(f"score:      {summary['score']}  (confidence {summary['confidence']})")
    click.echo(f"level:      {summary['level']}")
    click.echo(f"model:      {summary['model']}  ({summary['selection_method']}, {summary['reason']})")
    click.echo(f"template:   {summary['template']}  (prompt {reduction} smaller than FULL)")
    click.echo(f"signals:    {signals}")


@click.command()
@click.argument("task")
@_fact_options
@json_option
def explain(task: str, agent: str, user_id: str | None, as_json: bool, **facts: Any) -> None:
    """Show how TASK was scored: every signal and score part with its points."""
    chosen = _select(task, agent, user_id, facts)
    config = chosen.config
    given = {name: value for name, value in facts.items() if value is not None}
    breakdown = TaskComplexityAnalyzer().analyze_task(task, **given).scoring_breakdown
    if as_json:
        emit_json({**_summary(chosen), "scoring_breakdown": breakdown})
        return
    console = Console()
    signals = Table(title="Signals", title_justify="left")
    signals.add_column("signal")
    signals.add_column("points", justify="right")
    for name, points in config["signals"]:
        signals.add_row(name, f"{points:+d}")
    console.print(signals)
    parts = Table(title="Score", title_justify="left")
    parts.add_column("part")
    parts.add_column("points", justify="right")
    for part, points in breakdown.items():
        parts.add_row(part, str(points))
    parts.add_row("total (clamped 0..100)", str(config["complexity_score"]), style="bold")
    console.print(parts)
    console.print(
        f"level {config['complexity_level']} -> model {chosen.model_id} "
        f"({config['selection_method']}), template {config['template_used']}"
    )
