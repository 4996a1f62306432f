"""Optional integrations with tools users already run (each needs its own extra).

- `claude_pm.integrations.litellm`: route LiteLLM requests with claude-pm
  (``pip install 'claude-pm[litellm]'``).
- `claude_pm.integrations.otel`: selections in OpenTelemetry traces and metrics
  (``pip install 'claude-pm[otel]'``, then CLAUDE_PM_OTEL=true).

Importing this package imports neither LiteLLM nor OpenTelemetry.
"""
