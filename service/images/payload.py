"""The normalised image as it travels in the Step Functions state: base64 of a lossless WebP, or of a JPEG when a
detailed image would not fit. The state must stay under 32 KB whatever the upload (a 128x128 noise image
included): the base64 text is capped at MAX_STATE_IMAGE_B64, leaving room for the rest of the state."""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

from PIL import Image

from service.domain.sizes import format_bytes
from service.images.decode import decode_image

MAX_STATE_IMAGE_B64 = 24 * 1024
#: Lossy fall-back qualities, best first (a 128x128 noise image fits at 90).
_STATE_JPEG_QUALITIES = (95, 90, 85, 80, 70, 60, 50)
_STATE_FORMATS = frozenset({"WEBP", "JPEG"})
_STATE_MAX_PIXELS = 1024 * 1024


def encode_state_image(image: Image.Image) -> str:
    """A model-sized image as base64, to travel in the Step Functions state: lossless WebP when it fits in
    MAX_STATE_IMAGE_B64 (upscaled thumbnails and most photos), else the best JPEG quality that fits (detailed
    photos, noise). Never more than MAX_STATE_IMAGE_B64 characters."""
    rgb = image.convert("RGB")
    if rgb.width * rgb.height > _STATE_MAX_PIXELS:
        raise ValueError(
            f"A {image.width}x{image.height} image is too big for the state; resize it to the model input first."
        )
    # Lossless WebP gives the same pixels at every effort: the fastest first (method 0, ~25 times faster than
    # method 4 and ~25% larger; method 4 was Serialize's largest cost), tighter ones only when it does not fit.
    attempts: list[dict[str, Any]] = [{"format": "WEBP", "lossless": True, "method": m} for m in (0, 2, 4)]
    attempts += [{"format": "JPEG", "quality": quality} for quality in _STATE_JPEG_QUALITIES]
    for options in attempts:
        buffer = io.BytesIO()
        rgb.save(buffer, **options)
        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        if len(encoded) <= MAX_STATE_IMAGE_B64:
            return encoded
    raise ValueError(
        f"A {image.width}x{image.height} image does not fit in {format_bytes(MAX_STATE_IMAGE_B64)} of state; "
        "resize it to the model input first."
    )


def decode_state_image(s: str) -> Image.Image:
    """The inverse of `encode_state_image`: an RGB image."""
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("The image in the state is not valid base64.") from exc
    decoded = decode_image(raw, _STATE_MAX_PIXELS)
    if decoded.format not in _STATE_FORMATS:
        raise ValueError(f"The image in the state is {decoded.format}, expected WebP or JPEG.")
    return decoded.image
