"""Threshold analysis: how many predictions a confidence threshold auto-accepts, and how right they are."""

from pathlib import Path

import numpy as np

from service.domain.model_card import ThresholdAnalysis, ThresholdRow
from service.domain.precision import CONFIDENCE, clopper_pearson_lower

TARGET_ACCURACY = 0.99
BOUND = f"Clopper-Pearson (exact binomial), one-sided {CONFIDENCE:.0%}: service.domain.precision.clopper_pearson_lower"
# 0.50..0.95 in steps of 0.01, then finer up to 0.9999 where the confident tail lives: most predictions of a good
# model sit above 0.95, and a step of 0.01 there moves a tenth of them in or out of auto-acceptance at once.
THRESHOLDS: tuple[float, ...] = tuple(
    [round(0.50 + 0.01 * i, 3) for i in range(45)]
    + [round(0.950 + 0.001 * i, 3) for i in range(50)]
    + [round(0.9991 + 0.0001 * i, 4) for i in range(9)]
)


def threshold_table(
    confidences: np.ndarray, correct: np.ndarray, thresholds: tuple[float, ...] = THRESHOLDS
) -> list[ThresholdRow]:
    """Per threshold: coverage (share accepted), accuracy of the accepted predictions and its one-sided 95%
    Clopper-Pearson lower bound."""
    confidences = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    total = len(confidences)
    rows = []
    for threshold in thresholds:
        accepted = confidences >= threshold
        count = int(accepted.sum())
        right = int(correct[accepted].sum())
        rows.append(
            ThresholdRow(
                threshold=threshold,
                coverage=count / total if total else 0.0,
                accepted=count,
                accepted_accuracy=right / count if count else None,
                accepted_correct=right,
                precision_lower=clopper_pearson_lower(right, count),
            )
        )
    return rows


def recommend(rows: list[ThresholdRow], target: float = TARGET_ACCURACY) -> tuple[ThresholdRow, bool]:
    """(row, certified): the lowest threshold whose lower precision bound reaches `target`.

    Where no threshold's bound reaches it (too few predictions: with no mistake among n accepted the 95% bound is
    about 1 - 3/n, so 0.99 needs 300 or more), the data cannot certify the target; the rule then takes the lowest
    threshold with the highest bound on offer, which is what the card states it certifies.
    """
    bounded = [row for row in rows if row.precision_lower is not None]
    if not bounded:
        return rows[-1], False
    for row in bounded:
        if row.precision_lower is not None and row.precision_lower >= target:
            return row, True
    best = max(row.precision_lower or 0.0 for row in bounded)
    return next(row for row in bounded if row.precision_lower == best), False


def analyse(
    confidences: np.ndarray, correct: np.ndarray, target: float = TARGET_ACCURACY, evidence: str | None = None
) -> tuple[ThresholdAnalysis, float]:
    """The threshold table and the recommended threshold."""
    rows = threshold_table(confidences, correct)
    best, certified = recommend(rows, target)
    return ThresholdAnalysis(
        target_accuracy=target,
        rule=(
            f"lowest threshold whose {CONFIDENCE:.0%} lower bound on the accuracy of the auto-accepted is >= "
            f"{target}; if none reaches it, the lowest threshold with the highest bound (what the data certifies)"
        ),
        coverage_at_recommended=best.coverage,
        accuracy_at_recommended=best.accepted_accuracy,
        table=rows,
        bound=BOUND,
        evidence=evidence,
        images=len(confidences),
        lower_at_recommended=best.precision_lower,
        target_certified=certified,
    ), best.threshold


def plot_thresholds(rows: list[ThresholdRow], recommended: float, path: Path, title: str) -> None:
    """Accepted accuracy and coverage against the threshold, with the recommended threshold marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    thresholds = [row.threshold for row in rows]
    accuracy = [np.nan if row.accepted_accuracy is None else row.accepted_accuracy for row in rows]
    coverage = [row.coverage for row in rows]
    at = next(row for row in rows if row.threshold == recommended)

    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    ax.plot(thresholds, accuracy, label="accuracy of auto-accepted", color="tab:blue", linewidth=2)
    ax.plot(thresholds, coverage, label="coverage (share auto-accepted)", color="tab:orange", linewidth=2)
    ax.axhline(TARGET_ACCURACY, color="tab:blue", linestyle=":", linewidth=1, label=f"target {TARGET_ACCURACY:.2f}")
    ax.axvline(recommended, color="tab:green", linestyle="--", linewidth=1.5)
    ax.plot([recommended], [at.coverage], "o", color="tab:green")
    accuracy_text = "n/a" if at.accepted_accuracy is None else f"{at.accepted_accuracy:.3f}"
    ax.annotate(
        f"recommended {recommended:.3f}\naccuracy {accuracy_text}\ncoverage {at.coverage:.1%}",
        xy=(recommended, at.coverage),
        xytext=(0.04, 0.32),
        textcoords="axes fraction",
        arrowprops={"arrowstyle": "->", "color": "tab:green"},
        color="tab:green",
    )
    ax.set_xlim(0.5, 1.0)
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("confidence threshold")
    ax.set_ylabel("share")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
