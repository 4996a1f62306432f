"""The routing report: model mix, cost against the baseline, scores, token reduction, failure rate.

`collect_report` aggregates the decision log (no extra packages); `write_html` draws it
into one self-contained HTML file with plotly (``pip install 'claude-pm[report]'``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from claude_pm.report.data import collect_report
from claude_pm.report.html import CHARTS, EXTRA_HINT, render_html

__all__ = ["CHARTS", "EXTRA_HINT", "collect_report", "render_html", "write_html"]


def write_html(report: dict[str, Any], path: str | os.PathLike) -> Path:
    """Render `report` and write it to `path`; ImportError (naming the extra) without plotly,
    OSError when `path` cannot be written. The page is rendered before the file is opened,
    so a missing plotly never truncates an existing report."""
    page = render_html(report)
    target = Path(path)
    target.write_text(page, encoding="utf-8")
    return target
