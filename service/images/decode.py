"""Untrusted bytes to an upright RGB image.

The pixel cap is enforced before any pixel is decoded, and every way a decoder can fail becomes a `SconesError`
with a sentence a person can act on. Nothing mutates Pillow's global settings, so concurrent callers are unaffected.

A large JPEG can be decoded at reduced scale (libjpeg's DCT scaling, through Pillow's `draft`): the model needs a
few dozen pixels, and a 48-megapixel photo decoded in full is ~140 MB of RGB and most of a second of CPU, at 1/8
scale ~2 MB and a fraction of that. The header is read first (the pixel cap still applies to the real size),
and the reported width and height stay those of the original.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from service.domain.errors import CorruptImage, EmptyObject, ImageTooManyPixels, UnsupportedImageFormat
from service.images.colour import to_rgb
from service.images.formats import ACCEPTED_FORMATS, OPEN_FORMATS, sniff_accepted, unidentified

_ORIENTATION_TAG = 0x0112
#: The shorter side a reduced decode keeps at least: twice the largest model input this service is meant to
#: serve (224 px), so that the final resize still averages several source pixels, whatever the model.
MODEL_DECODE_SIDE = 448
_TRANSPOSED = {5, 6, 7, 8}


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """A decoded upload.

    `image` is RGB and upright (EXIF orientation applied); `width` and `height` are the original's upright size,
    i.e. the dimensions as a viewer displays the photo (`image` itself is smaller when decoded at a `scale`).
    `orientation` is the EXIF tag that was applied (1 = none): when it is 5-8 the file's own pixel grid is
    `height x width`.
    """

    image: Image.Image
    format: str
    width: int
    height: int
    orientation: int = 1
    #: How much smaller than the original `image` was decoded (1: full size; 2, 4 or 8 for a reduced JPEG).
    scale: int = 1


def load_image(data: bytes, max_pixels: int) -> Image.Image:
    """Decode `data` into an upright RGB image at its original resolution (see `decode_image`)."""
    return decode_image(data, max_pixels).image


def decode_for_model(data: bytes, max_pixels: int) -> DecodedImage:
    """Decode an upload for the model: a large JPEG at reduced scale, keeping `MODEL_DECODE_SIDE` pixels on its
    shorter side (everything `decode_image` checks is checked the same way)."""
    return decode_image(data, max_pixels, min_side=MODEL_DECODE_SIDE)


def decode_image(data: bytes, max_pixels: int, min_side: int | None = None) -> DecodedImage:
    """Decode and validate an upload: accepted format, pixel cap, complete data, EXIF orientation, RGB.

    With `min_side`, a JPEG is decoded at the smallest DCT scale (1/2, 1/4, 1/8) whose shorter side is still at
    least `min_side` pixels; other formats have no such shortcut and are decoded in full.
    Raises `EmptyObject`, `NotAnImage`, `UnsupportedImageFormat`, `ImageTooManyPixels` or `CorruptImage`.
    The first frame of an animation is used. Transparent areas are composited on white.
    """
    if not data:
        raise EmptyObject("The object is empty (0 bytes).")
    cap = _effective_pixel_cap(max_pixels)

    try:
        img = Image.open(io.BytesIO(data), formats=OPEN_FORMATS)
    except Image.DecompressionBombError as exc:
        raise _bomb(exc, cap) from exc
    except UnidentifiedImageError as exc:
        raise unidentified(data) from exc
    except MemoryError:
        raise
    except Exception as exc:  # a recognised header that its plugin could not parse
        fmt = sniff_accepted(data) or "image"
        raise CorruptImage(f"The {fmt} file is damaged and cannot be read ({_reason(exc)}).") from exc

    fmt = ACCEPTED_FORMATS[str(img.format)]
    # Only the header has been read so far: refuse oversized images before any pixel is decoded.
    _check_pixels(img.size, cap)
    original = img.size
    scale = _draft(img, min_side) if min_side else 1
    try:
        img.load()
    except Image.DecompressionBombError as exc:
        raise _bomb(exc, cap) from exc
    except MemoryError:
        raise
    except Exception as exc:  # truncated or damaged pixel data, whatever the decoder calls it
        raise CorruptImage(f"The {fmt} image is truncated or damaged: {_reason(exc)}.") from exc
    # GIF frames may grow the canvas while loading.
    if scale == 1:
        original = img.size
        _check_pixels(img.size, cap)

    orientation = _apply_orientation(img)
    try:
        rgb = to_rgb(img)
    except ValueError as exc:
        raise UnsupportedImageFormat(
            f"The {fmt} image uses the colour mode {img.mode}, which cannot be converted to RGB."
        ) from exc
    width, height = (original[1], original[0]) if orientation in _TRANSPOSED else original
    return DecodedImage(image=rgb, format=fmt, width=width, height=height, orientation=orientation, scale=scale)


def _draft(img: Image.Image, min_side: int) -> int:
    """Asks a JPEG decoder for a reduced scale; returns the scale it took (1 when none applies)."""
    if img.format not in {"JPEG", "MPO"} or min(img.size) < 2 * min_side:
        return 1
    width = img.width
    # Pillow picks the smallest image whose sides are both at least the requested ones; the mode is kept.
    img.draft(None, (min_side, min_side))
    return max(1, round(width / img.width))


def _effective_pixel_cap(max_pixels: int) -> int:
    # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; its limit is read, never changed, and
    # treated as a cap of its own so its warning and error both mean "too many pixels" here.
    pillow_cap = Image.MAX_IMAGE_PIXELS
    return max_pixels if pillow_cap is None else min(max_pixels, pillow_cap)


def _check_pixels(size: tuple[int, int], cap: int) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise CorruptImage(f"The image declares an empty size ({width}x{height} pixels).")
    if width * height > cap:
        raise ImageTooManyPixels(
            f"The image is {width}x{height} pixels ({width * height:,}); the limit is {cap:,} pixels."
        )


def _bomb(exc: Exception, cap: int) -> ImageTooManyPixels:
    found = re.search(r"\((\d+) pixels\)", str(exc))
    declared = f"declares {int(found.group(1)):,} pixels" if found else "declares too many pixels"
    return ImageTooManyPixels(f"The image {declared}; the limit is {cap:,} pixels.")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().rstrip(".")
    return text or type(exc).__name__


def _apply_orientation(img: Image.Image) -> int:
    """Turn `img` upright in place as its EXIF orientation says; returns the tag (1: absent or unreadable)."""
    try:
        orientation = int(img.getexif().get(_ORIENTATION_TAG, 1))
    except Exception:  # malformed EXIF is common and harmless: the pixels are fine, only the hint is lost
        return 1
    if orientation not in range(2, 9):
        return 1
    # The pixels are transposed before the EXIF rewrite, the only step that could still fail here.
    with contextlib.suppress(Exception):
        ImageOps.exif_transpose(img, in_place=True)
    return orientation
