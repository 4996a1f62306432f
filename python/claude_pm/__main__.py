"""`python -m claude_pm` runs the `claude-pm` command."""

from claude_pm.cli import main

if __name__ == "__main__":
    # The console script's name, so usage lines, errors and shell completion
    # (_CLAUDE_PM_COMPLETE) are the same as `claude-pm`'s rather than "python -m claude_pm".
    main(prog_name="claude-pm")
