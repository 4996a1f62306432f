"""The routing report as one self-contained HTML page, drawn with plotly.

The page embeds plotly.js (shipped inside the `plotly` package) and every chart's data,
so it opens with no network. plotly is the optional extra ``claude-pm[report]``.
"""

from __future__ import annotations

import html
import json
from itertools import accumulate
from typing import Any

from claude_pm import __version__
from claude_pm.config import get_settings
from claude_pm.definitions import TIERS

__all__ = ["CHARTS", "EXTRA_HINT", "render_html"]

EXTRA_HINT = "pip install 'claude-pm[report]'"
# Chart ids in page order; each section carries data-chart="<id>".
CHARTS = ("model-mix", "cost", "scores", "token-reduction", "failure-rate")
_TIER_COLOURS = {"haiku": "#4C9F70", "sonnet": "#3B6EA8", "opus": "#8E4585"}
_OTHER_COLOUR = "#B0A060"  # models that are no configured tier (forced ids)
_DECISION_KINDS = {"all": "live and shadow (test-mode)", "live": "live only", "shadow": "shadow (test-mode) only"}
_CONFIG = {"displaylogo": False, "responsive": True}


def _plotly() -> Any:
    try:
        import plotly.graph_objects as go
        import plotly.io as pio
        import plotly.offline
    except ImportError:
        raise ImportError(f"the HTML report needs plotly: {EXTRA_HINT}") from None
    return go, pio, plotly.offline


def render_html(report: dict[str, Any]) -> str:
    """The page for `report` (what `claude_pm.report.collect_report` returns)."""
    go, pio, offline = _plotly()
    sections = [
        ("model-mix", "Model mix over time", _model_mix(go, report), None),
        ("cost", f"Cost against the all-{html.escape(report['baseline_model'])} baseline", _cost(go, report), None),
        ("scores", "Complexity scores and the two thresholds", _scores(go, report), _scores_note(report)),
        ("token-reduction", "Prompt tokens per agent: sent against FULL", _token_reduction(go, report), None),
    ]
    failure = report["failure_rate"]
    if failure["available"]:
        sections.append(("failure-rate", "Failure rate per tier", _failure_rate(go, failure), None))
    else:
        sections.append(("failure-rate", "Failure rate per tier", None, failure["note"]))
    body = []
    for chart_id, title, figure, note in sections:
        parts = [f'<section data-chart="{chart_id}"><h2>{title}</h2>']
        if note:
            parts.append(f'<p class="note">{html.escape(note)}</p>')
        if figure is not None:
            figure.update_layout(
                template="plotly_white",
                margin={"l": 60, "r": 30, "t": 30, "b": 50},
                height=380,
                legend={"orientation": "h", "y": -0.2},
            )
            parts.append(
                pio.to_html(figure, full_html=False, include_plotlyjs=False, config=_CONFIG, div_id=f"chart-{chart_id}")
            )
        parts.append("</section>")
        body.append("".join(parts))
    return _PAGE.format(
        plotly_js=offline.get_plotlyjs(),
        summary=_summary(report),
        sections="\n".join(body),
        version=html.escape(__version__),
        data=_script_json(report),
    )


def _model_mix(go: Any, report: dict[str, Any]) -> Any:
    rows = report["model_mix"]
    models = sorted({model for row in rows for model in row["requests"]}, key=lambda model: (_tier_rank(model), model))
    tiers = {model_id: tier for tier, model_id in get_settings().model_ids.items()}
    width_ms = report["bin_seconds"] * 1000  # each bar spans its whole time bin
    figure = go.Figure(
        [
            go.Bar(
                name=model,
                x=[row["start"] for row in rows],
                y=[row["requests"].get(model, 0) for row in rows],
                width=width_ms,
                offset=0,
                marker_color=_TIER_COLOURS.get(tiers.get(model, ""), _OTHER_COLOUR),
            )
            for model in models
        ]
    )
    hours = report["bin_seconds"] / 3600
    figure.update_layout(barmode="stack", bargap=0, yaxis_title=f"requests per {_duration(hours)}", xaxis_type="date")
    return figure


def _tier_rank(model: str) -> int:
    tiers = {model_id: tier for tier, model_id in get_settings().model_ids.items()}
    return TIERS.index(tiers[model]) if model in tiers else len(TIERS)


def _cost(go: Any, report: dict[str, Any]) -> Any:
    rows = report["cost"]
    ends = [rows[0]["start"]] + [row["end"] for row in rows]
    actual = [0.0, *accumulate(row["cost_usd"] for row in rows)]
    baseline = [0.0, *accumulate(row["baseline_cost_usd"] for row in rows)]
    figure = go.Figure(
        [
            go.Scatter(
                name=f"all on {report['baseline_model']}",
                x=ends,
                y=baseline,
                mode="lines+markers",
                line={"dash": "dash", "color": "#999999"},
            ),
            go.Scatter(
                name="routed",
                x=ends,
                y=actual,
                mode="lines+markers",
                line={"color": _TIER_COLOURS["haiku"], "width": 3},
            ),
        ]
    )
    figure.update_layout(yaxis_title="cumulative cost (USD)", yaxis_tickprefix="$", xaxis_type="date")
    return figure


def _scores(go: Any, report: dict[str, Any]) -> Any:
    simple, medium = report["thresholds"]["simple"], report["thresholds"]["medium"]
    bands = (("haiku", 0, simple), ("sonnet", simple + 1, medium), ("opus", medium + 1, 100))
    histogram = {row["score"]: row["requests"] for row in report["scores"]}
    figure = go.Figure(
        [
            go.Bar(
                name=f"{tier} band ({low}-{high})",
                x=list(range(low, high + 1)),
                y=[histogram[score] for score in range(low, high + 1)],
                marker_color=_TIER_COLOURS[tier],
                width=1.0,
            )
            for tier, low, high in bands
            if high >= low
        ]
    )
    for name, value in (("simple", simple), ("medium", medium)):
        # A score equal to the threshold belongs to the lower band, so the line sits just above it.
        figure.add_vline(
            x=value + 0.5,
            line_width=2,
            line_dash="dash",
            line_color="#C0392B",
            annotation_text=f"{name} threshold {value}",
            annotation_position="top",
        )
    figure.update_layout(bargap=0.05, xaxis_title="score", yaxis_title="requests", xaxis_range=[-0.5, 100.5])
    return figure


def _scores_note(report: dict[str, Any]) -> str | None:
    if report["unscored_requests"]:
        return (
            f"{report['unscored_requests']:,} decision(s) were taken without an analysis (forced model or "
            "no task text) and have no score."
        )
    return None


def _token_reduction(go: Any, report: dict[str, Any]) -> Any:
    rows = report["token_reduction"]
    agents = [row["agent"] for row in rows]
    labels = ["n/a" if row["reduction_percent"] is None else f"-{row['reduction_percent']:.0f}%" for row in rows]
    figure = go.Figure(
        [
            go.Bar(name="FULL prompt", x=agents, y=[row["full_prompt_tokens"] for row in rows], marker_color="#BBBBBB"),
            go.Bar(
                name="sent",
                x=agents,
                y=[row["prompt_tokens"] for row in rows],
                text=labels,
                textposition="outside",
                marker_color=_TIER_COLOURS["sonnet"],
            ),
        ]
    )
    figure.update_layout(barmode="group", yaxis_title="prompt tokens")
    return figure


def _failure_rate(go: Any, failure: dict[str, Any]) -> Any:
    rows = failure["tiers"]
    figure = go.Figure(
        go.Bar(
            x=[row["tier"] for row in rows],
            y=[row["failure_rate"] * 100 for row in rows],
            text=[f"{row['failures']}/{row['outcomes']}" for row in rows],
            textposition="outside",
            marker_color=[_TIER_COLOURS.get(row["tier"], _OTHER_COLOUR) for row in rows],
        )
    )
    figure.update_layout(
        yaxis_title="failed / known outcomes (%)",
        yaxis_ticksuffix="%",
        xaxis={"categoryorder": "array", "categoryarray": [*TIERS, "none"]},
    )
    return figure


def _summary(report: dict[str, Any]) -> str:
    window = report["window"]
    rows = [
        ("window", f"{window['since']} .. {window['until']}"),
        ("decisions counted", _DECISION_KINDS[window["decisions"]]),
        ("decisions", f"{report['total_requests']:,}"),
        ("estimated cost", _money(report["estimated_cost_usd"])),
        (f"all on {report['baseline_model']}", _money(report["baseline_estimated_cost_usd"])),
        ("savings", "n/a" if report["savings_percent"] is None else f"{report['savings_percent']:.1f}%"),
        ("pricing", report["pricing"]),
    ]
    if report["unpriced_models"]:
        rows.append(
            (
                "unpriced (left out of cost)",
                ", ".join(f"{model} ({count})" for model, count in report["unpriced_models"].items()),
            )
        )
    cells = "".join(f"<tr><th>{html.escape(name)}</th><td>{html.escape(value)}</td></tr>" for name, value in rows)
    return f'<table class="summary">{cells}</table>'


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: `<` escaped, so no text in the data can close it."""
    return json.dumps(value, sort_keys=True).replace("<", "\\u003c")


def _money(value: float) -> str:
    return f"${value:,.4f}"


def _duration(hours: float) -> str:
    if hours >= 24:
        days = hours / 24
        return "day" if days == 1 else f"{days:g} days"
    return "hour" if hours == 1 else f"{hours:g} hours"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>claude-pm routing report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }}
h1 {{ font-size: 1.6em; }}
h2 {{ font-size: 1.2em; margin-top: 2em; }}
table.summary th {{ text-align: left; padding-right: 2em; font-weight: 600; }}
p.note {{ color: #555; font-style: italic; }}
footer {{ color: #888; font-size: 0.8em; margin-top: 3em; }}
</style>
<script>{plotly_js}</script>
</head>
<body>
<h1>claude-pm routing report</h1>
{summary}
{sections}
<footer>claude-pm {version}: generated from the decision log; the data behind the charts is embedded below.</footer>
<script type="application/json" id="report-data">{data}</script>
</body>
</html>
"""
