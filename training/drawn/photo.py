"""What makes a drawing look photographed: an off-side perspective, grain, blur, JPEG, exposure."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageFilter

from training.drawn.pen import Point


def _perspective(dest: Sequence[Point], src: Sequence[Point]) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE coefficients mapping each output (dest) corner to its input (src) corner."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dest, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return tuple(float(c) for c in np.linalg.solve(np.asarray(rows, np.float64), np.asarray(rhs, np.float64)))


def _photo(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Exposure, contrast, a colour cast, blur, grain and JPEG softening, as a camera and its upload would."""
    if rng.random() < 0.35:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    pixels = np.asarray(image, np.float32)
    mean = pixels.mean()
    contrast, bright = rng.uniform(0.75, 1.25), rng.uniform(-30, 30)
    cast = rng.uniform(0.92, 1.08, 3).astype(np.float32)
    pixels = ((pixels - mean) * contrast + mean + bright) * cast
    grain = rng.uniform(0, 8)
    if grain > 1:
        pixels += rng.normal(0.0, grain, (*pixels.shape[:2], 1)).astype(np.float32)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    if rng.random() < 0.5:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=int(rng.integers(30, 90)))
        buffer.seek(0)
        image = Image.open(buffer).convert("RGB")
    return image
