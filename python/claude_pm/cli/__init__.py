"""Command-line interface: `claude-pm`. Each command lives in its own module."""

from __future__ import annotations

from claude_pm.cli.app import main
from claude_pm.cli.completion_cmd import completion
from claude_pm.cli.config_cmd import config_group
from claude_pm.cli.cost_cmd import baseline, calibrate, cost
from claude_pm.cli.eval_cmd import eval_command
from claude_pm.cli.loadtest_cmd import loadtest
from claude_pm.cli.metrics_cmd import metrics_group
from claude_pm.cli.quality_cmd import quality
from claude_pm.cli.replay_cmd import replay_command
from claude_pm.cli.report_cmd import report
from claude_pm.cli.rollout_cmd import rollout_group
from claude_pm.cli.run_cmd import explain, run
from claude_pm.cli.train_cmd import train_command

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
main.add_command(replay_command)
main.add_command(train_command)
main.add_command(quality)

# The line each command shows in its group's --help. click would otherwise cut the
# docstring's first sentence at the terminal width with "...". At most 60 characters,
# so it fits an 80-column terminal beside the longest command name.
ONE_LINE_HELP = {
    ("run",): "Route TASK: agent, score, level, model and template",
    ("explain",): "Show every signal and score part behind TASK's score",
    ("config",): "Inspect and validate the configuration from the environment",
    ("config", "check"): "Print the effective configuration; exit 2 on a bad value",
    ("config", "table"): "Print the configuration reference as a Markdown table",
    ("eval",): "Routing accuracy and under-routing on a labelled task file",
    ("loadtest",): "Load test with one task per tier",
    ("completion",): "Print the shell completion script for SHELL",
    ("rollout",): "Inspect the rollout: switches, forced models and gates",
    ("rollout", "status"): "Per agent, whether optimisation is on and why",
    ("metrics",): "This process's Prometheus metrics (or every worker's)",
    ("metrics", "serve"): "Serve /metrics until interrupted (Ctrl-C)",
    ("cost",): "Cost of model selection against a one-model baseline",
    ("baseline",): "Capture daily tokens, cost and mix to compare against later",
    ("baseline", "capture"): "Write a baseline file: tokens, cost and mix per day",
    ("baseline", "compare"): "Show what changed since the baseline in FILE",
    ("calibrate",): "Propose thresholds for a target mix or a daily budget",
    ("replay",): "What candidate thresholds or rules would have changed",
    ("train",): "Fit rules weights and thresholds to labels (a proposal)",
    ("quality",): "Failure and escalation rates per tier, agent or score band",
}
for path, line in ONE_LINE_HELP.items():
    command = main
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    command.short_help = line

__all__ = ["main"]
