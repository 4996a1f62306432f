"""1.x-compatible complexity analysis over the native scorer (``claude_pm._core.Scorer``).

The description is scored by the Rust engine following the routing rubric; caller
facts keep their 1.x point scales. Every result lists the signals that fired and a
confidence (distance of the score to the nearest tier threshold).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from claude_pm._core import Scorer, ScoringRules
from claude_pm.config import Settings, get_settings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "FACT_NAMES",
    "OPTIMAL_PROMPT_SIZES",
    "ComplexityAnalysisResult",
    "ComplexityLevel",
    "ModelType",
    "TaskComplexityAnalyzer",
    "TaskComplexityFactors",
    "get_prompt_optimization_hints",
    "score_many",
]


class ComplexityLevel(str, Enum):
    """Tier of a task."""

    SIMPLE = "SIMPLE"
    MEDIUM = "MEDIUM"
    COMPLEX = "COMPLEX"


class ModelType(str, Enum):
    """Model family recommended for a tier."""

    HAIKU = "haiku"
    SONNET = "sonnet"
    OPUS = "opus"


_LEVELS = (ComplexityLevel.SIMPLE, ComplexityLevel.MEDIUM, ComplexityLevel.COMPLEX)
_MODELS = (ModelType.HAIKU, ModelType.SONNET, ModelType.OPUS)
# Prompt size (tokens) each tier's model is given, as in 1.x.
OPTIMAL_PROMPT_SIZES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {"haiku": (300, 500), "sonnet": (700, 1000), "opus": (1200, 1500)}
)
_PROMPT_SIZES = tuple(OPTIMAL_PROMPT_SIZES[model.value] for model in _MODELS)
# The caller facts `analyze_task` accepts besides the description (1.x point scales).
FACT_NAMES: tuple[str, ...] = (
    "file_count",
    "context_size",
    "integration_points",
    "requires_research",
    "requires_testing",
    "requires_documentation",
    "technical_depth",
)
_new_instance = object.__new__


@dataclass
class TaskComplexityFactors:
    """What is known about a task (1.x)."""

    task_description: str
    context_size: int = 0
    file_count: int = 0
    integration_points: int = 0
    requires_research: bool = False
    requires_testing: bool = False
    requires_documentation: bool = False
    technical_depth: str | None = None


@dataclass
class ComplexityAnalysisResult:
    """The outcome of `TaskComplexityAnalyzer.analyze_task` (1.x fields plus signals and confidence)."""

    complexity_score: int
    complexity_level: ComplexityLevel
    recommended_model: ModelType
    optimal_prompt_size: tuple[int, int]
    scoring_breakdown: dict[str, int]
    analysis_details: dict[str, Any]
    signals: list[tuple[str, int]] = field(default_factory=list)
    confidence: int = 0


def _rules_of(
    rules: str | os.PathLike[str] | ScoringRules | None, configured_path: str | None
) -> ScoringRules | None:
    if isinstance(rules, ScoringRules):
        return rules
    if rules is None:
        return None if configured_path is None else ScoringRules.from_path(configured_path)
    if isinstance(rules, (str, os.PathLike)):
        return ScoringRules.from_path(os.fspath(rules))
    raise TypeError(
        f"rules must be None, a path or a ScoringRules, not {type(rules).__name__}"
    )


class TaskComplexityAnalyzer:
    """Scores task descriptions and recommends a model tier.

    ``rules`` is a path to a rules TOML file or a loaded ``ScoringRules``; by default
    the packaged rules (or the file named by ``CLAUDE_PM_SCORING_RULES``). Thresholds
    default to the configured ``CLAUDE_PM_COMPLEXITY_*_THRESHOLD`` values (30/70).
    """

    def __init__(
        self,
        rules: str | os.PathLike[str] | ScoringRules | None = None,
        simple_threshold: int | None = None,
        medium_threshold: int | None = None,
    ) -> None:
        settings = get_settings()
        self._scorer = Scorer(
            _rules_of(rules, settings.scoring_rules),
            simple_threshold=(
                settings.simple_threshold if simple_threshold is None else simple_threshold
            ),
            medium_threshold=(
                settings.medium_threshold if medium_threshold is None else medium_threshold
            ),
        )

    @property
    def simple_threshold(self) -> int:
        return self._scorer.simple_threshold

    @property
    def medium_threshold(self) -> int:
        return self._scorer.medium_threshold

    @property
    def rules_version(self) -> str:
        return self._scorer.rules_version

    def analyze_task(
        self,
        task_description: str,
        context_size: int = 0,
        file_count: int = 0,
        integration_points: int = 0,
        requires_research: bool = False,
        requires_testing: bool = False,
        requires_documentation: bool = False,
        technical_depth: str | None = None,
    ) -> ComplexityAnalysisResult:
        """Scores one task; caller facts only ever raise the score."""
        if not isinstance(task_description, str):
            raise TypeError(
                f"task_description must be str, not {type(task_description).__name__}"
            )
        score, level, confidence, breakdown, details, signals = self._scorer.analyze_parts(
            task_description,
            file_count,
            context_size,
            integration_points,
            requires_research,
            requires_testing,
            requires_documentation,
            technical_depth,
        )
        details["task_length"] = len(task_description)
        # The hot path fills the instance dict directly: the generated __init__
        # costs as much as the native analysis itself.
        result = _new_instance(ComplexityAnalysisResult)
        result.__dict__ = {
            "complexity_score": score,
            "complexity_level": _LEVELS[level],
            "recommended_model": _MODELS[level],
            "optimal_prompt_size": _PROMPT_SIZES[level],
            "scoring_breakdown": breakdown,
            "analysis_details": details,
            "signals": signals,
            "confidence": confidence,
        }
        return result

    def analyze_factors(self, factors: TaskComplexityFactors) -> ComplexityAnalysisResult:
        """Scores a `TaskComplexityFactors` record."""
        return self.analyze_task(
            factors.task_description,
            context_size=factors.context_size,
            file_count=factors.file_count,
            integration_points=factors.integration_points,
            requires_research=factors.requires_research,
            requires_testing=factors.requires_testing,
            requires_documentation=factors.requires_documentation,
            technical_depth=factors.technical_depth,
        )

    def score_many(
        self, tasks: Sequence[str] | npt.NDArray[np.str_]
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
        """Description-only (scores, levels) for many tasks; levels are 0/1/2.

        ``tasks`` is a 1-D sequence of str or a 1-D NumPy array of str; n-D arrays, masked
        arrays, dicts, sets and iterators are a TypeError naming what was passed (see
        ``claude_pm._core.Scorer.score_many``).
        """
        return self._scorer.score_many(tasks)

    def get_prompt_optimization_hints(self, result: ComplexityAnalysisResult) -> dict[str, Any]:
        """Model, prompt size and what the prompt should focus on (1.x)."""
        return get_prompt_optimization_hints(result)


_FOCUS_BY_LEVEL = {
    ComplexityLevel.SIMPLE: ["Direct answer or single action", "Exact command or location"],
    ComplexityLevel.MEDIUM: ["Component context", "Acceptance criteria", "Edge cases"],
    ComplexityLevel.COMPLEX: [
        "System context and constraints",
        "Alternatives and trade-offs",
        "Phased plan with checkpoints",
    ],
}

_STRATEGIES_BY_LEVEL = {
    ComplexityLevel.SIMPLE: ["Minimal instructions", "Omit background sections"],
    ComplexityLevel.MEDIUM: ["Standard instructions", "Include the relevant module context"],
    ComplexityLevel.COMPLEX: [
        "Full instructions",
        "Ask for step-by-step reasoning",
        "Include architecture and dependency context",
    ],
}


def get_prompt_optimization_hints(result: ComplexityAnalysisResult) -> dict[str, Any]:
    """Model, prompt size range, focus areas and strategies for an analysis result."""
    level = ComplexityLevel(result.complexity_level)
    indicators = result.analysis_details.get("technical_indicators", [])
    focus = list(_FOCUS_BY_LEVEL[level]) + [f"{name.capitalize()} concerns" for name in indicators]
    strategies = list(_STRATEGIES_BY_LEVEL[level])
    if result.analysis_details.get("estimated_steps", 1) > 1:
        strategies.append("Number the steps in the prompt")
    return {
        "model": ModelType(result.recommended_model).value,
        "prompt_size_range": result.optimal_prompt_size,
        "focus_areas": focus,
        "optimization_strategies": strategies,
    }


_configured: list[tuple[Settings, TaskComplexityAnalyzer]] = []


def _configured_analyzer() -> TaskComplexityAnalyzer:
    """An analyzer for the current settings, rebuilt only when they change."""
    settings = get_settings()
    if not _configured or _configured[0][0] is not settings:
        _configured[:] = [(settings, TaskComplexityAnalyzer())]
    return _configured[0][1]


def score_many(
    tasks: Sequence[str] | npt.NDArray[np.str_],
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """Description-only (scores, levels) under the configured rules and thresholds."""
    return _configured_analyzer().score_many(tasks)
