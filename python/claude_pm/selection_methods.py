"""The values of a selection's ``selection_method`` (in the returned config and the
decision log), in one place for the pipeline, the session pin and the replay."""

from __future__ import annotations

__all__ = ["CALLER_OVERRIDE_METHOD", "DEFAULT_MAPPING_METHOD", "ENVIRONMENT_OVERRIDE_METHOD", "SCORE_ROUTED_METHOD"]

from claude_pm._core import SELECTION_METHODS

# The native router owns the codes (it writes them into every config).
CALLER_OVERRIDE_METHOD, ENVIRONMENT_OVERRIDE_METHOD, DEFAULT_MAPPING_METHOD, SCORE_ROUTED_METHOD = SELECTION_METHODS
