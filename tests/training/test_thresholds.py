from pathlib import Path

import numpy as np
import pytest

from training.thresholds import THRESHOLDS, analyse, plot_thresholds, recommend, threshold_table


def test_the_grid_runs_from_half_to_0_9999() -> None:
    assert THRESHOLDS[0] == 0.5 and THRESHOLDS[-1] == 0.9999
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


def test_each_row_carries_the_clopper_pearson_lower_bound() -> None:
    from scipy.stats import beta

    rows = threshold_table(np.linspace(0.9, 0.99, 100), np.arange(100) >= 3, thresholds=(0.5, 0.95))
    assert rows[0].accepted_correct == 97
    assert rows[0].precision_lower == pytest.approx(beta.ppf(0.05, 97, 4), abs=1e-9)
    right = rows[1].accepted_correct
    assert right is not None
    assert rows[1].precision_lower == pytest.approx(beta.ppf(0.05, right, rows[1].accepted - right + 1), abs=1e-9)


def test_the_recommendation_is_the_lowest_threshold_whose_lower_bound_meets_the_target() -> None:
    # 600 right answers at 0.95+, one mistake at 0.97, mistakes at 0.60 and 0.80.
    confidences = np.concatenate([np.linspace(0.95, 0.999, 600), [0.97, 0.60, 0.80]])
    correct = np.concatenate([np.ones(600, dtype=bool), [False, False, False]])
    analysis, threshold = analyse(confidences, correct, evidence="test")
    # 600 of 601 bound at 0.9921; 600 of 602 at 0.9895: the lowest certified threshold is above 0.80.
    assert threshold == 0.81
    assert analysis.target_certified is True
    assert analysis.lower_at_recommended is not None and analysis.lower_at_recommended >= 0.99
    assert analysis.images == 603 and analysis.evidence == "test"
    lower = {row.threshold: row.precision_lower for row in analysis.table}
    assert (lower[0.8] or 0) < 0.99  # the row below the recommendation does not meet the target


def test_too_few_answers_cannot_certify_the_target_and_the_card_says_what_they_certify() -> None:
    # 250 right answers and no mistake: the bound is 0.05 ** (1 / 250) = 0.9881 < 0.99.
    confidences = np.linspace(0.95, 0.999, 250)
    analysis, threshold = analyse(confidences, np.ones(250, dtype=bool))
    assert analysis.target_certified is False
    assert analysis.lower_at_recommended == pytest.approx(0.05 ** (1 / 250), abs=1e-9)
    assert threshold == 0.5  # every threshold from 0.5 to 0.95 accepts all 250: the lowest of them
    assert analyse(np.linspace(0.95, 0.999, 300), np.ones(300, dtype=bool))[0].target_certified is True


def test_without_any_right_answer_nothing_is_certified() -> None:
    rows = threshold_table(np.full(10, 0.9999), np.zeros(10, dtype=bool))
    row, certified = recommend(rows)
    assert not certified and row.precision_lower == 0.0


def test_the_chart_is_a_png(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    confidences = rng.uniform(0.5, 1.0, 200)
    correct = rng.uniform(0.5, 1.0, 200) < confidences
    analysis, threshold = analyse(confidences, correct)
    path = tmp_path / "chart" / "thresholds.png"
    plot_thresholds(analysis.table, threshold, path, title="test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000
