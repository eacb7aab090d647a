from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from PIL import Image

from service import preprocessing
from service.backends.onnx import OnnxClassifier
from service.model_card import read_model_card
from training.dataset import load_labelled_folder
from training.train import (
    Config,
    TrainResult,
    configure_determinism,
    fingerprint,
    load_arrays,
    stratified_split,
    train_member,
)

ImageMaker = Callable[[int, np.random.Generator], Image.Image]


def test_training_writes_a_valid_onnx_model_card_and_chart(trained: TrainResult, tiny_config: Config) -> None:
    out = trained.onnx_path.parent
    onnx.checker.check_model(onnx.load(str(trained.onnx_path)))
    assert trained.onnx_path.stat().st_size < 5 * 1024 * 1024
    card = read_model_card(trained.card_path)
    assert card == trained.card
    assert card.classes == ("bicycle", "motorcycle")
    assert (card.input_size, card.mean, card.std) == (
        preprocessing.INPUT_SIZE,
        preprocessing.MEAN,
        preprocessing.STD,
    )
    assert card.split.train_size + card.split.val_size == 40
    assert card.split.val_size == card.validation.num_images == 10
    assert sum(map(sum, card.validation.confusion_matrix)) == 10
    assert card.calibration.temperature > 0
    assert card.recommended_threshold in [row.threshold for row in card.thresholds.table]
    assert card.training.hyperparameters["epochs"] == tiny_config.epochs
    assert (out / "thresholds.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_exported_graph_takes_any_batch_size(trained: TrainResult, image_maker: ImageMaker) -> None:
    classifier = OnnxClassifier(trained.onnx_path, trained.card)
    rng = np.random.default_rng(5)
    for n in (1, 3, 17):
        assert len(classifier.predict([image_maker(n % 2, rng) for _ in range(n)])) == n


def test_serving_matches_pytorch(trained: TrainResult, image_maker: ImageMaker) -> None:
    # Arbitrary sizes, so that fit_to_input is part of the comparison.
    rng = np.random.default_rng(7)
    images = [image_maker(i % 2, rng).resize((40 + 9 * i, 32 + 5 * i)) for i in range(6)]
    served = OnnxClassifier(trained.onnx_path, trained.card).predict(images)
    batch = preprocessing.to_array([preprocessing.fit_to_input(image) for image in images])
    with torch.no_grad():
        logits = trained.model(torch.from_numpy(batch)).double()
    expected = torch.softmax(logits / trained.card.calibration.temperature, dim=1).numpy()
    got = np.array([[p.probabilities[c] for c in trained.card.classes] for p in served])
    assert np.abs(got - expected).max() < 1e-4


def test_training_is_reproducible(tiny_data: Path, tiny_config: Config) -> None:
    configure_determinism(tiny_config)
    x, y = load_arrays(load_labelled_folder(tiny_data))
    first, second, other = (train_member(x, y, tiny_config, seed) for seed in (3, 3, 4))
    a, b, c = first.state_dict(), second.state_dict(), other.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_the_split_is_stratified_disjoint_and_seeded() -> None:
    labels = np.array([0] * 60 + [1] * 40)
    train_idx, val_idx = stratified_split(labels, 0.2, seed=1)
    assert set(train_idx).isdisjoint(val_idx)
    assert len(train_idx) + len(val_idx) == 100
    assert (labels[val_idx] == 0).sum() == 12 and (labels[val_idx] == 1).sum() == 8
    again, _ = stratified_split(labels, 0.2, seed=1)
    elsewhere, _ = stratified_split(labels, 0.2, seed=2)
    assert np.array_equal(again, train_idx)
    assert not np.array_equal(elsewhere, train_idx)


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
