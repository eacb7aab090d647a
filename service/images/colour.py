"""Any Pillow colour mode to 8-bit sRGB."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image, ImageCms

if TYPE_CHECKING:  # imported where 16-bit and float images are rescaled: Serialize's cold start never needs it
    import numpy as np

_HIGH_DEPTH_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_WHITE = (255, 255, 255, 255)


def to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode to RGB: transparency over white, 16-bit and float rescaled, colour profiles applied."""
    transparency = img.info.get("transparency")
    if img.mode in _HIGH_DEPTH_MODES:
        return _high_depth_to_rgb(img, transparency)
    img = _to_srgb(img)
    if img.mode in _ALPHA_MODES or transparency is not None:
        rgba = img.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, _WHITE)
        canvas.alpha_composite(rgba)
        return canvas.convert("RGB")
    return img if img.mode == "RGB" else img.convert("RGB")


def _to_srgb(img: Image.Image) -> Image.Image:
    """Apply an embedded colour profile (CMYK print profiles, Display P3 phone photos); sRGB is left alone."""
    icc = img.info.get("icc_profile")
    out_mode = {"RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB"}.get(img.mode)
    if not icc or out_mode is None:
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if img.mode != "CMYK" and ImageCms.getProfileDescription(source).strip().startswith("sRGB"):
            return img
        srgb = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(img, source, srgb, outputMode=out_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return img  # an unreadable profile: the plain conversion is a fair approximation
    return converted if converted is not None else img


def _high_depth_to_rgb(img: Image.Image, transparency: object) -> Image.Image:
    import numpy as np

    # Pillow's own I;16 -> L conversion clips everything above 255 to white; scale the range instead.
    values = np.asarray(img)
    if img.mode.startswith("I;16"):
        scaled = values.astype(np.float64) / 257.0
    elif img.mode == "I":
        scaled = _scale_to_byte(values.astype(np.float64), known_ranges=(255.0, 65535.0))
    else:  # "F"
        scaled = _scale_to_byte(
            np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0),
            known_ranges=(1.0, 255.0),
        )
    gray = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    if isinstance(transparency, int):
        gray = np.where(values == transparency, np.uint8(255), gray)
    return Image.fromarray(gray).convert("RGB")


def _scale_to_byte(values: np.ndarray, known_ranges: tuple[float, ...]) -> np.ndarray:
    """Map samples to 0-255, using the smallest usual full scale that contains them, else their own range."""
    import numpy as np

    low, high = float(values.min()), float(values.max())
    if low >= 0:
        for full_scale in known_ranges:
            if high <= full_scale:
                return values * (255.0 / full_scale)
    if high == low:
        return np.zeros_like(values)
    return (values - low) * (255.0 / (high - low))
