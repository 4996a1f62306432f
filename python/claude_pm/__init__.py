"""claude-pm: pick the cheapest trustworthy model and a right-sized prompt for each agent task."""

from typing import Any

from claude_pm._core import __version__

__all__ = ["__version__", "record_outcome"]


def __getattr__(name: str) -> Any:
    # Imported on first use: a runner that never records outcomes never loads the decision log.
    if name == "record_outcome":
        from claude_pm.decision_log.registry import record_outcome

        return record_outcome
    raise AttributeError(f"module 'claude_pm' has no attribute {name!r}")
