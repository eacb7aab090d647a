import json
from pathlib import Path

import numpy as np
import pytest

from service.pipeline.backends.onnx import OnnxClassifier
from training import evaluate, scoring
from training.dataset import load_labelled_folder
from training.train import TrainResult


def test_evaluate_reports_what_the_serving_path_predicts(tiny_data: Path, trained: TrainResult) -> None:
    items = load_labelled_folder(tiny_data)
    classifier = OnnxClassifier(trained.onnx_path, trained.card)
    metrics, analysis, threshold, probabilities = scoring.evaluate(items, classifier)

    labels = np.array([item.label for item in items])
    predicted = probabilities.argmax(axis=1)
    assert metrics.num_images == len(items) == 40
    assert metrics.accuracy == pytest.approx((predicted == labels).mean())
    confusion = np.array(metrics.confusion_matrix)
    assert confusion.sum() == 40 and np.trace(confusion) == (predicted == labels).sum()
    assert [m.support for m in metrics.per_class.values()] == [20, 20]
    assert analysis.table[0].coverage == 1.0
    assert threshold in [row.threshold for row in analysis.table]
    first = classifier.predict([scoring.read_image_file(items[0].path, 10**7, 10**7)])[0]
    assert probabilities[0].tolist() == pytest.approx([first.probabilities[c] for c in classifier.classes])


def test_the_command_prints_json_and_writes_its_outputs(
    tiny_data: Path, trained: TrainResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--images", str(tiny_data), "--labels", str(tiny_data / "labels.csv")]
    args += ["--model", str(trained.onnx_path), "--card", str(trained.card_path)]
    evaluate.main([*args, "--out", str(tmp_path), "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert printed["metrics"]["num_images"] == 40
    assert printed["model_version"] == trained.card.model_version
    assert json.loads((tmp_path / "evaluation.json").read_text()) == printed
    assert (tmp_path / "thresholds.png").read_bytes()[:4] == b"\x89PNG"

    evaluate.main(args)
    table = capsys.readouterr().out
    assert f"accuracy {printed['metrics']['accuracy']:.4f}" in table
    assert "precision" in table and "threshold" in table


def test_a_labels_file_kept_elsewhere_finds_its_images(
    tiny_data: Path, trained: TrainResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = tmp_path / "subset.csv"
    rows = (tiny_data / "labels.csv").read_text().splitlines()
    labels.write_text("\n".join([rows[0], rows[1], rows[-1]]) + "\n")
    args = ["--images", str(tiny_data), "--labels", str(labels), "--json"]
    evaluate.main([*args, "--model", str(trained.onnx_path), "--card", str(trained.card_path)])
    assert json.loads(capsys.readouterr().out)["metrics"]["num_images"] == 2
