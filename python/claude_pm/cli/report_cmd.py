"""`claude-pm report`: the decision log as one self-contained HTML page of charts."""

from __future__ import annotations

import click

from claude_pm.cli.app import CliError, emit_json
from claude_pm.cli.log_options import DECISIONS, decisions_option, since_option, user_errors

__all__ = ["report"]


@click.command(short_help="Chart the decision log into one offline HTML page")
@since_option()
@click.option(
    "--html",
    "html_path",
    required=True,
    metavar="PATH",
    help="File to write the page to (one self-contained HTML file, opens offline).",
)
@click.option(
    "--baseline-model",
    default="sonnet",
    show_default=True,
    help="Model (tier name or id) the routed cost is compared against.",
)
@decisions_option("Which decisions to chart: all, live only, or shadow (test-mode) only.")
@click.option("--json", "as_json", is_flag=True, help="Also print the data behind the charts as JSON.")
def report(since: str, html_path: str, baseline_model: str, decisions: str, as_json: bool) -> None:
    """Chart the decision log: model mix, cost vs baseline, scores, token reduction, failure rate."""
    from claude_pm.report import EXTRA_HINT, collect_report, write_html

    try:
        import plotly  # noqa: F401
    except ImportError:
        raise CliError(f"claude-pm report needs plotly to draw the page: {EXTRA_HINT}") from None
    with user_errors():
        data = collect_report(since, baseline_model, shadow=DECISIONS[decisions])
    try:
        write_html(data, html_path)
    except OSError as error:
        raise CliError(f"--html {html_path!r} cannot be written: {error.strerror or error}") from None
    if as_json:
        emit_json(data)
        return
    click.echo(
        f"Report of {data['total_requests']:,} decisions ({data['window']['since']} .. "
        f"{data['window']['until']}) -> {html_path}"
    )
