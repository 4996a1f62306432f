"""The values of a selection's ``selection_method`` (in the returned config and the
decision log), in one place for the pipeline, the session pin and the replay."""

from __future__ import annotations

__all__ = ["CALLER_OVERRIDE_METHOD", "DEFAULT_MAPPING_METHOD", "ENVIRONMENT_OVERRIDE_METHOD", "SCORE_ROUTED_METHOD"]

#: The complexity score chose the model.
SCORE_ROUTED_METHOD = "dynamic_complexity_based"
#: The agent's default model (selection off, rolled back, shadow mode, or no analysis).
DEFAULT_MAPPING_METHOD = "default_mapping"
#: The caller named the model (``model_override=``).
CALLER_OVERRIDE_METHOD = "caller_override"
#: CLAUDE_PM_<AGENT>_MODEL forced the model.
ENVIRONMENT_OVERRIDE_METHOD = "environment_override"
