"""The `claude-pm` command group and what every subcommand shares (errors, --json)."""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, TypeVar

import click

from claude_pm import __version__

__all__ = ["CliError", "emit_json", "json_option", "main"]

F = TypeVar("F", bound=Callable[..., Any])


class CliError(click.ClickException):
    """A user error: one line on stderr and exit code 2, like click's own usage errors."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


class _TaskAsDefaultCommand(click.Group):
    """`claude-pm "some task"` is shorthand for `claude-pm run "some task"`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_TaskAsDefaultCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="claude-pm", message="%(prog)s %(version)s")
def main() -> None:
    """Pick the cheapest trustworthy model and a right-sized prompt for agent tasks.

    `claude-pm "TASK"` is shorthand for `claude-pm run "TASK"`.
    """


def json_option(function: F) -> F:
    """The --json flag every command offers: machine-readable output on stdout."""
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of a table.")(
        function
    )


def emit_json(payload: Any) -> None:
    json.dump(payload, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")
