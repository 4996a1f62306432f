"""`claude-pm config check`: the effective configuration, every variable validated."""

from __future__ import annotations

import os
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from claude_pm import config
from claude_pm.cli.app import emit_json, json_option
from claude_pm.prompt_library import AGENT_ALIASES, AGENT_NAMES

__all__ = ["config_group", "markdown_table"]


@click.group("config")
def config_group() -> None:
    """Inspect and validate the configuration taken from the environment."""


def _rows() -> list[dict[str, Any]]:
    """One row per fixed variable (its value or its default) and per per-agent variable set."""
    rows = []
    for variable in config.KNOWN_VARIABLES:
        if config.AGENT in variable.name:
            for name in sorted(os.environ):
                found = config.variable_of(name)
                if found is not None and found[0] is variable and found[1] is not None:
                    rows.append(_row(variable, name, os.environ[name]))
            continue
        rows.append(_row(variable, variable.name, os.environ.get(variable.name)))
    return rows


def _row(variable: config.Variable, name: str, value: str | None) -> dict[str, Any]:
    return {
        "variable": name,
        "value": variable.default if value is None else config.redact(name, value),
        "source": "default" if value is None else "environment",
        "meaning": variable.meaning,
    }


@config_group.command("check")
@json_option
def check(as_json: bool) -> None:
    """Print the effective configuration; exit 2 if any variable is invalid.

    The files the variables name (scoring rules, prompts directory, pricing file) are
    loaded as a selection or report would load them. Secret values are shown redacted.
    """
    errors = config.validate_environment()
    unknown = config.unrecognised_variables(tuple(AGENT_NAMES) + tuple(AGENT_ALIASES))
    rows = _rows()
    bad = {error.variable: str(error) for error in errors}
    for row in rows:
        row["error"] = bad.get(row["variable"])
    key_slots = _key_slots(errors)
    if as_json:
        emit_json(
            {
                "valid": not errors,
                "variables": rows,
                "errors": list(bad.values()),
                "unrecognised": unknown,
                "key_slots": key_slots,
            }
        )
    else:
        console = Console()
        table = Table(title="claude-pm configuration", title_justify="left")
        for column in ("variable", "value", "source", "status"):
            table.add_column(column)
        for row in rows:
            status = "[red]invalid[/red]" if row["error"] else "ok"
            table.add_row(row["variable"], row["value"], row["source"], status)
        console.print(table)
        slots = Table(title="API key slots (the agent's, else the tier's, else env)", title_justify="left")
        for column in ("slot", "variable", "source", "key"):
            slots.add_column(column)
        for slot in key_slots:
            slots.add_row(slot["slot"], slot["variable"], slot["source"], slot["key"])
        console.print(slots)
        for message in bad.values():
            click.echo(f"error: {message}", err=True)
        for name in unknown:
            click.echo(f"warning: {name} is not a claude-pm variable (typo or unknown agent?)", err=True)
        if not errors:
            click.echo("configuration OK")
    if errors:
        raise SystemExit(2)


def _key_slots(errors: list[config.ConfigError]) -> list[dict[str, Any]]:
    """Which key slots are configured and from where; a key is shown as `set (…wxyz)` at most."""
    if errors:
        # The slots come from valid settings only; the errors above say what to fix.
        return []
    from claude_pm.api_keys import slot_report

    return slot_report(config.get_settings())


def markdown_table() -> str:
    """The configuration reference as a Markdown table (the README embeds it verbatim)."""
    lines = ["| variable | default | allowed | meaning |", "| --- | --- | --- | --- |"]
    for variable in config.KNOWN_VARIABLES:
        lines.append(f"| `{variable.name}` | {variable.default} | {variable.allowed} | {variable.meaning} |")
    return "\n".join(lines)


@config_group.command("table")
def table() -> None:
    """Print the configuration reference as a Markdown table."""
    click.echo(markdown_table())
