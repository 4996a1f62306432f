"""USD prices per million tokens for each model id, for cost reports and calibration.

The defaults are example rates, one per model, so input and output tokens both default
to it; real price lists charge more for output, so set both in CLAUDE_PM_PRICING_FILE (TOML or JSON)::

    [models."claude-sonnet-4-20250514"]
    input = 3.0
    output = 15.0

    # JSON: {"models": {"claude-sonnet-4-20250514": {"input": 3.0, "output": 15.0}}}

A bare number (``"my-model" = 1.0``) sets both. File entries replace the defaults of
the same model and add new models; the defaults for other models stay. A model with no
price is reported as unpriced by every report, never counted as free.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from claude_pm.config import get_settings
from claude_pm.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

__all__ = ["DEFAULT_PRICES", "ModelPrice", "PricingTable", "load_pricing"]

_VARIABLE = "CLAUDE_PM_PRICING_FILE"
_SHAPE = (
    'a TOML or JSON file of [models."<model id>"] tables with input and output USD per million tokens (numbers >= 0)'
)


@dataclass(frozen=True)
class ModelPrice:
    input_per_million: float
    output_per_million: float

    def cost(self, input_tokens: float, output_tokens: float) -> float:
        return (input_tokens * self.input_per_million + output_tokens * self.output_per_million) / 1e6


DEFAULT_PRICES: Mapping[str, ModelPrice] = MappingProxyType(
    {
        "claude-3-haiku-20240307": ModelPrice(0.25, 0.25),
        "claude-sonnet-4-20250514": ModelPrice(3.00, 3.00),
        "claude-4-opus": ModelPrice(15.00, 15.00),
    }
)


@dataclass(frozen=True)
class PricingTable:
    prices: Mapping[str, ModelPrice]
    source: str = "defaults"

    def get(self, model_id: str) -> ModelPrice | None:
        return self.prices.get(model_id)

    def price_of(self, model: str, argument: str) -> tuple[str, ModelPrice]:
        """Resolve a model id or tier name given by the user; ValueError naming `argument` if unpriced."""
        model_id = get_settings().model_ids.get(model, model)
        price = self.prices.get(model_id)
        if price is None:
            known = ", ".join(sorted(self.prices))
            raise ValueError(
                f"{argument}={model!r} is not valid: expected a tier name (haiku, sonnet, opus) "
                f"or a priced model id ({known}); add prices with {_VARIABLE}"
            )
        return model_id, price


def load_pricing(path: str | None = None) -> PricingTable:
    """The defaults overlaid with `path` (default: CLAUDE_PM_PRICING_FILE); ConfigError when malformed."""
    path = path if path is not None else get_settings().pricing_file
    if path is None:
        return PricingTable(DEFAULT_PRICES)
    prices = dict(DEFAULT_PRICES)
    prices.update(_parse(path, _read(path)))
    return PricingTable(MappingProxyType(prices), source=path)


def _read(path: str) -> Any:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(_VARIABLE, path, f"a readable pricing file ({error})") from None
    try:
        if file.suffix.lower() == ".json":
            return json.loads(text)
        return tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as error:
        kind = "JSON" if file.suffix.lower() == ".json" else "TOML (use a .json name for JSON)"
        raise ConfigError(_VARIABLE, path, f"valid {kind}: {error}") from None


def _parse(path: str, document: Any) -> dict[str, ModelPrice]:
    models = document.get("models") if isinstance(document, dict) else None
    if not isinstance(models, dict) or not models:
        raise ConfigError(_VARIABLE, path, f"{_SHAPE}; the 'models' table is missing or empty")
    prices = {}
    for model_id, entry in models.items():
        if isinstance(entry, dict):
            unknown = set(entry) - {"input", "output"}
            if unknown or not {"input", "output"} <= set(entry):
                raise ConfigError(
                    _VARIABLE,
                    path,
                    f"{_SHAPE}; models.{model_id} must have exactly input and output, found {sorted(entry)}",
                )
            prices[model_id] = ModelPrice(
                _rate(path, f"models.{model_id}.input", entry["input"]),
                _rate(path, f"models.{model_id}.output", entry["output"]),
            )
        else:
            rate = _rate(path, f"models.{model_id}", entry)
            prices[model_id] = ModelPrice(rate, rate)
    return prices


def _rate(path: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ConfigError(_VARIABLE, path, f"{_SHAPE}; {key} is {value!r}")
    return float(value)
