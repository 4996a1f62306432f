"""`claude-pm rollout status`: per agent, whether optimisation is on right now, and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from claude_pm.cli.app import CliError, emit_json, json_option
from claude_pm.config import get_settings
from claude_pm.errors import ConfigError
from claude_pm.prompt_library import AGENT_NAMES
from claude_pm.rollout import should_enable_optimization, user_bucket

__all__ = ["rollout_group"]


@click.group("rollout")
def rollout_group() -> None:
    """Inspect the rollout: switches, forced models, percentage and time-window gates."""


@rollout_group.command("status")
@json_option
@click.option(
    "--user-id",
    default=None,
    help="Evaluate the percentage gate for this user id (without one, a percentage below 100 counts as not enrolled).",
)
@click.option(
    "--at",
    "at",
    type=click.DateTime(formats=["%H:%M", "%Y-%m-%dT%H:%M"]),
    default=None,
    help="Evaluate the time windows at this local time (HH:MM today, or YYYY-MM-DDTHH:MM) instead of now.",
)
def status(as_json: bool, user_id: str | None, at: datetime | None) -> None:
    """Print, per agent, whether optimisation is on and the reason."""
    moment = _moment(at)
    try:
        settings = get_settings()
        decisions = {agent: should_enable_optimization(agent, user_id, moment, settings) for agent in AGENT_NAMES}
    except ConfigError as error:
        raise CliError(str(error)) from None
    rows: list[dict[str, Any]] = [
        {"agent": agent, "enabled": d.enabled, "reason": d.reason, "shadow": d.shadow, "detail": d.detail}
        for agent, d in decisions.items()
    ]
    if as_json:
        emit_json(
            {
                "time": moment.isoformat(timespec="minutes"),
                "user_id": user_id,
                "user_bucket": user_bucket(user_id) if user_id else None,
                "shadow": settings.test_mode,
                "agents": rows,
            }
        )
        return
    table = Table(title="claude-pm rollout status", title_justify="left")
    for column in ("agent", "optimisation", "reason"):
        table.add_column(column, no_wrap=True)
    table.add_column("detail", overflow="fold")
    for row in rows:
        state = "[green]on[/green]" if row["enabled"] else "[red]off[/red]"
        table.add_row(row["agent"], state, row["reason"], row["detail"])
    console = Console()
    console.print(table)
    who = f"for user id {user_id!r} (bucket {user_bucket(user_id)})" if user_id else "without a user id"
    click.echo(f"evaluated at {moment:%Y-%m-%d %H:%M %Z} {who}")
    if settings.test_mode:
        click.echo(
            "shadow mode (CLAUDE_PM_TEST_MODE=true): decisions are counted, callers get the "
            "default model and the FULL prompt"
        )


def _moment(at: datetime | None) -> datetime:
    now = datetime.now().astimezone()
    if at is None:
        return now
    if at.year == 1900:  # only HH:MM was given: that time today
        return now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return at.astimezone()
