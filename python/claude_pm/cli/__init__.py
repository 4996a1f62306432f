"""Command-line interface: `claude-pm`. Each command lives in its own module."""

from __future__ import annotations

from claude_pm.cli.app import main

__all__ = ["main"]
