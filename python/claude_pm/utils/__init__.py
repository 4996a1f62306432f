"""Helpers for agent runners built on claude-pm (1.x import path ``claude_pm.utils``)."""

from __future__ import annotations

__all__: list[str] = []
