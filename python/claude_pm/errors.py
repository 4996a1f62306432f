"""Exception types shared by the whole package."""

from __future__ import annotations

__all__ = ["BudgetExceededError", "ConfigError", "ExecutorError", "PromptFileError", "RulesError"]


class ConfigError(ValueError):
    """An environment variable or configuration file holds a value claude-pm cannot use.

    The message names the variable, the offending value and what is allowed. A
    secret-bearing value (see `claude_pm.config.redact`) is redacted in the message and
    in `value` alike, so that logging or printing the error never shows the secret.
    """

    def __init__(self, variable: str, value: object, allowed: str) -> None:
        from claude_pm.config import redact  # claude_pm.config imports this module

        value = redact(variable, value)
        self.variable = variable
        self.value = value
        self.allowed = allowed
        super().__init__(f"{variable}={value!r} is not valid: expected {allowed}")


class BudgetExceededError(RuntimeError):
    """The agent has spent its daily budget and CLAUDE_PM_BUDGET_ACTION=refuse.

    ``agent``, ``spent_usd`` and ``budget_usd`` say whose budget and by how much; the
    budget resets at 00:00 UTC. Nothing is recorded for a refused selection.
    """

    def __init__(self, agent: str, spent_usd: float, budget_usd: float) -> None:
        from claude_pm.config import agent_variable  # claude_pm.config imports this module

        self.agent = agent
        self.spent_usd = spent_usd
        self.budget_usd = budget_usd
        super().__init__(
            f"agent {agent!r} has spent ${spent_usd:.4f} of its ${budget_usd:.4f} daily budget "
            f"({agent_variable(agent, 'DAILY_BUDGET_USD')}; CLAUDE_PM_BUDGET_ACTION=refuse); it resets at 00:00 UTC"
        )


class PromptFileError(ValueError):
    """A prompt file or prompts directory is missing, unreadable or malformed.

    The message starts with the offending path (and line, for a bad section marker).
    """

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        self.path = path
        self.problem = problem
        self.line = line
        where = path if line is None else f"{path}:{line}"
        super().__init__(f"{where}: {problem}")


class RulesError(ValueError):
    """A scoring rules file is malformed; the message names the offending field.

    Raised by the native core, which imports this class so that Python code can
    catch it without importing ``claude_pm._core``.
    """


class ExecutorError(Exception):
    """A delegation executor could not get an answer from the model API.

    ``kind`` is "timeout", "connection", "rate_limit" (429), "server_error" (5xx) or
    "api_error" (any other refused request). ``status_code`` is
    the HTTP status when the API answered. TaskToolHelper turns this into a failed
    result instead of raising, so one unlucky call never takes a runner down.
    """

    def __init__(self, kind: str, message: str, status_code: int | None = None) -> None:
        self.kind = kind
        self.message = message
        self.status_code = status_code
        super().__init__(f"{kind}: {message}" if status_code is None else f"{kind} (HTTP {status_code}): {message}")
