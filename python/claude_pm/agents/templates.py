"""1.x import path of the prompt templates; they live in `claude_pm.templates`."""

from __future__ import annotations

from claude_pm.templates import PromptTemplate, coerce_template, template_for_score

__all__ = ["PromptTemplate", "coerce_template", "template_for_score"]
