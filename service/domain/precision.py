"""Measured precision: a proportion with its Wilson score interval (sound for small counts and for p near 1)."""

from __future__ import annotations

import math

from service.domain.models import Frozen

Z_95 = 1.959963984540054


class Proportion(Frozen):
    successes: float
    trials: float
    value: float | None
    low: float | None
    high: float | None


def wilson(successes: float, trials: float, z: float = Z_95) -> Proportion:
    """The 95% Wilson interval; the normal approximation would claim [1, 1] for 50 of 50."""
    if trials <= 0:
        return Proportion(successes=successes, trials=trials, value=None, low=None, high=None)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Proportion(
        successes=successes, trials=trials, value=p, low=max(0.0, centre - half), high=min(1.0, centre + half)
    )
