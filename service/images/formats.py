"""Which format a byte string is, and a sentence for bytes that no accepted decoder opens."""

from __future__ import annotations

import io

# With Image, the accepted formats' plugins, registered with Pillow by their import (the JPEG and WebP ones also
# encode the state image): opening or saving in a format Pillow has not registered makes it import all of its ~45
# plugins first (`Image.init`, 0.1 s of a cold Serialize or Classify, whose state image is WebP); these take ms.
from PIL import (  # noqa: F401
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

from service.domain.errors import CorruptImage, NotAnImage, SconesError, UnsupportedImageFormat
from service.domain.sizes import format_bytes

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
OPEN_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
_ACCEPTED_SENTENCE = "JPEG, PNG, GIF, WebP, BMP or TIFF"


def sniff_accepted(data: bytes) -> str | None:
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


def unidentified(data: bytes) -> SconesError:
    """Explain bytes that no accepted decoder could open."""
    accepted = sniff_accepted(data)
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
