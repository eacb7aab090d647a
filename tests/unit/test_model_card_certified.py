"""The shipped card's recommended threshold follows the certified rule on the predictions it names
(models/calibration.csv, each of an image its model never trained on): the 95% Clopper-Pearson lower bound on the
accuracy of what it auto-accepts meets the target and no lower threshold's does; or, where no threshold's does,
the card says so and the threshold is the lowest with the highest bound (what the data certify)."""

import csv

import numpy as np
import pytest

from service.domain.model_card import load_model_card
from service.domain.paths import MODEL_CARD_PATH
from service.domain.precision import clopper_pearson_lower
from training.thresholds import analyse

EVIDENCE = MODEL_CARD_PATH.parent / "calibration.csv"


def test_the_recommended_threshold_is_the_certified_rule_s() -> None:
    card = load_model_card(MODEL_CARD_PATH)
    analysis = card.thresholds
    row = next(r for r in analysis.table if r.threshold == card.recommended_threshold)
    assert row.accepted_correct is not None
    lower = clopper_pearson_lower(row.accepted_correct, row.accepted)
    assert lower is not None and row.precision_lower == pytest.approx(lower, abs=1e-12)
    assert row.precision_lower == analysis.lower_at_recommended
    bounds = [r.precision_lower or 0.0 for r in analysis.table]
    if not analysis.target_certified:
        assert max(bounds) < analysis.target_accuracy and lower == max(bounds)
        assert all((r.precision_lower or 0.0) < lower for r in analysis.table if r.threshold < row.threshold)
        return
    assert lower >= analysis.target_accuracy
    assert all(
        (r.precision_lower or 0.0) < analysis.target_accuracy for r in analysis.table if r.threshold < row.threshold
    )


def test_the_table_is_what_the_named_predictions_give() -> None:
    card = load_model_card(MODEL_CARD_PATH)
    with EVIDENCE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == card.thresholds.images
    assert sum(r["source"] == "held-out" for r in rows) == card.split.val_size
    assert len(rows) in (card.split.val_size, card.data.num_images)  # held-out, or with every training image too
    assert len({r["filename"] for r in rows}) == len(rows)
    confidences = np.array([float(r["confidence"]) for r in rows])
    correct = np.array([r["label"] == r["predicted"] for r in rows])
    analysis, recommended = analyse(confidences, correct, card.thresholds.target_accuracy)
    assert recommended == card.recommended_threshold
    assert analysis.table == card.thresholds.table
