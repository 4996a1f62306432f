"""What every command that reads the decision log shares: the --since and --decisions
options, one-line user errors, and the table and number formats of the reports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable, TypeVar

import click
from rich.table import Table

from claude_pm.cli.app import CliError

__all__ = ["DECISIONS", "decisions_option", "money", "percent", "report_table", "since_option", "user_errors"]

F = TypeVar("F", bound=Callable[..., Any])

# --decisions value -> the `shadow` filter the reports take.
DECISIONS = {"all": None, "live": False, "shadow": True}
_SINCE_ALLOWED = (
    "a duration such as 7d, 24h, 30m or 2w, or an ISO date/time, reaching back no further than "
    "1970-01-01 (the decision log holds nothing older)"
)
_SINCE_HELP = "Window to analyse: a duration such as 7d, 24h, 30m, 2w, or an ISO date (not before 1970)."


def _checked_since(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--since parsed up front, so a window no log can cover is an error naming the option."""
    from claude_pm.decision_log.queries import window

    if value is None:
        return None
    try:
        start = window(value).start
    except (ValueError, OverflowError):
        start = -1.0
    if not start >= 0:  # before the POSIX epoch, or not a window at all
        raise CliError(f"--since={value!r} is not valid: expected {_SINCE_ALLOWED}")
    return value


def since_option(default: str | None = "7d", *, default_help: str = "") -> Callable[[F], F]:
    """--since, checked up front; `default` None means the command picks the window."""
    help_text = _SINCE_HELP + (f" {default_help}" if default_help else "")
    return click.option(
        "--since", default=default, show_default=default is not None, help=help_text, callback=_checked_since
    )


def decisions_option(help_text: str) -> Callable[[F], F]:
    """--decisions all|live|shadow; read the filter with DECISIONS[value]."""
    return click.option(
        "--decisions", type=click.Choice(sorted(DECISIONS)), default="all", show_default=True, help=help_text
    )


@contextmanager
def user_errors() -> Iterator[None]:
    """Bad input and an unusable log become one-line CLI errors (exit 2), never tracebacks."""
    from claude_pm.decision_log import DecisionLogError

    try:
        yield
    except (ValueError, DecisionLogError) as error:
        raise CliError(str(error)) from None


def money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.4f}"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def report_table(title: str, *columns: str) -> Table:
    """A report table: the first column left-aligned, the figures right-aligned."""
    result = Table(title=title, title_justify="left")
    for index, column in enumerate(columns):
        result.add_column(column, justify="left" if index == 0 else "right")
    return result
