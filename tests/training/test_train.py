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
    cross_validate_and_fit,
    fingerprint,
    load_arrays,
    stratified_folds,
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
    # Every image held out once, and the shipped model trained on all of them.
    assert card.split.train_size == card.split.val_size == card.validation.num_images == 40
    assert card.split.fold_sizes == [20, 20]
    assert len(card.split.fold_accuracy) == 2
    assert sum(map(sum, card.validation.confusion_matrix)) == 40
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


def test_the_folds_partition_the_images_stratified_and_seeded() -> None:
    labels = np.array([0] * 60 + [1] * 43)
    folds = stratified_folds(labels, 5, seed=1)
    assert sorted(np.concatenate(folds).tolist()) == list(range(103))  # each image in exactly one fold
    assert [len(fold) for fold in folds] == [21, 21, 21, 20, 20]
    assert all((labels[fold] == 0).sum() == 12 for fold in folds)
    assert all((labels[fold] == 1).sum() in (8, 9) for fold in folds)
    again = stratified_folds(labels, 5, seed=1)
    elsewhere = stratified_folds(labels, 5, seed=2)
    assert all(np.array_equal(a, b) for a, b in zip(folds, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(folds, elsewhere, strict=True))
    with pytest.raises(ValueError, match="at least 2 folds"):
        stratified_folds(labels, 1, seed=0)


def test_no_image_is_scored_by_a_network_that_trained_on_it(
    tiny_data: Path, tiny_config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    x, y = load_arrays(load_labelled_folder(tiny_data))
    seen: list[np.ndarray] = []

    class Recorder(torch.nn.Module):
        """Stands in for a trained network: remembers its training images, and scores an image 1 if it saw it."""

        def __init__(self, trained_on: np.ndarray) -> None:
            super().__init__()
            self.trained_on = {array.tobytes() for array in x[trained_on]}

        def forward(self, batch: torch.Tensor) -> torch.Tensor:
            known = [float(image.numpy().tobytes() in self.trained_on) for image in batch]
            return torch.tensor(known).unsqueeze(1).repeat(1, 2)

    def fake_train_networks(x_: np.ndarray, y_: np.ndarray, fits: list, config: Config) -> list:
        seen.extend(indices for indices, _ in fits)
        return [Recorder(indices) for indices, _ in fits]

    monkeypatch.setattr("training.train.train_networks", fake_train_networks)
    fitted = cross_validate_and_fit(x, y, replace(tiny_config, folds=4, flip_tta=False))
    assert len(seen) == (4 + 1) * tiny_config.members
    assert fitted.held_out_logits.shape == (40, 2)
    assert (fitted.held_out_logits == 0).all()  # no image was known to the ensemble that scored it
    with torch.no_grad():
        assert (fitted.model(torch.from_numpy(x)) == 1).all()  # the shipped ensemble saw every image
    assert sorted(np.concatenate(fitted.folds).tolist()) == list(range(40))


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
