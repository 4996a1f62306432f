"""Quality of routing: failure rates from recorded outcomes, and the optional quality guard.

`report.collect_quality` aggregates outcomes joined to their decisions in SQL
(`claude-pm quality`); `guard` moves an (agent, tier) whose failure rate is clearly
too high one tier up. See docs/quality.md.
"""

from __future__ import annotations

from claude_pm.quality.interval import WILSON_Z, wilson_interval

__all__ = ["WILSON_Z", "wilson_interval"]
