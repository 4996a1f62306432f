"""`python -m claude_pm` runs the `claude-pm` command."""

from claude_pm.cli import main

if __name__ == "__main__":
    main()
