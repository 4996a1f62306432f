"""An executor for TaskToolHelper that runs delegations with the official `anthropic` SDK.

Install with ``pip install 'claude-pm[anthropic]'``. What it adds to the SDK
(docs/executor.md):

- **A key per model.** Each request is sent with the key of its key slot: the agent's
  own key (``CLAUDE_PM_<AGENT>_API_KEY[_FILE]``), else the key of the tier whose model it
  is sent to (``CLAUDE_PM_<TIER>_API_KEY[_FILE]``), else the client's own key
  (``ANTHROPIC_API_KEY``, slot ``env``). Key files are re-read when they change
  (`claude_pm.api_keys`); each slot gets one cached copy of the client.
- **Rate limits watched per model.** Every HTTP response, each attempt of the SDK's
  retries included, is counted per model and key slot with its rate-limit headers
  (`claude_pm.metrics.api_calls`).
- **Fallbacks that fire.** A request that still gets a 429, 529 or other 5xx once the
  SDK's own retries are spent goes on to the next tier of CLAUDE_PM_FALLBACK_CHAIN
  (default: the next tier up). A 4xx other than 429 never falls back. The result says
  which model answered and why it fell back; the decision log records the call
  (`claude_pm.decision_log.calls`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from claude_pm.api_keys import KeyRing, ResolvedKey
from claude_pm.config import ENV_KEY_SLOT, get_settings
from claude_pm.errors import ExecutorError
from claude_pm.metrics.api_calls import api_call_stats

__all__ = ["AnthropicExecutor"]

_logger = logging.getLogger(__name__)

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
    HTTP client); by default one is built from the environment. Its own key is the
    ``env`` slot's. ``timeout`` bounds each attempt; ``max_retries`` retries 429, 5xx and
    connection failures with the SDK's backoff (which honours ``retry-after``); then the
    fallback chain applies; what still fails is raised as `claude_pm.errors.ExecutorError`.

    A key variable or key file that cannot be used is a `claude_pm.errors.ConfigError`
    naming the variable, raised here and by any call that needs that key.
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
        self._keys = KeyRing()
        settings = get_settings()
        for source in settings.api_keys.values():
            self._keys.key_of(source)  # a bad key file is reported now, not at the first call
        self._owns_client = client is None
        base = self._sdk.AsyncAnthropic() if client is None else client
        # A copy with our timeout and retries; it shares the base client's connections.
        self._client = base.with_options(timeout=self.timeout, max_retries=max_retries)
        # SDKs with middleware let every attempt be observed; older ones, the final answer.
        self._observes_attempts = hasattr(self._client, "middleware")
        # key slot -> (the key it was built with, the client copy that sends it)
        self._slot_clients: dict[str, tuple[str | None, Any]] = {}

    def __repr__(self) -> str:
        return (
            f"AnthropicExecutor(max_tokens={self.max_tokens}, timeout={self.timeout:g}, "
            f"max_retries={self.max_retries}, key_slots={sorted(self._slot_clients)!r})"
        )

    @property
    def client(self) -> Any:
        """The client whose key is the ``env`` slot's (other slots use copies of it)."""
        return self._client

    def _client_for(self, resolved: ResolvedKey) -> Any:
        cached = self._slot_clients.get(resolved.slot)
        if cached is not None and cached[0] == resolved.key:
            return cached[1]
        options: dict[str, Any] = {}
        if self._observes_attempts:
            options["middleware"] = [*self._client.middleware, _ResponseObserver(resolved.slot)]
        if resolved.key is not None:
            options["api_key"] = resolved.key
        client = self._client.with_options(**options) if options else self._client
        self._slot_clients[resolved.slot] = (resolved.key, client)
        return client

    async def __call__(self, subprocess: Mapping[str, Any]) -> dict[str, Any]:
        sdk = self._sdk
        settings = get_settings()
        agent = subprocess.get("agent_type")
        requested = subprocess["selected_model"]
        model = requested
        tried: list[str] = []
        statuses: list[str] = []
        reason: str | None = None
        resolved = ResolvedKey(ENV_KEY_SLOT, None)
        call = _CallRecord(subprocess.get("decision_id"))
        while True:
            tier = settings.tier_of_model(model)
            resolved = self._keys.resolve(settings, agent if isinstance(agent, str) else None, tier)
            client = self._client_for(resolved)
            tried.append(model)
            try:
                message = await client.messages.create(
                    model=model,
                    max_tokens=self.max_tokens,
                    system=subprocess["prompt"],
                    messages=[{"role": "user", "content": subprocess["task_description"]}],
                )
            except sdk.APITimeoutError as failure:
                call.failed(resolved.slot, tried, reason, None)
                raise ExecutorError("timeout", f"no answer within {self.timeout:g}s") from failure
            except sdk.APIConnectionError as failure:
                call.failed(resolved.slot, tried, reason, None)
                raise ExecutorError("connection", str(failure)) from failure
            except sdk.APIStatusError as failure:
                status = failure.status_code
                if not self._observes_attempts:
                    api_call_stats().observe_response(model, resolved.slot, status, failure.response.headers)
                statuses.append(f"{model} (HTTP {status})")
                why = _fallback_reason(status)
                following = settings.fallback_chain.get(tier) if why is not None and tier is not None else None
                next_model = None if following is None else settings.model_id(following)
                if next_model is not None and next_model not in tried:
                    api_call_stats().observe_fallback(model, next_model, why)  # type: ignore[arg-type]
                    _logger.warning(
                        "model %s answered HTTP %d after %d retries: falling back to %s (key slot %s)",
                        model,
                        status,
                        self.max_retries,
                        next_model,
                        resolved.slot,
                    )
                    reason = reason or why
                    model = next_model
                    continue
                call.failed(resolved.slot, tried, reason, status)
                text = _api_message(failure)
                if len(tried) > 1:
                    text = f"all fallbacks exhausted, tried {', '.join(statuses)}: {text}"
                raise ExecutorError(_kind_of_status(status), text, status) from failure
            break
        if not self._observes_attempts:
            api_call_stats().observe_response(model, resolved.slot, 200, {})
        call.completed(resolved.slot, tried, reason)
        return {
            "id": message.id,
            "model": message.model,
            "requested_model": requested,
            "key_slot": resolved.slot,
            "fallback": None
            if len(tried) == 1
            else {"from_model": requested, "to_model": model, "reason": reason, "models_tried": list(tried)},
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


class _ResponseObserver:
    """SDK middleware: counts every attempt's response for its model and key slot."""

    def __init__(self, slot: str) -> None:
        self.slot = slot

    def __repr__(self) -> str:
        return f"_ResponseObserver(slot={self.slot!r})"

    async def __call__(self, request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        body = request.json
        model = body.get("model") if isinstance(body, Mapping) else None
        api_call_stats().observe_response(str(model), self.slot, response.status_code, response.headers)
        return response


class _CallRecord:
    """Records the call in the decision log once it is decided (nothing when there is no decision id)."""

    def __init__(self, decision_id: object) -> None:
        self.decision_id = decision_id if isinstance(decision_id, str) else None

    def completed(self, slot: str, tried: list[str], reason: str | None) -> None:
        self._record(slot, tried, reason, "completed", 200)

    def failed(self, slot: str, tried: list[str], reason: str | None, status: int | None) -> None:
        self._record(slot, tried, reason, "failed", status)

    def _record(self, slot: str, tried: list[str], reason: str | None, status: str, http_status: int | None) -> None:
        if self.decision_id is None:
            return
        from claude_pm.decision_log.registry import record_call

        try:
            record_call(
                self.decision_id,
                key_slot=slot,
                models_tried=tried,
                fallback_reason=reason,
                status=status,
                http_status=http_status,
            )
        except (TypeError, ValueError) as error:
            # A model id the log cannot hold must not turn an answered call into a failure.
            _logger.warning("could not record the call of decision %s: %s", self.decision_id, error)


def _fallback_reason(status: int) -> str | None:
    if status == 429:
        return "rate_limit"
    if status == 529:
        return "overloaded"
    if status >= 500:
        return "server_error"
    return None


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
