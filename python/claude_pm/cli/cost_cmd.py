"""`claude-pm cost`, `claude-pm baseline capture|compare` and `claude-pm calibrate`: reports over the decision log."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console

from claude_pm.cli.app import CliError, emit_json, json_option
from claude_pm.cli.log_options import (
    DECISIONS,
    decisions_option,
    money,
    percent,
    report_table,
    since_option,
    user_errors,
)
from claude_pm.config import DEFAULT_MODEL_IDS

__all__ = ["baseline", "calibrate", "cost"]


@click.command()
@since_option()
@click.option(
    "--baseline-model",
    default=DEFAULT_MODEL_IDS["sonnet"],
    show_default=True,
    help="Model (id or tier name) every request is compared against.",
)
@decisions_option("Which decisions to price: all, live only, or shadow (test-mode) only.")
@json_option
def cost(since: str, baseline_model: str, decisions: str, as_json: bool) -> None:
    """Cost impact of model selection over the decision log (CLAUDE_PM_DECISION_LOG)."""
    from claude_pm.cost import analyze_cost_impact

    with user_errors():
        report = analyze_cost_impact(since=since, baseline_model=baseline_model, shadow=DECISIONS[decisions])
    if as_json:
        emit_json(report)
        return
    console = Console()
    window = report["window"]
    summary = report_table(
        f"Cost impact, {window['decisions']} decisions {window['since']} .. {window['until']}", "", "value"
    )
    summary.add_row("requests", f"{report['total_requests']:,}")
    summary.add_row("weighted cost / M tokens", money(report["weighted_cost_per_million"]))
    summary.add_row(f"baseline ({report['baseline_model']}) / M tokens", money(report["baseline_cost_per_million"]))
    summary.add_row("savings", percent(report["savings_percent"]))
    summary.add_row("estimated cost", money(report["estimated_cost_usd"]))
    summary.add_row("same tokens on baseline model", money(report["baseline_estimated_cost_usd"]))
    reduction = report["token_reduction"]
    summary.add_row(
        "prompt tokens sent / FULL", f"{reduction['prompt_tokens']:,} / {reduction['full_prompt_tokens']:,}"
    )
    summary.add_row("token reduction", percent(reduction["reduction_percent"]))
    summary.add_row("saved by smaller prompts", money(reduction["estimated_savings_usd"]))
    usage = report["usage"]
    if usage["decisions_with_usage"]:
        summary.add_row("decisions with real usage", f"{usage['decisions_with_usage']:,}")
        summary.add_row(
            "real-usage cost / on baseline", f"{money(usage['cost_usd'])} / {money(usage['baseline_cost_usd'])}"
        )
        summary.add_row("real-usage savings", percent(usage["savings_percent"]))
    console.print(summary)
    models = report_table("Model distribution", "model", "requests", "share")
    for model, count in report["model_distribution"].items():
        unpriced = " (unpriced)" if model in report["unpriced_models"] else ""
        models.add_row(model + unpriced, f"{count:,}", percent(count / report["total_requests"] * 100))
    console.print(models)
    bands = report_table("Complexity distribution", "score band", "requests")
    for band, count in report["complexity_distribution"].items():
        bands.add_row(band, f"{count:,}")
    if report["unscored_requests"]:
        bands.add_row("no analysis", f"{report['unscored_requests']:,}")
    console.print(bands)
    if report["unpriced_models"]:
        click.echo(
            "Unpriced models (left out of every cost figure; add them to CLAUDE_PM_PRICING_FILE): "
            + ", ".join(f"{model} ({count})" for model, count in report["unpriced_models"].items()),
            err=True,
        )


@click.group()
def baseline() -> None:
    """Capture the decision log's daily tokens, cost and mix, and compare against it later."""


@baseline.command("capture")
@since_option()
@click.option(
    "--output",
    "-o",
    default="baseline_metrics.json",
    show_default=True,
    help="File to write the baseline to ('-' for none).",
)
@json_option
def baseline_capture(since: str, output: str, as_json: bool) -> None:
    """Write a baseline file (date, daily_tokens, daily_cost, agent_distribution, task_types)."""
    from claude_pm.baseline import capture_baseline

    with user_errors():
        captured = capture_baseline(since)
    if output != "-":
        try:
            with open(output, "w", encoding="utf-8") as file:
                json.dump(captured, file, indent=2)
                file.write("\n")
        except OSError as error:
            raise CliError(f"--output {output!r} cannot be written: {error.strerror or error}") from None
    if as_json:
        emit_json(captured)
        return
    click.echo(
        f"Baseline captured: {captured['daily_tokens']:,.0f} tokens/day, "
        f"${captured['daily_cost']:,.2f}/day over {captured['requests']:,} decisions"
        + ("" if output == "-" else f" -> {output}")
    )


@baseline.command("compare")
@click.argument("file", type=click.Path(dir_okay=False))
@since_option(None, default_help="Default: the baseline's own window.")
@json_option
def baseline_compare(file: str, since: str | None, as_json: bool) -> None:
    """Show how daily tokens, cost, agent mix and task types changed since the baseline in FILE."""
    from claude_pm.baseline import compare_baseline

    with user_errors():
        comparison = compare_baseline(file, since=since)
    if as_json:
        emit_json(comparison)
        return
    console = Console()
    totals = report_table(f"Since baseline of {comparison['baseline_date']}", "", "baseline", "now", "change")
    for key, label in (("daily_tokens", "tokens/day"), ("daily_cost", "cost/day")):
        row = comparison[key]
        fmt = (lambda v: f"{v:,.0f}") if key == "daily_tokens" else money
        totals.add_row(label, fmt(row["baseline"]), fmt(row["current"]), percent(row["change_percent"]))
    console.print(totals)
    for key, title in (("agent_distribution", "Agent mix"), ("task_types", "Task types (complexity level)")):
        table = report_table(title, "", "baseline", "now", "change (points)")
        for name, row in comparison[key].items():
            table.add_row(
                name, percent(row["baseline_share"]), percent(row["current_share"]), f"{row['change_points']:+.1f}"
            )
        console.print(table)


@click.command()
@click.option(
    "--target", "target_text", default=None, help="Tier mix in percent summing to 100, e.g. haiku=40,sonnet=40,opus=20."
)
@click.option("--budget", type=float, default=None, help="USD per day: the most capable mix within it.")
@since_option()
@json_option
def calibrate(target_text: str | None, budget: float | None, since: str, as_json: bool) -> None:
    """Propose complexity thresholds from logged scores for a target mix or a daily budget."""
    from claude_pm.calibration import calibrate as propose
    from claude_pm.calibration import parse_target

    if (target_text is None) == (budget is None):
        raise CliError("give exactly one of --target (e.g. haiku=40,sonnet=40,opus=20) or --budget USD")
    with user_errors():
        if budget is not None and budget <= 0:
            raise ValueError(f"--budget {budget!r} is not valid: expected USD per day > 0")
        target = parse_target(target_text) if target_text is not None else None
        result = propose(target, budget_usd_per_day=budget, since=since)
    if as_json:
        emit_json(result)
        return
    _print_calibration(result)


def _print_calibration(result: dict[str, Any]) -> None:
    goal = (
        ", ".join(f"{tier}={share:g}%" for tier, share in result["target"].items())
        if result["target"]
        else f"budget ${result['budget_usd_per_day']:,.2f}/day"
    )
    table = report_table(
        f"Calibration over {result['decisions']:,} scored decisions ({goal})", "", "current", "proposed"
    )
    before, after = result["current"], result["proposed"]
    table.add_row("simple threshold", str(before["simple_threshold"]), str(after["simple_threshold"]))
    table.add_row("medium threshold", str(before["medium_threshold"]), str(after["medium_threshold"]))
    for tier in before["mix"]:
        table.add_row(f"{tier} share", percent(before["mix"][tier]), percent(after["mix"][tier]))
    table.add_row("cost / day", money(before["cost_per_day"]), money(after["cost_per_day"]))
    table.add_row("cost change", "", percent(result["cost_change_percent"]))
    Console().print(table)
    for name, value in result["environment"].items():
        click.echo(f"export {name}={value}")
