"""claude-pm: pick the cheapest trustworthy model and a right-sized prompt for each agent task."""

from claude_pm._core import __version__

__all__ = ["__version__"]
