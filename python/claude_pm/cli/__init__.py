"""Command-line interface: `claude-pm`. Each command lives in its own module."""

from __future__ import annotations

from claude_pm.cli.app import main
from claude_pm.cli.completion_cmd import completion
from claude_pm.cli.config_cmd import config_group
from claude_pm.cli.cost_cmd import baseline, calibrate, cost
from claude_pm.cli.eval_cmd import eval_command
from claude_pm.cli.loadtest_cmd import loadtest
from claude_pm.cli.metrics_cmd import metrics_group
from claude_pm.cli.report_cmd import report
from claude_pm.cli.rollout_cmd import rollout_group
from claude_pm.cli.run_cmd import explain, run

main.add_command(run)
main.add_command(explain)
main.add_command(config_group)
main.add_command(eval_command)
main.add_command(loadtest)
main.add_command(completion)
main.add_command(rollout_group)
main.add_command(metrics_group)
main.add_command(cost)
main.add_command(baseline)
main.add_command(calibrate)
main.add_command(report)

__all__ = ["main"]
