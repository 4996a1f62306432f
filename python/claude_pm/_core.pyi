"""Type stubs for the native core ``claude_pm._core``."""

import os
from collections.abc import Sequence
from typing import Any, final

import numpy as np
import numpy.typing as npt

__all__ = ["Analysis", "Scorer", "ScoringRules", "__version__"]

__version__: str

# --- scoring -----------------------------------------------------------------------

@final
class ScoringRules:
    @property
    def version(self) -> str: ...
    @staticmethod
    def default() -> ScoringRules: ...
    @staticmethod
    def from_path(path: str | os.PathLike[str]) -> ScoringRules: ...
    @staticmethod
    def from_toml(text: str) -> ScoringRules: ...

@final
class Analysis:
    @property
    def score(self) -> int: ...
    @property
    def level(self) -> int: ...
    @property
    def confidence(self) -> int: ...
    @property
    def description_points(self) -> int: ...
    @property
    def file_points(self) -> int: ...
    @property
    def context_points(self) -> int: ...
    @property
    def integration_points(self) -> int: ...
    @property
    def requirement_points(self) -> int: ...
    @property
    def depth_points(self) -> int: ...
    @property
    def verb_complexity(self) -> str: ...
    @property
    def technical_indicators(self) -> list[str]: ...
    @property
    def estimated_steps(self) -> int: ...
    @property
    def word_count(self) -> int: ...
    @property
    def signals(self) -> list[tuple[str, int]]: ...

@final
class Scorer:
    def __new__(
        cls,
        rules: ScoringRules | None = None,
        *,
        simple_threshold: int | None = None,
        medium_threshold: int | None = None,
    ) -> Scorer: ...
    @property
    def simple_threshold(self) -> int: ...
    @property
    def medium_threshold(self) -> int: ...
    @property
    def rules_version(self) -> str: ...
    def analyze(
        self,
        text: str,
        *,
        file_count: int | None = None,
        context_size: int | None = None,
        integration_points: int | None = None,
        requires_research: bool | None = None,
        requires_testing: bool | None = None,
        requires_documentation: bool | None = None,
        technical_depth: str | int | None = None,
    ) -> Analysis: ...
    def analyze_parts(
        self,
        text: str,
        file_count: int | None = None,
        context_size: int | None = None,
        integration_points: int | None = None,
        requires_research: bool | None = None,
        requires_testing: bool | None = None,
        requires_documentation: bool | None = None,
        technical_depth: str | int | None = None,
    ) -> tuple[int, int, int, dict[str, int], dict[str, Any], list[tuple[str, int]]]: ...
    def level_of(self, score: int) -> int: ...
    def score_many(
        self, texts: Sequence[str] | npt.NDArray[np.str_]
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]: ...
