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
A 32x32 input (every training image) passes through unchanged, so training and serving see the same pixels.
"""

from collections.abc import Sequence

import numpy as np
from PIL import Image

INPUT_SIZE: int = 32
# Per-channel statistics of the 1000 training images (RGB, pixel values scaled to [0, 1]), rounded. Fixed
# constants rather than recomputed, so that a shipped model and this module always agree.
MEAN: tuple[float, float, float] = (0.531, 0.516, 0.491)
STD: tuple[float, float, float] = (0.260, 0.259, 0.269)

_MEAN = np.asarray(MEAN, dtype=np.float32).reshape(1, 3, 1, 1)
_STD = np.asarray(STD, dtype=np.float32).reshape(1, 3, 1, 1)


def fit_to_input(image: Image.Image) -> Image.Image:
    """Any image as an INPUT_SIZE x INPUT_SIZE RGB image (shorter side resized, then centre crop)."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    width, height = image.size
    if (width, height) == (INPUT_SIZE, INPUT_SIZE):
        return image
    scale = INPUT_SIZE / min(width, height)
    # Never round a side below INPUT_SIZE, whatever the aspect ratio.
    new_size = (max(INPUT_SIZE, round(width * scale)), max(INPUT_SIZE, round(height * scale)))
    # reducing_gap first shrinks by an integer factor (fast, and still antialiased), then BICUBIC finishes.
    resized = image.resize(new_size, Image.Resampling.BICUBIC, reducing_gap=3.0)
    left = (new_size[0] - INPUT_SIZE) // 2
    top = (new_size[1] - INPUT_SIZE) // 2
    return resized.crop((left, top, left + INPUT_SIZE, top + INPUT_SIZE))


def to_array(images: Sequence[Image.Image]) -> np.ndarray:
    """Model-sized RGB images as one float32 NCHW batch, normalised with MEAN and STD."""
    if not images:
        return np.zeros((0, 3, INPUT_SIZE, INPUT_SIZE), dtype=np.float32)
    for image in images:
        if image.size != (INPUT_SIZE, INPUT_SIZE) or image.mode != "RGB":
            raise ValueError(
                f"expected {INPUT_SIZE}x{INPUT_SIZE} RGB images (use fit_to_input), got {image.size} {image.mode}"
            )
    pixels = np.stack([np.asarray(image, dtype=np.uint8) for image in images])  # NHWC uint8
    batch = pixels.transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    return np.ascontiguousarray((batch - _MEAN) / _STD, dtype=np.float32)
