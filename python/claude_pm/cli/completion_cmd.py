"""`claude-pm completion SHELL`: print the shell completion script."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

__all__ = ["completion"]


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the completion script for SHELL.

    Enable it with, for bash: eval "$(claude-pm completion bash)"
    """
    completion_class = get_completion_class(shell)
    if completion_class is None:  # click.Choice already restricts SHELL; this guards click upgrades
        raise click.BadParameter(f"unsupported shell {shell}")
    root = ctx.find_root()
    script = completion_class(root.command, {}, "claude-pm", "_CLAUDE_PM_COMPLETE").source()
    click.echo(script)
