import csv
import shutil
from pathlib import Path

from service.domain.model_card import read_model_card
from training.recertify import recertify
from training.train import TrainResult


def test_recertify_rederives_the_table_from_the_held_out_split_through_serving(
    trained: TrainResult, tiny_data: Path, tmp_path: Path
) -> None:
    for name in ("model.onnx", "model_card.json"):
        shutil.copy(trained.card_path.parent / name, tmp_path / name)
    recertify(tiny_data, tmp_path)
    before, after = trained.card, read_model_card(tmp_path / "model_card.json")
    assert after.onnx_sha256 == before.onnx_sha256 and after.calibration == before.calibration
    with (tmp_path / "calibration.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == after.thresholds.images == before.split.val_size
    assert {r["source"] for r in rows} == {"held-out"}
    row = next(r for r in after.thresholds.table if r.threshold == after.recommended_threshold)
    assert row.precision_lower == after.thresholds.lower_at_recommended
    # Ten held-out images cannot certify 99%: the card says so and what they do certify.
    assert after.thresholds.target_certified is False and row.precision_lower is not None
    assert row.precision_lower == max(r.precision_lower or 0.0 for r in after.thresholds.table)
    assert (tmp_path / "thresholds.png").stat().st_size > 0
