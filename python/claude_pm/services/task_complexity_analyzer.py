"""1.x import path of the complexity analysis; it lives in `claude_pm.analysis`.

Every name here is the same object as there, the module's ``logger`` included (it
keeps this module's name).
"""

from __future__ import annotations

from claude_pm.analysis import (
    FACT_NAMES,
    OPTIMAL_PROMPT_SIZES,
    ComplexityAnalysisResult,
    ComplexityLevel,
    ModelType,
    TaskComplexityAnalyzer,
    TaskComplexityFactors,
    get_prompt_optimization_hints,
    logger,
    raise_if_not_text,
    score_many,
)

__all__ = [
    "FACT_NAMES",
    "OPTIMAL_PROMPT_SIZES",
    "ComplexityAnalysisResult",
    "ComplexityLevel",
    "ModelType",
    "TaskComplexityAnalyzer",
    "TaskComplexityFactors",
    "get_prompt_optimization_hints",
    "logger",
    "raise_if_not_text",
    "score_many",
]
