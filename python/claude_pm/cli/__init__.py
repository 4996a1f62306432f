"""Command-line interface: `claude-pm`. Each command lives in its own module."""

from __future__ import annotations

from claude_pm.cli import cost_cmd
from claude_pm.cli.app import main

main.add_command(cost_cmd.cost)
main.add_command(cost_cmd.baseline)
main.add_command(cost_cmd.calibrate)

__all__ = ["main"]
