"""Threshold analysis: how many predictions a confidence threshold auto-accepts, and how right they are."""

from pathlib import Path

import numpy as np

from service.domain.model_card import ThresholdAnalysis, ThresholdRow

TARGET_ACCURACY = 0.99
# 0.50..0.99 in steps of 0.01, then finer up to 0.999 where the confident tail lives.
THRESHOLDS: tuple[float, ...] = tuple(
    [round(0.50 + 0.01 * i, 3) for i in range(49)] + [round(0.990 + 0.001 * i, 3) for i in range(10)]
)


def threshold_table(
    confidences: np.ndarray, correct: np.ndarray, thresholds: tuple[float, ...] = THRESHOLDS
) -> list[ThresholdRow]:
    """Per threshold: coverage (share accepted) and accuracy of the accepted predictions."""
    confidences = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    total = len(confidences)
    rows = []
    for threshold in thresholds:
        accepted = confidences >= threshold
        count = int(accepted.sum())
        rows.append(
            ThresholdRow(
                threshold=threshold,
                coverage=count / total if total else 0.0,
                accepted=count,
                accepted_accuracy=float(correct[accepted].mean()) if count else None,
            )
        )
    return rows


def pessimistic_accuracy(row: ThresholdRow) -> float | None:
    """The accepted accuracy with one more mistake counted than was seen: (right) / (accepted + 1)."""
    if not row.accepted or row.accepted_accuracy is None:
        return None
    right = round(row.accepted_accuracy * row.accepted)
    return right / (row.accepted + 1)


def recommend(rows: list[ThresholdRow], target: float = TARGET_ACCURACY) -> ThresholdRow:
    """The lowest threshold whose auto-accepted predictions reach `target` accuracy even with one more mistake
    than the held-out set showed; if none does, the highest threshold (the most cautious choice on offer).

    Why one more: a few hundred held-out answers decide the threshold, and at 99% the count of mistakes among
    them is one or two, so the plain "lowest threshold reaching 99%" swings with a single image (it moved from
    0.91 to 0.74 for one mistake more or less at 0.75). Counting one more keeps the target with no mistake to
    spare: at 250 held-out images it allows one observed mistake among the accepted, not two.
    """
    for row in rows:
        accuracy = pessimistic_accuracy(row)
        if accuracy is not None and accuracy >= target:
            return row
    return rows[-1]


def analyse(
    confidences: np.ndarray, correct: np.ndarray, target: float = TARGET_ACCURACY
) -> tuple[ThresholdAnalysis, float]:
    """The threshold table and the recommended threshold."""
    rows = threshold_table(confidences, correct)
    best = recommend(rows, target)
    return ThresholdAnalysis(
        target_accuracy=target,
        rule=f"lowest threshold whose auto-accepted accuracy, counting one mistake more than seen, is >= {target}",
        coverage_at_recommended=best.coverage,
        accuracy_at_recommended=best.accepted_accuracy,
        table=rows,
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
