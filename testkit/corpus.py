"""In-memory corpora of uploads: bad input the service must refuse, and unusual images it must accept.

Every item is built from code (seeded, so the bytes are the same on every run) and says what the service is
expected to do with it: `"ok"` or the error code of `service.domain.errors`. The expectations assume the default
limits of `service.runtime.settings.ImageLimits` (30 MiB, 50 million pixels); `over_cap` builds a file of any
size for tests of the byte cap.

    from testkit.corpus import bad_inputs, unusual_valid, over_cap
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from service.domain.errors import (
    CorruptImage,
    EmptyObject,
    ImageTooManyPixels,
    NotAnImage,
    ObjectTooLarge,
    UnsupportedImageFormat,
)
from service.runtime.settings import ImageLimits

OK = "ok"
# The defaults themselves, not the environment's values.
DEFAULT_MAX_BYTES: int = ImageLimits.model_fields["max_image_bytes"].default
DEFAULT_MAX_PIXELS: int = ImageLimits.model_fields["max_image_pixels"].default

RED = (220, 20, 30)
BLUE = (20, 40, 220)
GREEN = (20, 200, 40)


@dataclass(frozen=True)
class CorpusItem:
    """One upload: the key's file name, its bytes, and what the service must make of it."""

    name: str
    data: bytes
    expected: str
    description: str
    #: For accepted items: the format `decode_image` reports and the upright (width, height).
    format: str | None = None
    size: tuple[int, int] | None = None

    @property
    def ok(self) -> bool:
        return self.expected == OK


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _halves(size: tuple[int, int], left: tuple[int, int, int], right: tuple[int, int, int]) -> Image.Image:
    """An RGB image whose left half is `left` and right half `right`: orientation is visible."""
    width, height = size
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    pixels[:, : width // 2] = left
    pixels[:, width // 2 :] = right
    return Image.fromarray(pixels)


def _noise(width: int, height: int, seed: int, amplitude: int = 255) -> Image.Image:
    """A photo-like image: smooth gradients plus noise, which JPEG cannot compress away."""
    rng = np.random.default_rng(seed)
    if amplitude >= 255:
        return Image.fromarray(rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8))
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height)], axis=-1)
    noisy = base.astype(np.int16) + rng.integers(-amplitude, amplitude + 1, size=(height, width, 3), dtype=np.int16)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header declares `width` x `height` 8-bit gray pixels (a pixel bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    # One short compressed row is enough: the header alone must get the file refused.
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def over_cap(size: int, name: str = "huge.png") -> CorpusItem:
    """A valid PNG of exactly `size` bytes, padded with a private ancillary chunk: only a byte cap refuses it.

    With `size` above the reader's cap, the expected outcome is `ObjectTooLarge`.
    """
    base = encode(Image.new("RGB", (8, 8), RED), "PNG")
    padding = size - len(base) - 12
    if padding < 0:
        raise ValueError(f"size must be at least {len(base) + 12} bytes")
    iend = _png_chunk(b"IEND", b"")
    padded = base[: -len(iend)] + _png_chunk(b"scPd", b"\x00" * padding) + iend
    assert len(padded) == size
    return CorpusItem(name, padded, ObjectTooLarge.__name__, f"a valid PNG of {size} bytes", "PNG", (8, 8))


def _exif_orientation(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif


def _cmyk_red() -> Image.Image:
    return Image.new("CMYK", (24, 16), (0, 230, 220, 10))


def _rgba_half_transparent() -> Image.Image:
    """Left half fully transparent (black underneath, which must not show), right half opaque blue."""
    pixels = np.zeros((16, 24, 4), dtype=np.uint8)
    pixels[:, 12:] = (*BLUE, 255)
    return Image.fromarray(pixels)


def _gray16() -> Image.Image:
    """16-bit gray: left half at 1/4 of full scale, right half at 3/4 (Pillow clips both to 255 naively)."""
    pixels = np.empty((16, 24), dtype=np.uint16)
    pixels[:, :12] = 16384
    pixels[:, 12:] = 49152
    return Image.fromarray(pixels)


def _palette_gif() -> bytes:
    image = _halves((24, 16), RED, BLUE).quantize(colors=4)
    return encode(image, "GIF")


def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (24, 16), color).quantize(colors=2) for color in (RED, GREEN, BLUE)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _palette_png_with_transparent_index() -> bytes:
    image = _halves((24, 16), (0, 0, 0), GREEN).quantize(colors=2)
    palette = image.getpalette() or []
    black = next(index for index in range(len(palette) // 3) if sum(palette[3 * index : 3 * index + 3]) == 0)
    return encode(image, "PNG", transparency=black)


def _float_tiff() -> bytes:
    pixels = np.empty((16, 24), dtype=np.float32)
    pixels[:, :12] = 0.25
    pixels[:, 12:] = 0.75
    return encode(Image.fromarray(pixels), "TIFF")


@cache
def bad_inputs() -> tuple[CorpusItem, ...]:
    """Uploads that must end in the failed queue with the given code (and the service keeps serving)."""
    noisy_png = encode(_noise(64, 64, seed=1), "PNG")
    noisy_jpeg = encode(_noise(64, 64, seed=2), "JPEG", quality=90)
    rng = random.Random(7)
    random_bytes = bytes(rng.getrandbits(8) for _ in range(4096))
    text = "Delivery notes: the parcel goes by bicycle on Tuesday. Merci, à bientôt!\n" * 20
    html = "<!DOCTYPE html>\n<html><head><title>Not found</title></head><body><h1>404</h1></body></html>\n"
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + b"\x00" * 64
    return (
        CorpusItem("empty.jpg", b"", EmptyObject.__name__, "zero bytes"),
        CorpusItem("notes.txt", text.encode(), NotAnImage.__name__, "UTF-8 text"),
        CorpusItem("notes.png", text.encode(), NotAnImage.__name__, "text with an image suffix"),
        CorpusItem("page.jpg", html.encode(), NotAnImage.__name__, "an HTML error page with an image suffix"),
        CorpusItem("random.bin", random_bytes, NotAnImage.__name__, "4 KB of random bytes"),
        CorpusItem("truncated.png", noisy_png[: len(noisy_png) // 2], CorruptImage.__name__, "half a PNG"),
        CorpusItem("truncated.jpg", noisy_jpeg[: len(noisy_jpeg) // 2], CorruptImage.__name__, "half a JPEG"),
        CorpusItem(
            "header-only.png",
            noisy_png[:8] + random_bytes[:200],
            CorruptImage.__name__,
            "PNG signature, garbage",
        ),
        CorpusItem(
            "bomb.png",
            png_claiming(60_000, 60_000),
            ImageTooManyPixels.__name__,
            "a tiny PNG claiming 60000x60000",
        ),
        CorpusItem(
            "canvas.png",
            png_claiming(9_000, 9_000),
            ImageTooManyPixels.__name__,
            "a PNG claiming 81 million pixels: above the service's cap, below Pillow's own",
        ),
        CorpusItem("icon.ico", encode(Image.new("RGB", (16, 16), RED), "ICO"), UnsupportedImageFormat.__name__, "ICO"),
        CorpusItem("photo.heic", heic, UnsupportedImageFormat.__name__, "the start of a HEIC file"),
    )


@cache
def unusual_valid() -> tuple[CorpusItem, ...]:
    """Images in an accepted format, however odd: each must decode to an upright RGB image."""
    halves = _halves((24, 16), RED, BLUE)
    bilevel = _halves((24, 16), (0, 0, 0), (255, 255, 255)).convert("1")
    gray = Image.fromarray(np.tile(np.linspace(0, 255, 24, dtype=np.uint8), (16, 1)))
    # Stored 24 wide x 16 high, left half red; orientation 6 means "display rotated 90 degrees clockwise",
    # so the upright image is 16 wide x 24 high with red on top.
    rotated = encode(halves, "JPEG", quality=95, exif=_exif_orientation(6))
    one_mb = encode(_noise(1600, 1200, seed=3, amplitude=20), "JPEG", quality=95)
    multi_mb = encode(_noise(2000, 1500, seed=4), "JPEG", quality=95)
    return (
        CorpusItem("gray.png", encode(gray, "PNG"), OK, "8-bit grayscale (L)", "PNG", (24, 16)),
        CorpusItem("palette.gif", _palette_gif(), OK, "a 4-colour palette GIF", "GIF", (24, 16)),
        CorpusItem("animated.gif", _animated_gif(), OK, "3 frames, red first", "GIF", (24, 16)),
        CorpusItem("cmyk.jpg", encode(_cmyk_red(), "JPEG", quality=95), OK, "a red CMYK JPEG", "JPEG", (24, 16)),
        CorpusItem(
            "transparent.png",
            encode(_rgba_half_transparent(), "PNG"),
            OK,
            "RGBA, left half clear",
            "PNG",
            (24, 16),
        ),
        CorpusItem(
            "palette-transparent.png",
            _palette_png_with_transparent_index(),
            OK,
            "palette PNG, left half a transparent index",
            "PNG",
            (24, 16),
        ),
        CorpusItem("gray16.png", encode(_gray16(), "PNG"), OK, "16-bit grayscale (I;16)", "PNG", (24, 16)),
        CorpusItem("gray16.tif", encode(_gray16(), "TIFF"), OK, "16-bit grayscale TIFF", "TIFF", (24, 16)),
        CorpusItem("float.tif", _float_tiff(), OK, "32-bit float TIFF (F), values 0-1", "TIFF", (24, 16)),
        CorpusItem("halves.webp", encode(halves, "WEBP", lossless=True), OK, "lossless WebP", "WEBP", (24, 16)),
        CorpusItem("halves.bmp", encode(halves, "BMP"), OK, "24-bit BMP", "BMP", (24, 16)),
        CorpusItem("bilevel.bmp", encode(bilevel, "BMP"), OK, "1-bit BMP", "BMP", (24, 16)),
        CorpusItem("halves.tif", encode(halves, "TIFF", compression="tiff_lzw"), OK, "LZW TIFF", "TIFF", (24, 16)),
        CorpusItem("rotated.jpg", rotated, OK, "EXIF orientation 6", "JPEG", (16, 24)),
        CorpusItem("photo-1mb.jpg", one_mb, OK, "a 1600x1200 photo of about 1 MB", "JPEG", (1600, 1200)),
        CorpusItem("photo-large.jpg", multi_mb, OK, "a 2000x1500 photo of a few MB", "JPEG", (2000, 1500)),
        CorpusItem("upload", encode(halves, "JPEG", quality=95), OK, "a JPEG with no extension", "JPEG", (24, 16)),
    )


def corpus() -> tuple[CorpusItem, ...]:
    """Both corpora."""
    return bad_inputs() + unusual_valid()


def camera_jpeg(width: int, height: int, seed: int = 0) -> bytes:
    """A photo-sized JPEG with about a camera's entropy: gradients plus strong grain (8000x6000 → ~26 MB)."""
    rng = np.random.default_rng(seed)
    pixels = np.empty((height, width, 3), np.uint8)
    pixels[..., 0] = np.linspace(40, 160, width, dtype=np.uint8)[None, :]
    pixels[..., 1] = np.linspace(30, 150, height, dtype=np.uint8)[:, None]
    pixels[..., 2] = 100
    pixels += rng.integers(0, 64, size=(height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()
