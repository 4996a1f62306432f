"""1.x-compatible complexity analysis over the native scorer (``claude_pm._core.Scorer``).

The description is scored by the Rust engine under the packaged scoring rules; caller
facts keep their 1.x point scales. Every result lists the signals that fired and a
confidence (distance of the score to the nearest tier threshold).

Each analysis is logged at INFO by the module's ``logger`` (score, level and model; the
task text is user data and is never logged). 1.x code imports all of this from
``claude_pm.services.task_complexity_analyzer``, whose name the logger keeps.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from claude_pm._core import Scorer, ScoringRules
from claude_pm.config import Settings, get_settings
from claude_pm.definitions import FACT_NAMES, LEVEL_NAMES, OPTIMAL_PROMPT_SIZES, TIERS

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


_LEVELS = tuple(ComplexityLevel(name) for name in LEVEL_NAMES)
_MODELS = tuple(ModelType(tier) for tier in TIERS)
_PROMPT_SIZES = tuple(OPTIMAL_PROMPT_SIZES[model.value] for model in _MODELS)
_new_instance = object.__new__
# Named after the 1.x module, where users configure it.
logger = logging.getLogger("claude_pm.services.task_complexity_analyzer")
# A module constant: `logging.INFO` would be an attribute lookup on every analysis.
_INFO = logging.INFO


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


def _rules_of(rules: str | os.PathLike[str] | ScoringRules | None, configured_path: str | None) -> ScoringRules | None:
    if isinstance(rules, ScoringRules):
        return rules
    if rules is None:
        return None if configured_path is None else ScoringRules.from_path(configured_path)
    if isinstance(rules, (str, os.PathLike)):
        return ScoringRules.from_path(os.fspath(rules))
    raise TypeError(f"rules must be None, a path or a ScoringRules, not {type(rules).__name__}")


def raise_if_not_text(task_description: object) -> None:
    """The TypeError for a task description that is not a str, naming the argument.

    The engine checks the text too but calls it `text`; callers run this only after the
    engine rejected a call, which keeps the isinstance check off the hot path.
    """
    if not isinstance(task_description, str):
        raise TypeError(f"task_description must be str, not {type(task_description).__name__}") from None


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
            simple_threshold=(settings.simple_threshold if simple_threshold is None else simple_threshold),
            medium_threshold=(settings.medium_threshold if medium_threshold is None else medium_threshold),
        )
        logger.debug(
            "TaskComplexityAnalyzer initialized: rules_version=%s, simple_threshold=%d, medium_threshold=%d",
            self._scorer.rules_version,
            self._scorer.simple_threshold,
            self._scorer.medium_threshold,
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
        try:
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
        except TypeError:
            raise_if_not_text(task_description)
            raise
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
        if logger.isEnabledFor(_INFO):
            logger.info(
                "Task complexity analysis complete: score=%d, level=%s, model=%s",
                score,
                _LEVELS[level].value,
                _MODELS[level].value,
            )
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
        self, tasks: Sequence[str] | npt.NDArray[np.str_], *, threads: int = 1
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
        """Description-only (scores, levels) for many tasks; levels are 0/1/2.

        ``tasks`` is a 1-D sequence of str or a 1-D NumPy array of str; n-D arrays, masked
        arrays, dicts, sets and iterators are a TypeError naming what was passed (see
        ``claude_pm._core.Scorer.score_many``). ``threads`` (1..256) worker threads
        share a large batch; the result is the same for any value.
        """
        return self._scorer.score_many(tasks, threads=threads)

    def get_prompt_optimization_hints(self, result: ComplexityAnalysisResult) -> dict[str, Any]:
        """Model, prompt size and what the prompt should focus on (1.x)."""
        return get_prompt_optimization_hints(result)


# A breakdown part above this many points makes its area a focus of the prompt (1.x):
# more than five files, or three or more integration points.
_HINT_PART_ABOVE = 10

# Strategies each tier adds (1.x identifiers); MEDIUM adds none.
_STRATEGIES_BY_LEVEL: Mapping[ComplexityLevel, tuple[str, ...]] = MappingProxyType(
    {
        ComplexityLevel.SIMPLE: ("use_concise_instructions", "minimize_context_overhead"),
        ComplexityLevel.MEDIUM: (),
        ComplexityLevel.COMPLEX: (
            "provide_comprehensive_context",
            "include_examples_and_patterns",
            "define_clear_success_criteria",
        ),
    }
)


def get_prompt_optimization_hints(result: ComplexityAnalysisResult) -> dict[str, Any]:
    """Model, prompt size range, focus areas and strategies for an analysis result.

    The focus areas and strategies are the 1.x identifiers: a complex action asks for
    ``detailed_instructions`` / ``break_down_complex_operations``, a file part above 10
    points for ``file_organization`` / ``batch_file_operations``, an integration part
    above 10 for ``integration_boundaries`` / ``define_clear_interfaces``; then the
    tier's own strategies.
    """
    details = result.analysis_details
    breakdown = result.scoring_breakdown
    focus: list[str] = []
    strategies: list[str] = []
    if details.get("verb_complexity") == "complex":
        focus.append("detailed_instructions")
        strategies.append("break_down_complex_operations")
    if breakdown.get("file_complexity", 0) > _HINT_PART_ABOVE:
        focus.append("file_organization")
        strategies.append("batch_file_operations")
    if breakdown.get("integration_complexity", 0) > _HINT_PART_ABOVE:
        focus.append("integration_boundaries")
        strategies.append("define_clear_interfaces")
    strategies.extend(_STRATEGIES_BY_LEVEL[ComplexityLevel(result.complexity_level)])
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
    tasks: Sequence[str] | npt.NDArray[np.str_], *, threads: int = 1
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """Description-only (scores, levels) under the configured rules and thresholds."""
    return _configured_analyzer().score_many(tasks, threads=threads)
