import csv
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from PIL import Image

from service.domain import preprocessing
from service.domain.model_card import read_model_card
from service.pipeline.backends.onnx import OnnxClassifier
from training.dataset import load_labelled_folder
from training.train import (
    Config,
    TrainResult,
    configure_determinism,
    fingerprint,
    load_arrays,
    lowest_threshold,
    stratified_holdout,
    train,
    train_on_views,
    train_soup_on_views,
    view_bank,
)

ImageMaker = Callable[[int, np.random.Generator], Image.Image]


def test_training_writes_a_valid_onnx_model_card_and_chart(trained: TrainResult, tiny_config: Config) -> None:
    out = trained.onnx_path.parent
    model = onnx.load(str(trained.onnx_path))
    onnx.checker.check_model(model)
    assert [output.name for output in model.graph.output] == ["logits", "recognition"]
    assert trained.onnx_path.stat().st_size < 25 * 1024 * 1024
    # The weights are stored at half precision (training.half); the equality test below shows nothing is lost.
    halves = [i for i in model.graph.initializer if i.data_type == onnx.TensorProto.FLOAT16]
    assert sum(int(np.prod(i.dims)) for i in halves) > 0.9 * sum(int(np.prod(i.dims)) for i in model.graph.initializer)
    card = read_model_card(trained.card_path)
    assert card == trained.card
    assert card.classes == ("bicycle", "motorcycle")
    assert (card.input_size, card.mean, card.std) == (
        preprocessing.INPUT_SIZE,
        preprocessing.MEAN,
        preprocessing.STD,
    )
    # A quarter of each class held out, never trained on; every validation figure is about them.
    assert (card.split.train_size, card.split.val_size) == (30, 10)
    assert card.validation.num_images == sum(map(sum, card.validation.confusion_matrix)) == 10
    # Cross-fitting: every training image predicted once, by the fold model that did not train on it.
    split = card.split
    assert split.folds == tiny_config.folds == len(split.fold_sizes) == len(split.fold_accuracy)
    assert sum(split.fold_sizes) == split.train_size
    with (out / "calibration.csv").open(encoding="utf-8") as handle:
        out_of_fold = [row for row in csv.DictReader(handle) if row["source"] == "out-of-fold"]
    right = sum(row["label"] == row["predicted"] for row in out_of_fold)
    assert len(out_of_fold) == split.train_size
    assert right == round(sum(a * n for a, n in zip(split.fold_accuracy, split.fold_sizes, strict=True)))
    assert card.calibration.temperature > 0
    assert card.recommended_threshold in [row.threshold for row in card.thresholds.table]
    assert card.training.hyperparameters["epochs"] == tiny_config.epochs
    recognition = card.recognition
    assert recognition is not None and recognition.threshold == 0.5 == card.recognition_threshold
    assert recognition.negatives == {"thumbnails": tiny_config.gate_thumbnails, "photos": tiny_config.gate_photos}
    assert 0 < recognition.photo_threshold < 1 and 0 < recognition.thumbnail_threshold < 1
    assert (out / "thresholds.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_exported_graph_takes_any_batch_size(trained: TrainResult, image_maker: ImageMaker) -> None:
    classifier = OnnxClassifier(trained.onnx_path, trained.card)
    rng = np.random.default_rng(5)
    for n in (1, 3, 17):
        assert len(classifier.predict([image_maker(n % 2, rng) for _ in range(n)])) == n


def test_serving_matches_pytorch(trained: TrainResult, image_maker: ImageMaker) -> None:
    # Arbitrary sizes, so that fit_to_input is part of the comparison; a sharp noise photo and thumbnails, so
    # that both recognition scores are.
    rng = np.random.default_rng(7)
    images = [image_maker(i % 2, rng).resize((40 + 9 * i, 32 + 5 * i)) for i in range(5)]
    images.append(Image.fromarray(rng.integers(0, 256, (300, 200, 3), dtype=np.uint8)))
    served = OnnxClassifier(trained.onnx_path, trained.card).predict(images)
    batch = preprocessing.to_array([preprocessing.fit_to_input(image) for image in images])
    with torch.no_grad():
        logits, recognition = trained.model(torch.from_numpy(batch))
    expected = torch.softmax(logits.double() / trained.card.calibration.temperature, dim=1).numpy()
    got = np.array([[p.probabilities[c] for c in trained.card.classes] for p in served])
    assert np.abs(got - expected).max() < 1e-4
    assert np.abs(np.array([p.recognition for p in served]) - recognition.numpy()).max() < 1e-4


def fine_tune(x: np.ndarray, y: np.ndarray, config: Config) -> torch.nn.Module:
    """One run on x, its bank of views built afresh (so that the bank's determinism is tested too)."""
    return train_on_views(view_bank(x, config), np.arange(len(x)), y, config)


def test_training_is_reproducible(tiny_data: Path, tiny_config: Config) -> None:
    configure_determinism(tiny_config)
    x, y = load_arrays(load_labelled_folder(tiny_data))
    x, y = x[:12], y[:12]
    first, second = (fine_tune(x, y, tiny_config) for _ in range(2))
    other = fine_tune(x, y, replace(tiny_config, seed=4))
    a, b, c = first.state_dict(), second.state_dict(), other.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)
    # Only the fine-tuned tail and head learn; the shared trunk and the ImageNet branch stay as pretrained.
    fresh = type(first)().state_dict()
    assert all(torch.equal(a[k], fresh[k]) for k in a if not k.startswith(("tail.", "head.")))
    assert not all(torch.equal(a[k], fresh[k]) for k in a if k.startswith("tail."))


def test_a_soup_is_the_mean_of_runs_from_one_start(tiny_data: Path, tiny_config: Config) -> None:
    configure_determinism(tiny_config)
    x, y = load_arrays(load_labelled_folder(tiny_data))
    x, y = x[:12], y[:12]
    two = replace(tiny_config, soup=2)
    views, rows = view_bank(x, two), np.arange(len(x))
    runs = [train_on_views(views, rows, y, two, run).state_dict() for run in range(2)]
    soup = train_soup_on_views(views, rows, y, two).state_dict()
    # Another order of the same data from the same start: other weights, and the soup is their mean.
    assert not torch.equal(runs[0]["head.weight"], runs[1]["head.weight"])
    for name, value in soup.items():
        if value.is_floating_point():
            torch.testing.assert_close(value, (runs[0][name] + runs[1][name]) / 2)


def test_the_hold_out_is_stratified_seeded_and_disjoint() -> None:
    labels = np.array([0] * 60 + [1] * 40)
    train, held = stratified_holdout(labels, 0.3, seed=1)
    assert sorted([*train.tolist(), *held.tolist()]) == list(range(100))
    assert ((labels[held] == 0).sum(), (labels[held] == 1).sum()) == (18, 12)
    again, elsewhere = stratified_holdout(labels, 0.3, seed=1), stratified_holdout(labels, 0.3, seed=2)
    assert np.array_equal(held, again[1]) and not np.array_equal(held, elsewhere[1])
    with pytest.raises(ValueError, match="between 0 and 1"):
        stratified_holdout(labels, 1.0, seed=0)


def test_no_held_out_image_is_trained_on(trained: TrainResult, tiny_data: Path, tiny_config: Config) -> None:
    items = load_labelled_folder(tiny_data)
    train, held = stratified_holdout(np.array([item.label for item in items]), tiny_config.holdout, tiny_config.seed)
    assert not set(train) & set(held)
    assert trained.card.split.train_size == len(train) and trained.card.validation.num_images == len(held)


def test_the_recognition_threshold_lets_through_at_most_the_allowed_share() -> None:
    scores = np.linspace(0.0, 0.999, 1000)
    threshold = lowest_threshold(scores, allowed=0.005)
    assert (scores >= threshold).mean() <= 0.005
    assert lowest_threshold(np.zeros(10)) == 0.0001  # above every negative
    assert lowest_threshold(np.ones(10)) == 0.9999


def test_the_data_fingerprint_depends_on_content_and_labels_only(
    tmp_path: Path, folder_writer: Callable[..., Path]
) -> None:
    folder = folder_writer(tmp_path / "a", per_class=3)
    nested = folder_writer(tmp_path / "b", per_class=3, nested=True)
    items = load_labelled_folder(folder)
    assert fingerprint(items) == fingerprint(load_labelled_folder(nested))  # same pixels, other layout
    assert fingerprint(items) == fingerprint(list(reversed(items)))
    relabelled = [item if i else type(item)(item.path, 1 - item.label, "x") for i, item in enumerate(items)]
    assert fingerprint(relabelled).sha256 != fingerprint(items).sha256
    Image.new("RGB", (32, 32)).save(items[0].path)
    assert fingerprint(items).sha256 != fingerprint(load_labelled_folder(nested)).sha256


def test_the_loader_reads_both_layouts_and_names_a_missing_image(
    tmp_path: Path, folder_writer: Callable[..., Path]
) -> None:
    nested = folder_writer(tmp_path / "nested", per_class=2, nested=True)
    items = load_labelled_folder(nested)
    assert [item.label for item in items] == [0, 0, 1, 1]
    assert all(item.path.parent.name == "train" for item in items)
    items[0].path.unlink()
    with pytest.raises(FileNotFoundError, match=items[0].path.name):
        load_labelled_folder(nested)


def test_the_card_threshold_table_is_recomputed_from_the_evidence_written_next_to_it(trained: TrainResult) -> None:
    import csv

    from training.thresholds import analyse

    with (trained.card_path.parent / "calibration.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    card = trained.card
    # Every image predicted by a model that never saw it: the shipped one (held out) or a fold's (the rest).
    assert len(rows) == card.split.val_size + card.split.train_size == card.thresholds.images
    assert sum(r["source"] == "held-out" for r in rows) == card.split.val_size
    assert len({r["filename"] for r in rows}) == len(rows)
    confidences = np.array([float(r["confidence"]) for r in rows])
    correct = np.array([r["label"] == r["predicted"] for r in rows])
    analysis, recommended = analyse(confidences, correct, evidence=card.thresholds.evidence)
    assert recommended == card.recommended_threshold
    assert analysis.table == card.thresholds.table


def test_fold_models_trained_in_worker_processes_give_the_same_model(
    trained: TrainResult, tiny_data: Path, tiny_config: Config, tmp_path: Path
) -> None:
    parallel = train(tiny_data, tmp_path, replace(tiny_config, jobs=2))
    assert parallel.card.onnx_sha256 == trained.card.onnx_sha256
    evidence = "calibration.csv"
    assert (tmp_path / evidence).read_bytes() == (trained.card_path.parent / evidence).read_bytes()
