"""Tiny generated datasets and one tiny trained model, shared by the training tests."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.tiny import TINY_CONFIG, make_image, write_labelled_folder
from training.train import Config, TrainResult, train


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_labelled_folder(tmp_path_factory.mktemp("tiny"), per_class=20)


@pytest.fixture(scope="session")
def trained(tiny_data: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    return train(tiny_data, tmp_path_factory.mktemp("model"), TINY_CONFIG)


@pytest.fixture(scope="session")
def tiny_config() -> Config:
    return TINY_CONFIG


@pytest.fixture(scope="session")
def image_maker() -> Callable[[int, np.random.Generator], Image.Image]:
    return make_image


@pytest.fixture(scope="session")
def folder_writer() -> Callable[..., Path]:
    return write_labelled_folder
