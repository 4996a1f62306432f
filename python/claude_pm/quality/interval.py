"""The Wilson score interval of a failure rate: the report's error bars and the guard's evidence."""

from __future__ import annotations

import math

__all__ = ["WILSON_Z", "wilson_interval"]

# Two-sided 95 %: the 0.975 quantile of the standard normal distribution.
WILSON_Z = 1.959963984540054


def wilson_interval(failures: int, trials: int, z: float = WILSON_Z) -> tuple[float, float] | None:
    """(low, high) bounds of the failure rate `failures / trials`; None without trials.

    Unlike the normal approximation it stays inside 0..1 and is honest for small
    samples and rates near 0 or 1 (3 failures out of 3 is not "100 % +- 0").
    """
    if trials <= 0:
        return None
    if not 0 <= failures <= trials:
        raise ValueError(f"failures={failures!r} is not valid: expected 0..trials ({trials})")
    rate = failures / trials
    z2 = z * z
    denominator = 1.0 + z2 / trials
    centre = (rate + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(rate * (1.0 - rate) / trials + z2 / (4 * trials * trials)) / denominator
    # Exact at the ends (the formula's rounding would give 0.9999999999999999).
    low = 0.0 if failures == 0 else max(0.0, centre - half)
    high = 1.0 if failures == trials else min(1.0, centre + half)
    return low, high
