"""The normalised image as it travels in the Step Functions state (a few KB of base64 PNG)."""

from __future__ import annotations

import base64
import binascii
import io

from PIL import Image

from service.domain.sizes import format_bytes
from service.images.decode import decode_image

#: The normalised image in the Step Functions state is model-sized; this guards the 256 KB state limit.
MAX_STATE_PNG_BYTES = 128 * 1024
_STATE_MAX_PIXELS = 1024 * 1024


def encode_png_b64(image: Image.Image) -> str:
    """A small (model-sized) image as base64 PNG, to travel in the Step Functions state."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", optimize=True)
    encoded = buffer.getvalue()
    if len(encoded) > MAX_STATE_PNG_BYTES:
        raise ValueError(
            f"A {image.width}x{image.height} image encodes to {format_bytes(len(encoded))}, too big for the "
            "state; resize it to the model input first."
        )
    return base64.b64encode(encoded).decode("ascii")


def decode_png_b64(s: str) -> Image.Image:
    """The inverse of `encode_png_b64`: an RGB image."""
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("The image in the state is not valid base64.") from exc
    decoded = decode_image(raw, _STATE_MAX_PIXELS)
    if decoded.format != "PNG":
        raise ValueError(f"The image in the state is {decoded.format}, expected PNG.")
    return decoded.image
