"""Tiny generated labelled images and a tiny training configuration: the plumbing of training, not its accuracy."""

import csv
from pathlib import Path

import numpy as np
from PIL import Image

from training.train import Config

CLASSES = ("bicycle", "motorcycle")
# Small and short: the tests check the plumbing (export, card, serving parity), not the accuracy.
TINY_CONFIG = Config(
    epochs=1,
    batch_size=16,
    threads=1,
    holdout=0.25,
    folds=3,
    negatives=16,
    drawn=8,
    gate_thumbnails=16,
    gate_photos=24,
)


def make_image(label: int, rng: np.random.Generator) -> Image.Image:
    """Class 0: bright horizontal stripes; class 1: dark vertical ones; plus noise."""
    pixels = rng.integers(0, 80, (32, 32, 3)).astype(np.uint8)
    if label == 0:
        pixels[::4, :, :] = 230
    else:
        pixels[:, ::4, 2] = 160
    return Image.fromarray(pixels)


def write_labelled_folder(folder: Path, per_class: int, seed: int = 0, nested: bool = False) -> Path:
    rng = np.random.default_rng(seed)
    images_dir = folder / "train" if nested else folder
    images_dir.mkdir(parents=True, exist_ok=True)
    with (folder / "labels.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["filename", "label", "class_name"])
        for label, name in enumerate(CLASSES):
            for i in range(per_class):
                filename = f"{name}_{i:03d}.png"
                make_image(label, rng).save(images_dir / filename)
                writer.writerow([filename, label, name])
    return folder
