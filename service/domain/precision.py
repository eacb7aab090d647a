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


#: Confidence of every one-sided lower precision bound the project states (the card's table, `threshold suggest`).
CONFIDENCE = 0.95


def _incomplete_beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the regularised incomplete beta function (modified Lentz), for x < (a+1)/(a+b+2)."""
    tiny, eps = 1e-300, 1e-15
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


def regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b): the cumulative distribution function of Beta(a, b) at x (a, b > 0)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _incomplete_beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _incomplete_beta_fraction(b, a, 1.0 - x) / b


def beta_quantile(q: float, a: float, b: float) -> float:
    """The q-quantile of Beta(a, b), by bisection on the monotonic CDF (to 1e-12)."""
    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        if regularized_beta(a, b, middle) < q:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def clopper_pearson_lower(successes: float, trials: float, confidence: float = CONFIDENCE) -> float | None:
    """The exact (Clopper-Pearson) one-sided lower confidence bound on a proportion: the p at which seeing
    `successes` or more of `trials` has probability 1 - confidence. With no failures among n it is
    (1 - confidence) ** (1 / n): the "rule of three", about 1 - 3/n at 95%. Counts may be fractional (weighted
    samples, as effective counts). None without trials."""
    if trials <= 0:
        return None
    successes = min(max(successes, 0.0), trials)
    if successes == 0:
        return 0.0
    return beta_quantile(1.0 - confidence, successes, trials - successes + 1.0)


def weighted_counts(weights: list[float], correct: list[bool]) -> tuple[float, float]:
    """(effective successes, effective trials) of a weighted sample: Kish's effective size (sum w)^2 / sum w^2,
    with the weighted share of successes. Equal weights give the plain counts back."""
    total = sum(weights)
    if total <= 0:
        return 0.0, 0.0
    effective = total * total / sum(w * w for w in weights)
    share = sum(w for w, ok in zip(weights, correct, strict=True) if ok) / total
    return share * effective, effective
