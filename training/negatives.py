"""Images of neither class, made here or shipped by a package: what the recognition score learns to reject and
its threshold is chosen against. Nothing is downloaded; everything is seeded.

Two kinds, as serving meets them (see training.network):
- thumbnails (32x32, upscaled like the CIFAR images): noise, blurred noise, gradients, stripes and checks,
  random shapes, CIFAR training images cut into a shuffled jigsaw (their colours and textures, no object), crops
  of the photos scikit-image ships (astronaut, cat, coffee, rocket...) and the faces of its LFW subset;
- photos (full resolution): the same generators drawn at the input size, and the scikit-image photos whole.
The motorcycle photos scikit-image also ships are left out (they are two-wheelers).
"""

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from service.domain import preprocessing

THUMBNAIL = 32
# scikit-image's bundled photos and pictures of neither class (its data folder ships in the wheel).
PACKAGE_IMAGES = (
    "astronaut.png",
    "brick.png",
    "camera.png",
    "cell.png",
    "chelsea.png",
    "clock_motion.png",
    "coffee.png",
    "coins.png",
    "color.png",
    "grass.png",
    "gravel.png",
    "horse.png",
    "hubble_deep_field.jpg",
    "ihc.png",
    "logo.png",
    "moon.png",
    "page.png",
    "retina.jpg",
    "rocket.jpg",
    "text.png",
)

Generator = Callable[[np.random.Generator, int], Image.Image]


def package_folder() -> Path:
    import skimage

    return Path(skimage.__file__).parent / "data"


def package_photos() -> list[Image.Image]:
    folder = package_folder()
    photos = []
    for name in PACKAGE_IMAGES:
        with Image.open(folder / name) as image:
            photos.append(image.convert("RGB"))
    return photos


def package_faces() -> np.ndarray:
    """scikit-image's LFW subset: 200 grey 25x25 faces (values in [0, 1])."""
    return np.load(package_folder() / "lfw_subset.npy")


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(0, 256, 3))  # type: ignore[return-value]


def uniform_noise(rng: np.random.Generator, size: int) -> Image.Image:
    return Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))


def smooth_noise(rng: np.random.Generator, size: int) -> Image.Image:
    cells = int(rng.integers(2, max(3, size // 4)))
    small = Image.fromarray(rng.integers(0, 256, (cells, cells, 3), dtype=np.uint8))
    return small.resize((size, size), Image.Resampling.BICUBIC)


def gradient(rng: np.random.Generator, size: int) -> Image.Image:
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:size, 0:size] / size
    t = np.cos(angle) * xx + np.sin(angle) * yy
    t = (t - t.min()) / (np.ptp(t) + 1e-9)
    a, b = np.asarray(_colour(rng), float), np.asarray(_colour(rng), float)
    return Image.fromarray((a + (b - a) * t[..., None]).astype(np.uint8))


def stripes(rng: np.random.Generator, size: int) -> Image.Image:
    period = rng.uniform(2, size / 2)
    angle = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[0:size, 0:size]
    wave = np.sin(2 * np.pi * (np.cos(angle) * xx + np.sin(angle) * yy) / period)
    if rng.random() < 0.5:  # checks
        wave = wave * np.sin(2 * np.pi * (-np.sin(angle) * xx + np.cos(angle) * yy) / period)
    a, b = np.asarray(_colour(rng), float), np.asarray(_colour(rng), float)
    t = (wave > 0).astype(float)[..., None]
    return Image.fromarray((a + (b - a) * t).astype(np.uint8))


def shapes(rng: np.random.Generator, size: int) -> Image.Image:
    image = gradient(rng, size) if rng.random() < 0.5 else Image.new("RGB", (size, size), _colour(rng))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(1, 7))):
        box = sorted(rng.uniform(-0.2, 1.2, 2) * size), sorted(rng.uniform(-0.2, 1.2, 2) * size)
        xy = [box[0][0], box[1][0], box[0][1], box[1][1]]
        kind = rng.integers(0, 3)
        if kind == 0:
            draw.rectangle(xy, fill=_colour(rng))
        elif kind == 1:
            draw.ellipse(xy, fill=_colour(rng))
        else:
            points = [tuple(p) for p in rng.uniform(0, size, (int(rng.integers(3, 7)), 2))]
            draw.polygon(points, fill=_colour(rng))
    return image


SYNTHETIC: tuple[Generator, ...] = (uniform_noise, smooth_noise, gradient, stripes, shapes)


def jigsaw(image: Image.Image, rng: np.random.Generator, grid: int = 4) -> Image.Image:
    """The image cut into grid x grid tiles, shuffled and each randomly rotated: its colours and textures, no
    object."""
    pixels = np.asarray(image.convert("RGB").resize((THUMBNAIL, THUMBNAIL)))
    tile = THUMBNAIL // grid
    tiles = [pixels[r * tile : (r + 1) * tile, c * tile : (c + 1) * tile] for r in range(grid) for c in range(grid)]
    order = rng.permutation(len(tiles))
    rows = []
    for r in range(grid):
        row = [np.rot90(tiles[order[r * grid + c]], int(rng.integers(0, 4))) for c in range(grid)]
        rows.append(np.concatenate(row, axis=1))
    return Image.fromarray(np.ascontiguousarray(np.concatenate(rows, axis=0)))


def random_crop(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    width, height = image.size
    side = int(min(width, height) * rng.uniform(0.3, 1.0))
    left = int(rng.integers(0, width - side + 1))
    top = int(rng.integers(0, height - side + 1))
    return image.crop((left, top, left + side, top + side))


def thumbnails(count: int, seed: int, cifar: Sequence[Image.Image] = ()) -> list[Image.Image]:
    """`count` negative thumbnails (THUMBNAIL x THUMBNAIL RGB), a fixed mix of every kind, seeded."""
    rng = np.random.default_rng(seed)
    photos = package_photos()
    faces = package_faces()
    made: list[Image.Image] = []
    for i in range(count):
        kind = i % 8
        if kind < len(SYNTHETIC):
            image = SYNTHETIC[kind](rng, THUMBNAIL)
            if rng.random() < 0.3:
                image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.5))))
        elif kind == 5 and cifar:
            image = jigsaw(cifar[int(rng.integers(0, len(cifar)))], rng)
        elif kind == 6:
            face = faces[int(rng.integers(0, len(faces)))]
            image = Image.fromarray((face * 255).astype(np.uint8)).convert("RGB")
        else:
            image = random_crop(photos[int(rng.integers(0, len(photos)))], rng)
        made.append(image.resize((THUMBNAIL, THUMBNAIL), Image.Resampling.BICUBIC, reducing_gap=3.0))
    return made


def photos(count: int, seed: int) -> list[Image.Image]:
    """`count` negatives at photo resolution: the package photos whole and cropped, and synthetic images drawn at
    the input size."""
    rng = np.random.default_rng(seed)
    shipped = package_photos()
    made: list[Image.Image] = list(shipped)
    while len(made) < count:
        if rng.random() < 0.5:
            made.append(random_crop(shipped[int(rng.integers(0, len(shipped)))], rng))
        else:
            made.append(SYNTHETIC[int(rng.integers(0, len(SYNTHETIC)))](rng, preprocessing.INPUT_SIZE))
    return made[:count]
