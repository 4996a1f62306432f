"""Exception types shared by the whole package."""

from __future__ import annotations

__all__ = ["ConfigError", "RulesError"]


class ConfigError(ValueError):
    """An environment variable or configuration file holds a value claude-pm cannot use.

    The message names the variable, the offending value and what is allowed.
    """

    def __init__(self, variable: str, value: object, allowed: str) -> None:
        self.variable = variable
        self.value = value
        self.allowed = allowed
        super().__init__(f"{variable}={value!r} is not valid: expected {allowed}")


class RulesError(ValueError):
    """A scoring rules file is malformed; the message names the offending field.

    Raised by the native core, which imports this class so that Python code can
    catch it without importing ``claude_pm._core``.
    """
