"""Local image files (`scones predict`, evaluation), read under the same byte and pixel caps as uploads."""

from pathlib import Path

from PIL import Image

from service.domain import preprocessing
from service.domain.errors import ObjectNotFound, ObjectTooLarge
from service.domain.sizes import format_bytes
from service.images.decode import decode_for_model

#: The file names taken for images when a folder is searched (`scones predict`, `scones upload`).
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"})


def is_image_name(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def read_image_file(path: Path, max_bytes: int, max_pixels: int) -> Image.Image:
    """The model-sized image of one file, or a SconesError saying why there is none."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ObjectTooLarge(f"The file is {format_bytes(size)}; the limit is {format_bytes(max_bytes)}.")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ObjectNotFound(f"There is no file at {path}.") from exc
    except IsADirectoryError as exc:
        raise ObjectNotFound(f"{path} is not a file.") from exc
    except PermissionError as exc:
        raise ObjectNotFound(f"The file {path} cannot be read (permission denied).") from exc
    # Decoded as Serialize decodes, so a file scores here as its upload does in the pipeline.
    return preprocessing.fit_to_input(decode_for_model(data, max_pixels).image)
