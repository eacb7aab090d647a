"""Render the demo's sample uploads into samples/ (committed with this script, so a fresh clone needs nothing else).

    python scripts/render_samples.py [--out samples]

Every image is drawn here with Pillow from a fixed seed: bicycles and motorcycles side-on in a simple scene, a
moped (pedals and a motor: doubtful on purpose), one image of neither (television static), a JPEG cut off half-way
through its pixel data (`CorruptImage`) and a text file with an image name (`NotAnImage`). Drawn at four times the
size and downsampled, so edges are antialiased as in a photo. The same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 256, 192
SCALE = 4  # drawn at 4x, then downsampled

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Scene:
    sky: Colour
    ground: Colour
    horizon: float  # fraction of the height


@dataclass(frozen=True)
class Bicycle:
    frame: Colour
    wheel_radius: float  # fraction of the width
    spokes: int
    flip: bool = False


@dataclass(frozen=True)
class Motorcycle:
    body: Colour
    wheel_radius: float
    flip: bool = False


@dataclass(frozen=True)
class Moped:
    """Pedals and a motor: a bicycle frame over a motorcycle's wheels and engine, for people to decide."""

    motorcycle: Motorcycle
    bicycle: Bicycle
    flip: bool = False


def _background(scene: Scene, rng: np.random.Generator) -> Image.Image:
    w, h = WIDTH * SCALE, HEIGHT * SCALE
    rows = np.linspace(0.0, 1.0, h)[:, None, None]
    sky = np.asarray(scene.sky, dtype=np.float64)
    ground = np.asarray(scene.ground, dtype=np.float64)
    horizon = scene.horizon
    pixels = np.where(rows < horizon, sky * (0.8 + 0.2 * rows / horizon), ground * (1.1 - 0.3 * (rows - horizon)))
    pixels = np.broadcast_to(pixels, (h, w, 3)).copy()
    pixels += rng.normal(0.0, 6.0, size=(h, w, 1))  # sensor grain
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _wheel(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, tyre: float, spokes: int) -> None:
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(25, 25, 25), width=round(tyre))
    rim = r - tyre
    draw.ellipse((cx - rim, cy - rim, cx + rim, cy + rim), outline=(170, 170, 175), width=max(2, round(tyre / 4)))
    for i in range(spokes):
        angle = 2 * math.pi * i / spokes
        draw.line((cx, cy, cx + rim * math.cos(angle), cy + rim * math.sin(angle)), fill=(190, 190, 195), width=3)
    hub = max(4.0, r * 0.08)
    draw.ellipse((cx - hub, cy - hub, cx + hub, cy + hub), fill=(120, 120, 125))


def draw_bicycle(image: Image.Image, bike: Bicycle) -> None:
    draw = ImageDraw.Draw(image)
    w, h = image.size
    r = bike.wheel_radius * w
    ground = h * 0.86
    rear = (w * 0.5 - 1.55 * r, ground - r)
    front = (w * 0.5 + 1.55 * r, ground - r)
    crank = (w * 0.5 - 0.15 * r, ground - r * 0.95)
    seat = (w * 0.5 - 0.75 * r, ground - r * 2.55)
    head = (w * 0.5 + 1.05 * r, ground - r * 2.35)
    tube = round(r * 0.09)
    for wheel in (rear, front):
        _wheel(draw, *wheel, r, tyre=r * 0.12, spokes=bike.spokes)
    for a, b in ((rear, crank), (rear, seat), (crank, seat), (seat, head), (crank, head)):
        draw.line((*a, *b), fill=bike.frame, width=tube)
    draw.line((*head, *front), fill=(60, 60, 60), width=tube)  # fork
    draw.line((head[0], head[1], head[0] - r * 0.15, head[1] - r * 0.35), fill=(60, 60, 60), width=tube)
    draw.line(
        (head[0] - r * 0.15, head[1] - r * 0.35, head[0] + r * 0.3, head[1] - r * 0.45), fill=(30, 30, 30), width=tube
    )  # handlebar
    draw.line((seat[0], seat[1], seat[0] - r * 0.05, seat[1] - r * 0.25), fill=(60, 60, 60), width=tube)
    draw.ellipse(
        (seat[0] - r * 0.35, seat[1] - r * 0.36, seat[0] + r * 0.25, seat[1] - r * 0.2), fill=(20, 20, 20)
    )  # saddle
    draw.ellipse(
        (crank[0] - r * 0.2, crank[1] - r * 0.2, crank[0] + r * 0.2, crank[1] + r * 0.2),
        outline=(80, 80, 80),
        width=tube,
    )
    draw.line((crank[0], crank[1], rear[0], rear[1]), fill=(90, 90, 90), width=max(2, tube // 3))  # chain
    draw.line(
        (crank[0] - r * 0.3, crank[1] + r * 0.25, crank[0] + r * 0.3, crank[1] - r * 0.25),
        fill=(40, 40, 40),
        width=tube,
    )


def draw_motorcycle(image: Image.Image, moto: Motorcycle) -> None:
    draw = ImageDraw.Draw(image)
    w, h = image.size
    r = moto.wheel_radius * w
    ground = h * 0.88
    rear = (w * 0.5 - 1.45 * r, ground - r)
    front = (w * 0.5 + 1.55 * r, ground - r)
    for cx, cy in (rear, front):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(20, 20, 20))
        inner = r * 0.62
        draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), fill=(150, 150, 155))
        for i in range(5):
            angle = 2 * math.pi * i / 5
            draw.line(
                (cx, cy, cx + inner * math.cos(angle), cy + inner * math.sin(angle)),
                fill=(90, 90, 95),
                width=round(r * 0.12),
            )
        hub = r * 0.18
        draw.ellipse((cx - hub, cy - hub, cx + hub, cy + hub), fill=(60, 60, 60))
    # engine block with cooling fins
    ex0, ey0, ex1, ey1 = w * 0.5 - 0.6 * r, ground - 1.9 * r, w * 0.5 + 0.6 * r, ground - 0.75 * r
    draw.rounded_rectangle((ex0, ey0, ex1, ey1), radius=r * 0.15, fill=(105, 105, 110))
    for i in range(1, 6):
        y = ey0 + (ey1 - ey0) * i / 6
        draw.line((ex0 + r * 0.1, y, ex1 - r * 0.1, y), fill=(70, 70, 75), width=round(r * 0.05))
    # exhaust pipe
    draw.line(
        (ex0 + 0.2 * r, ey1 - 0.1 * r, rear[0] - 0.6 * r, rear[1] - 0.1 * r),
        fill=(200, 200, 205),
        width=round(r * 0.22),
    )
    # swing arm and fork
    draw.line((*rear, ex0 + 0.3 * r, ey1 - 0.3 * r), fill=(50, 50, 50), width=round(r * 0.18))
    fork_top = (front[0] - 0.55 * r, ground - 2.9 * r)
    draw.line((*front, *fork_top), fill=(180, 180, 185), width=round(r * 0.16))
    # fuel tank, seat, tail, front fender, headlight, handlebar
    draw.chord((ex0 - 0.1 * r, ey0 - 1.1 * r, ex1 + 0.7 * r, ey0 + 0.6 * r), 180, 360, fill=moto.body)
    draw.rounded_rectangle(
        (rear[0] - 0.2 * r, ey0 - 0.35 * r, ex0 + 0.2 * r, ey0 + 0.05 * r), radius=r * 0.15, fill=(25, 25, 25)
    )
    draw.polygon(
        [(rear[0] - 0.9 * r, ey0 - 0.45 * r), (rear[0] - 0.1 * r, ey0 - 0.35 * r), (rear[0] - 0.2 * r, ey0 + 0.15 * r)],
        fill=moto.body,
    )
    draw.arc(
        (front[0] - 1.1 * r, front[1] - 1.2 * r, front[0] + 1.1 * r, front[1] + 1.0 * r),
        200,
        320,
        fill=moto.body,
        width=round(r * 0.2),
    )
    draw.ellipse(
        (fork_top[0] + 0.05 * r, fork_top[1] + 0.1 * r, fork_top[0] + 0.5 * r, fork_top[1] + 0.55 * r),
        fill=(250, 240, 200),
    )
    draw.line(
        (fork_top[0], fork_top[1], fork_top[0] - 0.5 * r, fork_top[1] - 0.35 * r),
        fill=(30, 30, 30),
        width=round(r * 0.12),
    )


Subject = Bicycle | Motorcycle | Moped


def render(scene: Scene, subject: Subject, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    image = _background(scene, rng)
    if isinstance(subject, Bicycle):
        draw_bicycle(image, subject)
    elif isinstance(subject, Motorcycle):
        draw_motorcycle(image, subject)
    else:
        draw_motorcycle(image, subject.motorcycle)
        draw_bicycle(image, subject.bicycle)
    if subject.flip:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    image = image.filter(ImageFilter.GaussianBlur(SCALE * 0.4))
    return image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)


def static(seed: int) -> Image.Image:
    """Television static: an image that shows neither class."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, size=(HEIGHT, WIDTH, 3), dtype=np.uint8), "RGB")


SCENES = (
    Scene(sky=(150, 190, 235), ground=(120, 120, 115), horizon=0.6),
    Scene(sky=(235, 235, 230), ground=(200, 195, 185), horizon=0.7),
    Scene(sky=(120, 160, 200), ground=(95, 120, 80), horizon=0.55),
)
SUBJECTS: dict[str, tuple[Scene, Subject]] = {
    "bicycle-1.png": (SCENES[0], Bicycle(frame=(200, 30, 30), wheel_radius=0.16, spokes=18)),
    "bicycle-2.png": (SCENES[1], Bicycle(frame=(30, 80, 190), wheel_radius=0.15, spokes=24, flip=True)),
    "bicycle-3.png": (SCENES[2], Bicycle(frame=(30, 150, 70), wheel_radius=0.17, spokes=12)),
    "motorcycle-1.png": (SCENES[0], Motorcycle(body=(190, 20, 20), wheel_radius=0.13)),
    "motorcycle-2.png": (SCENES[1], Motorcycle(body=(20, 20, 25), wheel_radius=0.135, flip=True)),
    "motorcycle-3.png": (SCENES[2], Motorcycle(body=(230, 150, 20), wheel_radius=0.125)),
    "moped.png": (
        SCENES[1],
        Moped(
            Motorcycle(body=(90, 90, 200), wheel_radius=0.12),
            Bicycle(frame=(200, 200, 30), wheel_radius=0.15, spokes=0),
        ),
    ),
}
NOTES = b"Shopping list: inner tubes (2), chain oil, brake pads.\nThis is a text file that happens to be named .png.\n"


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def samples() -> dict[str, bytes]:
    files = {name: _png(render(scene, subject, seed)) for seed, (name, (scene, subject)) in enumerate(SUBJECTS.items())}
    files["static.png"] = _png(static(seed=99))
    jpeg = io.BytesIO()
    render(*SUBJECTS["bicycle-1.png"], seed=7).save(jpeg, format="JPEG", quality=90)
    files["broken.jpg"] = jpeg.getvalue()[: len(jpeg.getvalue()) // 2]  # cut off half-way through the pixel data
    files["notes.png"] = NOTES
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "samples")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in samples().items():
        (args.out / name).write_bytes(data)
        print(f"{args.out / name}  {len(data):,} bytes")


if __name__ == "__main__":
    main()
