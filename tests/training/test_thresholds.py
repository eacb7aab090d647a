from pathlib import Path

import numpy as np
import pytest

from training.thresholds import THRESHOLDS, analyse, plot_thresholds, recommend, threshold_table


def test_the_grid_runs_from_half_to_0_999() -> None:
    assert THRESHOLDS[0] == 0.5 and THRESHOLDS[-1] == 0.999
    assert list(THRESHOLDS) == sorted(set(THRESHOLDS))


def test_coverage_and_accuracy_of_the_accepted() -> None:
    confidences = np.array([0.55, 0.65, 0.75, 0.85, 0.95])
    correct = np.array([False, True, False, True, True])
    rows = {row.threshold: row for row in threshold_table(confidences, correct, thresholds=(0.5, 0.7, 0.9, 0.99))}
    assert rows[0.5].coverage == 1.0 and rows[0.5].accepted_accuracy == pytest.approx(0.6)
    assert rows[0.7].accepted == 3 and rows[0.7].accepted_accuracy == pytest.approx(2 / 3)
    assert rows[0.9].coverage == pytest.approx(0.2) and rows[0.9].accepted_accuracy == 1.0
    assert rows[0.99].accepted == 0 and rows[0.99].accepted_accuracy is None


def test_a_confidence_equal_to_the_threshold_is_accepted() -> None:
    (row,) = threshold_table(np.array([0.8]), np.array([True]), thresholds=(0.8,))
    assert row.accepted == 1


def test_the_recommendation_is_the_lowest_threshold_reaching_the_target_with_a_mistake_to_spare() -> None:
    # 200 right answers at 0.95+, mistakes at 0.60 and 0.80.
    confidences = np.concatenate([np.linspace(0.95, 0.999, 200), [0.60, 0.80]])
    correct = np.concatenate([np.ones(200, dtype=bool), [False, False]])
    analysis, threshold = analyse(confidences, correct)
    # At 0.50 two mistakes in 202 are 99.0% seen, but 199/203 with one more: below. At 0.61: 200/202 >= 99%.
    assert threshold == 0.61
    assert analysis.coverage_at_recommended == pytest.approx(201 / 202)
    assert analysis.accuracy_at_recommended == pytest.approx(200 / 201)
    # Without the confident mistake, 0.50 keeps the target with one to spare.
    assert analyse(confidences[:-1], correct[:-1])[1] == 0.5


def test_too_few_answers_cannot_vouch_for_the_target() -> None:
    # 50 right answers: even with no mistake seen, 50/51 is below 99%: the most cautious threshold.
    confidences = np.concatenate([np.linspace(0.95, 0.999, 50), [0.60]])
    correct = np.arange(51) < 50
    assert analyse(confidences, correct)[1] == THRESHOLDS[-1]
    rows = threshold_table(np.linspace(0.95, 0.999, 99), np.ones(99, dtype=bool))
    assert recommend(rows).threshold == 0.5  # 99/100 with one more mistake: exactly the target


def test_without_any_threshold_reaching_the_target_the_most_cautious_is_recommended() -> None:
    rows = threshold_table(np.full(10, 0.9999), np.zeros(10, dtype=bool))
    assert recommend(rows).threshold == THRESHOLDS[-1]


def test_the_chart_is_a_png(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    confidences = rng.uniform(0.5, 1.0, 200)
    correct = rng.uniform(0.5, 1.0, 200) < confidences
    analysis, threshold = analyse(confidences, correct)
    path = tmp_path / "chart" / "thresholds.png"
    plot_thresholds(analysis.table, threshold, path, title="test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000
