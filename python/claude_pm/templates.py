"""Prompt templates: how much of the base instructions a task gets, chosen by its score."""

from __future__ import annotations

from enum import Enum

from claude_pm.definitions import DEFAULT_MEDIUM_THRESHOLD, DEFAULT_SIMPLE_THRESHOLD, level_index

__all__ = ["PromptTemplate", "coerce_template", "template_for_score"]


class PromptTemplate(str, Enum):
    """Size of the base instructions: MINIMAL for SIMPLE tasks, STANDARD for MEDIUM, FULL for COMPLEX.

    A ``str`` enum, so ``PromptTemplate.MINIMAL == "MINIMAL"`` and members work as dict
    keys interchangeably with their names.
    """

    MINIMAL = "MINIMAL"
    STANDARD = "STANDARD"
    FULL = "FULL"

    def __str__(self) -> str:
        return self.value


_ALLOWED = ", ".join(member.value for member in PromptTemplate)
_BY_LEVEL = (PromptTemplate.MINIMAL, PromptTemplate.STANDARD, PromptTemplate.FULL)


def coerce_template(template: PromptTemplate | str, argument: str = "template") -> PromptTemplate:
    """`template` as a PromptTemplate; accepts members and their names in any case."""
    if isinstance(template, PromptTemplate):
        return template
    if not isinstance(template, str):
        raise TypeError(f"{argument} must be a PromptTemplate or str, not {type(template).__name__}")
    try:
        return PromptTemplate(template.strip().upper())
    except ValueError:
        raise ValueError(f"{argument}={template!r} is not a prompt template: expected one of {_ALLOWED}") from None


def template_for_score(
    score: int, simple_threshold: int = DEFAULT_SIMPLE_THRESHOLD, medium_threshold: int = DEFAULT_MEDIUM_THRESHOLD
) -> PromptTemplate:
    """The template for a complexity score, by the same rule as the tiers.

    ``score <= simple_threshold`` gives MINIMAL, ``score <= medium_threshold`` STANDARD,
    anything higher FULL. Thresholds must satisfy ``0 <= simple < medium <= 100``.
    """
    _check_int("score", score)
    _check_int("simple_threshold", simple_threshold)
    _check_int("medium_threshold", medium_threshold)
    if not 0 <= score <= 100:
        raise ValueError(f"score={score!r} is out of range: expected an integer from 0 to 100")
    if not 0 <= simple_threshold < medium_threshold <= 100:
        raise ValueError(
            f"simple_threshold={simple_threshold!r}, medium_threshold={medium_threshold!r} are not valid: "
            "expected 0 <= simple_threshold < medium_threshold <= 100"
        )
    return _BY_LEVEL[level_index(score, simple_threshold, medium_threshold)]


def _check_int(argument: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argument} must be an int, not {type(value).__name__}")
