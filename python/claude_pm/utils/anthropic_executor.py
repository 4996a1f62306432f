"""An executor for TaskToolHelper that runs delegations with the official `anthropic` SDK.

Install with ``pip install 'claude-pm[anthropic]'``. The SDK reads ``ANTHROPIC_API_KEY``
and ``ANTHROPIC_BASE_URL`` from the environment itself, so a gateway or proxy is one
variable away and claude-pm never handles the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from claude_pm.errors import ExecutorError

__all__ = ["AnthropicExecutor"]

_INSTALL_HINT = (
    "AnthropicExecutor needs the official anthropic SDK: pip install 'claude-pm[anthropic]' (or pip install anthropic)"
)


def _import_sdk() -> Any:
    try:
        import anthropic
    except ImportError as missing:
        raise ImportError(_INSTALL_HINT) from missing
    return anthropic


class AnthropicExecutor:
    """Send a delegation to the Messages API: the prompt as system, the task as the user turn.

    ``client`` may be any ``anthropic.AsyncAnthropic`` (for a custom base URL, headers or
    HTTP client); by default one is built from the environment. ``timeout`` bounds each
    attempt; ``max_retries`` retries
    429, 5xx and connection failures with the SDK's backoff (which honours
    ``retry-after``); what still fails is raised as `claude_pm.errors.ExecutorError`.
    """

    def __init__(
        self, client: Any = None, *, max_tokens: int = 1024, timeout: float = 60.0, max_retries: int = 2
    ) -> None:
        self._sdk = _import_sdk()
        _check_positive_int("max_tokens", max_tokens)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
        if not timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
        _check_positive_int("max_retries", max_retries, minimum=0)
        self.max_tokens = max_tokens
        self.timeout = float(timeout)
        self.max_retries = max_retries
        self._owns_client = client is None
        base = self._sdk.AsyncAnthropic() if client is None else client
        # A copy with our timeout and retries; it shares the base client's connections.
        self._client = base.with_options(timeout=self.timeout, max_retries=max_retries)

    @property
    def client(self) -> Any:
        return self._client

    async def __call__(self, subprocess: Mapping[str, Any]) -> dict[str, Any]:
        sdk = self._sdk
        try:
            message = await self._client.messages.create(
                model=subprocess["selected_model"],
                max_tokens=self.max_tokens,
                system=subprocess["prompt"],
                messages=[{"role": "user", "content": subprocess["task_description"]}],
            )
        except sdk.APITimeoutError as failure:
            raise ExecutorError("timeout", f"no answer within {self.timeout:g}s") from failure
        except sdk.APIConnectionError as failure:
            raise ExecutorError("connection", str(failure)) from failure
        except sdk.APIStatusError as failure:
            raise ExecutorError(
                _kind_of_status(failure.status_code), _api_message(failure), failure.status_code
            ) from failure
        return {
            "id": message.id,
            "model": message.model,
            "text": "".join(block.text for block in message.content if block.type == "text"),
            "stop_reason": message.stop_reason,
            "usage": {"input_tokens": message.usage.input_tokens, "output_tokens": message.usage.output_tokens},
        }

    async def aclose(self) -> None:
        """Close the HTTP connections of the client this executor built (not of one passed in)."""
        if self._owns_client:
            await self._client.close()

    async def __aenter__(self) -> AnthropicExecutor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _check_positive_int(name: str, value: object, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def _kind_of_status(status_code: int) -> str:
    if status_code == 429:
        return "rate_limit"
    if status_code >= 500:
        return "server_error"
    return "api_error"


def _api_message(failure: Any) -> str:
    # The API's JSON error body says what went wrong ({"error": {"message": ...}});
    # the exception's own text adds the HTTP preamble.
    body = getattr(failure, "body", None)
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping) and isinstance(error.get("message"), str):
            return error["message"]
    return str(failure)
