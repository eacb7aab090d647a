"""The model's input preprocessing, shared by training and serving so that the two cannot drift.

Pure Pillow + NumPy on purpose: serving imports this module and must never pull in torch.

How an arbitrary photo becomes a model input (`fit_to_input`): scale the *shorter* side to INPUT_SIZE,
keeping the aspect ratio, then crop the centre square. The training images (CIFAR) are tightly framed, roughly
centred objects with their natural proportions, so:
- squashing would distort shapes (a wide photo of a motorcycle becomes an unusually tall one), a distortion
  the model never saw in training;
- letterboxing would add flat borders the model never saw, and shrink the object to a fraction of 32 pixels;
- a centre crop keeps proportions and fills the frame as CIFAR does; it only loses the edges of very wide or
  tall photos, where the subject of a delivery photo rarely is.
The model works at INPUT_SIZE (128): a 32x32 training thumbnail is upscaled to it exactly as any small upload
is, so training and serving see the same pixels for the same image.

The normalisation is EfficientNet-Lite's own (pixel - 127) / 128 per channel, which its ImageNet weights expect.
Every function takes the size and statistics as arguments with these defaults, so that a benchmark can run an
earlier model (other size, other statistics) through this same module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:  # imported by to_array: Serialize only resizes, and NumPy is a fifth of its cold start
    import numpy as np

INPUT_SIZE: int = 128
# EfficientNet-Lite's normalisation, (pixel - 127) / 128, with pixel values scaled to [0, 1]. Fixed constants, so
# that a shipped model and this module always agree.
MEAN: tuple[float, float, float] = (127 / 255, 127 / 255, 127 / 255)
STD: tuple[float, float, float] = (128 / 255, 128 / 255, 128 / 255)

Stats = tuple[float, float, float]


def fit_to_input(image: Image.Image, size: int = INPUT_SIZE) -> Image.Image:
    """Any image as a size x size RGB image (shorter side resized, then centre crop)."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    width, height = image.size
    if (width, height) == (size, size):
        return image
    scale = size / min(width, height)
    # Never round a side below size, whatever the aspect ratio.
    new_size = (max(size, round(width * scale)), max(size, round(height * scale)))
    # reducing_gap first shrinks by an integer factor (fast, and still antialiased), then BICUBIC finishes.
    resized = image.resize(new_size, Image.Resampling.BICUBIC, reducing_gap=3.0)
    left = (new_size[0] - size) // 2
    top = (new_size[1] - size) // 2
    return resized.crop((left, top, left + size, top + size))


def to_array(images: Sequence[Image.Image], size: int = INPUT_SIZE, mean: Stats = MEAN, std: Stats = STD) -> np.ndarray:
    """Model-sized RGB images as one float32 NCHW batch, normalised with mean and std."""
    import numpy as np

    if not images:
        return np.zeros((0, 3, size, size), dtype=np.float32)
    for image in images:
        if image.size != (size, size) or image.mode != "RGB":
            raise ValueError(f"expected {size}x{size} RGB images (use fit_to_input), got {image.size} {image.mode}")
    pixels = np.stack([np.asarray(image, dtype=np.uint8) for image in images])  # NHWC uint8
    batch = pixels.transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    mean_ = np.asarray(mean, dtype=np.float32).reshape(1, 3, 1, 1)
    std_ = np.asarray(std, dtype=np.float32).reshape(1, 3, 1, 1)
    return np.ascontiguousarray((batch - mean_) / std_, dtype=np.float32)
