"""Reading uploaded objects and turning untrusted bytes into upright RGB images.

Everything here treats its input as hostile: the byte cap is enforced before the body is read, the pixel cap
before any pixel is decoded, and every way a decoder can fail becomes a `SconesError` with a sentence a person
can act on. Nothing mutates Pillow's global settings, so concurrent callers are unaffected.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from botocore.exceptions import ClientError
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from service.errors import (
    CorruptImage,
    EmptyObject,
    ImageTooManyPixels,
    NotAnImage,
    ObjectNotFound,
    ObjectTooLarge,
    SconesError,
    UnsupportedImageFormat,
)
from service.models import ObjectRef

#: Pillow format name -> the format reported to the rest of the service. MPO is how Pillow names a JPEG that
#: carries extra pictures (many cameras write them); it is a JPEG to everyone else.
ACCEPTED_FORMATS: dict[str, str] = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "GIF": "GIF",
    "WEBP": "WEBP",
    "BMP": "BMP",
    "TIFF": "TIFF",
}
_OPEN_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
_ACCEPTED_SENTENCE = "JPEG, PNG, GIF, WebP, BMP or TIFF"

#: The normalised image in the Step Functions state is model-sized; this guards the 256 KB state limit.
MAX_STATE_PNG_BYTES = 128 * 1024
_STATE_MAX_PIXELS = 1024 * 1024

_HIGH_DEPTH_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_ORIENTATION_TAG = 0x0112
_WHITE = (255, 255, 255, 255)


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """A decoded upload.

    `image` is RGB and upright (EXIF orientation applied); `width` and `height` are its size, i.e. the
    dimensions as a viewer displays the photo. `orientation` is the EXIF tag that was applied (1 = none): when
    it is 5-8 the file's own pixel grid is `height x width`.
    """

    image: Image.Image
    format: str
    width: int
    height: int
    orientation: int = 1


class ObjectMeta(ObjectRef):
    """What S3 told us about the object we read (the ETag without its quotes)."""

    size: int
    last_modified: datetime | None = None
    content_type: str | None = None


# --------------------------------------------------------------------------------------------------- reading


def format_bytes(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _too_large(size: int | None, max_bytes: int) -> ObjectTooLarge:
    if size is None:
        return ObjectTooLarge(f"The object is larger than the limit of {format_bytes(max_bytes)}.")
    exact = f" ({size:,} bytes)" if size >= 1024 else ""
    limit = format_bytes(max_bytes)
    return ObjectTooLarge(f"The object is {format_bytes(size)}{exact}; the limit is {limit}.")


def read_object_capped(
    s3_client: Any, bucket: str, key: str, max_bytes: int, version_id: str | None = None
) -> tuple[bytes, ObjectMeta]:
    """Read an object's bytes, refusing anything above `max_bytes` without reading its body.

    A single GetObject gives the headers (size, ETag, version) of exactly the version whose body follows, so
    there is no window between a HEAD and a GET in which the object can be replaced. The declared length is
    checked before the body is touched; the body is then read to at most `max_bytes + 1` bytes, so memory
    stays bounded even if the declared length is wrong.
    """
    request: dict[str, str] = {"Bucket": bucket, "Key": key}
    if version_id:
        request["VersionId"] = version_id
    try:
        response = s3_client.get_object(**request)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in {"NoSuchKey", "NoSuchVersion", "404", "NotFound"}:
            what = f"s3://{bucket}/{key}" + (f" (version {version_id})" if version_id else "")
            raise ObjectNotFound(
                f"The object {what} no longer exists; it was deleted before it could be read."
            ) from exc
        raise

    body = response["Body"]
    declared = response.get("ContentLength")
    try:
        if declared is not None and declared > max_bytes:
            raise _too_large(declared, max_bytes)
        data = _read_at_most(body, max_bytes + 1)
    finally:
        # Closing an unread body drops the connection instead of draining a possibly huge stream.
        body.close()
    if len(data) > max_bytes:
        raise _too_large(declared if declared and declared > max_bytes else None, max_bytes)

    meta = ObjectMeta(
        bucket=bucket,
        key=key,
        version_id=response.get("VersionId") or version_id,
        etag=(response.get("ETag") or "").strip('"') or None,
        size=len(data),
        last_modified=response.get("LastModified"),
        content_type=response.get("ContentType"),
    )
    return data, meta


def _read_at_most(body: Any, limit: int) -> bytes:
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = body.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


# -------------------------------------------------------------------------------------------------- decoding


def load_image(data: bytes, max_pixels: int) -> Image.Image:
    """Decode `data` into an upright RGB image at its original resolution (see `decode_image`)."""
    return decode_image(data, max_pixels).image


def decode_image(data: bytes, max_pixels: int) -> DecodedImage:
    """Decode and validate an upload: accepted format, pixel cap, complete data, EXIF orientation, RGB.

    Raises `EmptyObject`, `NotAnImage`, `UnsupportedImageFormat`, `ImageTooManyPixels` or `CorruptImage`.
    The first frame of an animation is used. Transparent areas are composited on white.
    """
    if not data:
        raise EmptyObject("The object is empty (0 bytes).")
    cap = _effective_pixel_cap(max_pixels)

    try:
        img = Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
    except Image.DecompressionBombError as exc:
        raise _bomb(exc, cap) from exc
    except UnidentifiedImageError as exc:
        raise _unidentified(data) from exc
    except MemoryError:
        raise
    except Exception as exc:  # a recognised header that its plugin could not parse
        fmt = _sniff_accepted(data) or "image"
        raise CorruptImage(f"The {fmt} file is damaged and cannot be read ({_reason(exc)}).") from exc

    fmt = ACCEPTED_FORMATS[str(img.format)]
    # Only the header has been read so far: refuse oversized images before any pixel is decoded.
    _check_pixels(img.size, cap)
    try:
        img.load()
    except Image.DecompressionBombError as exc:
        raise _bomb(exc, cap) from exc
    except MemoryError:
        raise
    except Exception as exc:  # truncated or damaged pixel data, whatever the decoder calls it
        raise CorruptImage(f"The {fmt} image is truncated or damaged: {_reason(exc)}.") from exc
    # GIF frames may grow the canvas while loading.
    _check_pixels(img.size, cap)

    orientation = _apply_orientation(img)
    try:
        rgb = to_rgb(img)
    except ValueError as exc:
        raise UnsupportedImageFormat(
            f"The {fmt} image uses the colour mode {img.mode}, which cannot be converted to RGB."
        ) from exc
    return DecodedImage(image=rgb, format=fmt, width=rgb.width, height=rgb.height, orientation=orientation)


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


def _sniff_accepted(data: bytes) -> str | None:
    """The accepted format whose signature `data` starts with, if any."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "TIFF"
    # "BM" alone would also match text ("BMW..."): the header's reserved bytes are zero in real bitmaps.
    if head.startswith(b"BM") and len(head) >= 14 and head[6:10] == b"\x00\x00\x00\x00":
        return "BMP"
    return None


def _unidentified(data: bytes) -> SconesError:
    """Explain bytes that no accepted decoder could open."""
    accepted = _sniff_accepted(data)
    if accepted:
        return CorruptImage(f"The file starts like a {accepted} image but its header is damaged.")
    head = data[:64]
    if head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"}:
        return UnsupportedImageFormat(f"The object is a HEIC/HEIF image; accepted formats are {_ACCEPTED_SENTENCE}.")
    other = _pillow_format(data)
    if other:
        article = "an" if other[0] in "AEFHILMNORSX" else "a"  # as the letter is spoken: "an ICO", "a PSD"
        return UnsupportedImageFormat(
            f"The object is {article} {other} image; accepted formats are {_ACCEPTED_SENTENCE}."
        )
    text = _as_text(data)
    if text is not None:
        lowered = text[:1024].lower()
        if "<svg" in lowered:
            return UnsupportedImageFormat(f"The object is an SVG drawing; accepted formats are {_ACCEPTED_SENTENCE}.")
        kind = "HTML" if "<html" in lowered or "<!doctype html" in lowered else "text"
        return NotAnImage(f"The object is {kind}, not an image ({format_bytes(len(data))}).")
    return NotAnImage(f"The object is not an image in any accepted format ({_ACCEPTED_SENTENCE}).")


def _pillow_format(data: bytes) -> str | None:
    """The name of any other format Pillow recognises in `data` (header only, nothing decoded)."""
    try:
        with Image.open(io.BytesIO(data)) as other:
            return str(other.format)
    except MemoryError:
        raise
    except Exception:
        return None


def _as_text(data: bytes) -> str | None:
    sample = data[:4096]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sample's end is still text.
        if exc.start < len(sample) - 4:
            return None
        text = sample[: exc.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text if text and printable / len(text) > 0.95 else None


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


# ----------------------------------------------------------------------------------------------- colour modes


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
    low, high = float(values.min()), float(values.max())
    if low >= 0:
        for full_scale in known_ranges:
            if high <= full_scale:
                return values * (255.0 / full_scale)
    if high == low:
        return np.zeros_like(values)
    return (values - low) * (255.0 / (high - low))


# ---------------------------------------------------------------------------------------- the state payload


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
