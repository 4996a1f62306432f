"""Services with the 1.x import paths (thin facades over the native core)."""

from __future__ import annotations

__all__: list[str] = []
