"""Render the demo's sample uploads into samples/ (committed with this script, so a fresh clone needs nothing else).

    python scripts/render_samples.py [--out samples]

Every image is drawn here with Pillow from a fixed seed: bicycles and motorcycles side-on in a simple scene, a
moped (pedals and a small motor: a motorcycle, which a model may well be unsure of), one image of neither
(television static), a JPEG cut off half-way
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
    """Pedals and a small motor on a step-through frame: a motorised two-wheeler, so a motorcycle."""

    body: Colour
    wheel_radius: float
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


def _motor_wheel(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """A fat tyre on a dark three-spoke alloy rim, a drilled brake disc and a red caliper."""
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(18, 18, 18))
    rim, disc = r * 0.66, r * 0.46
    draw.ellipse((cx - rim, cy - rim, cx + rim, cy + rim), fill=(45, 45, 50))
    draw.ellipse((cx - disc, cy - disc, cx + disc, cy + disc), fill=(185, 185, 190))
    for i in range(6):
        x, y = cx + 0.32 * r * math.cos(math.pi * i / 3), cy + 0.32 * r * math.sin(math.pi * i / 3)
        draw.ellipse((x - 0.05 * r, y - 0.05 * r, x + 0.05 * r, y + 0.05 * r), fill=(90, 90, 95))
    for i in range(3):
        angle = 2 * math.pi * i / 3 + 0.3
        draw.line(
            (cx, cy, cx + rim * math.cos(angle), cy + rim * math.sin(angle)), fill=(45, 45, 50), width=round(r * 0.14)
        )
    hub = r * 0.16
    draw.ellipse((cx - hub, cy - hub, cx + hub, cy + hub), fill=(30, 30, 30))
    draw.rectangle((cx + 0.2 * r, cy - 0.45 * r, cx + 0.45 * r, cy - 0.15 * r), fill=(200, 30, 30))


def draw_motorcycle(image: Image.Image, moto: Motorcycle) -> None:
    """A standard motorcycle side-on: fat tyres, disc brakes, engine, chrome exhaust, tank, seat, tail, lights."""
    draw = ImageDraw.Draw(image)
    w, h = image.size
    r = moto.wheel_radius * w
    ground = h * 0.88
    rear = (w * 0.5 - 1.6 * r, ground - r)
    front = (w * 0.5 + 1.7 * r, ground - r)
    ex0, ey0, ex1, ey1 = w * 0.5 - 0.75 * r, ground - 2.0 * r, w * 0.5 + 0.55 * r, ground - 0.55 * r
    top = (front[0] - 0.6 * r, ground - 3.0 * r)  # top of the fork
    for cx, cy in (rear, front):
        _motor_wheel(draw, cx, cy, r)
    # swing arm, rear shock, front fork
    draw.line((*rear, ex0 + 0.3 * r, ey1 - 0.2 * r), fill=(40, 40, 40), width=round(r * 0.2))
    draw.line(
        (rear[0] + 0.1 * r, rear[1] - 0.2 * r, rear[0] + 0.9 * r, ey0 + 0.2 * r),
        fill=(150, 150, 40),
        width=round(r * 0.14),
    )
    draw.line((*front, *top), fill=(200, 200, 205), width=round(r * 0.2))
    draw.line((front[0] - 0.12 * r, front[1], top[0] - 0.12 * r, top[1]), fill=(120, 120, 125), width=round(r * 0.1))
    # engine: crankcase, cylinder with fins, clutch cover
    draw.rounded_rectangle((ex0, ey0 + 0.4 * r, ex1, ey1), radius=r * 0.2, fill=(55, 55, 60))
    draw.polygon(
        [(ex0 + 0.1 * r, ey0 + 0.5 * r), (ex0 + 0.5 * r, ey0 - 0.1 * r), (ex0 + 0.9 * r, ey0 - 0.1 * r),
         (ex0 + 0.7 * r, ey0 + 0.5 * r)],
        fill=(150, 150, 155),
    )  # fmt: skip
    for i in range(5):
        y = ey0 + i * 0.12 * r
        draw.line((ex0 + 0.3 * r, y, ex0 + 0.85 * r, y), fill=(90, 90, 95), width=round(r * 0.04))
    draw.ellipse((ex0 + 0.2 * r, ey1 - 0.6 * r, ex0 + 0.7 * r, ey1 - 0.1 * r), fill=(170, 170, 175))
    # chrome exhaust and muffler
    draw.line(
        (ex0 + 0.3 * r, ey1 - 0.15 * r, rear[0] - 0.2 * r, rear[1] - 0.35 * r),
        fill=(210, 210, 215),
        width=round(r * 0.2),
    )
    draw.line(
        (rear[0] - 0.1 * r, rear[1] - 0.4 * r, rear[0] - 0.95 * r, rear[1] - 0.6 * r),
        fill=(190, 190, 195),
        width=round(r * 0.3),
    )
    # frame, tank, seat, tail and tail light, front fender, headlight, handlebar and mirror
    draw.line((ex1, ey0 - 0.1 * r, top[0], top[1] + 0.3 * r), fill=(40, 40, 40), width=round(r * 0.18))
    draw.chord((ex0 - 0.1 * r, ey0 - 1.0 * r, top[0] + 0.2 * r, ey0 + 0.9 * r), 180, 360, fill=moto.body)
    draw.polygon(
        [(rear[0] - 0.2 * r, ey0 - 0.2 * r), (ex0 + 0.1 * r, ey0 - 0.35 * r), (ex0 + 0.1 * r, ey0 + 0.1 * r),
         (rear[0] - 0.1 * r, ey0 + 0.15 * r)],
        fill=(25, 25, 25),
    )  # fmt: skip
    draw.polygon(
        [(rear[0] - 1.0 * r, ey0 - 0.45 * r), (rear[0] - 0.1 * r, ey0 - 0.3 * r), (rear[0] - 0.1 * r, ey0 + 0.25 * r),
         (rear[0] - 0.7 * r, ey0 + 0.1 * r)],
        fill=moto.body,
    )  # fmt: skip
    draw.rectangle((rear[0] - 1.05 * r, ey0 - 0.3 * r, rear[0] - 0.9 * r, ey0 - 0.1 * r), fill=(220, 40, 40))
    draw.arc(
        (front[0] - 1.15 * r, front[1] - 1.25 * r, front[0] + 1.15 * r, front[1] + 1.05 * r),
        200,
        330,
        fill=moto.body,
        width=round(r * 0.22),
    )
    draw.ellipse((top[0] + 0.05 * r, top[1] + 0.05 * r, top[0] + 0.6 * r, top[1] + 0.6 * r), fill=(200, 200, 205))
    draw.ellipse((top[0] + 0.15 * r, top[1] + 0.15 * r, top[0] + 0.55 * r, top[1] + 0.55 * r), fill=(250, 245, 215))
    draw.line((*top, top[0] - 0.6 * r, top[1] - 0.3 * r), fill=(30, 30, 30), width=round(r * 0.12))
    draw.line(
        (top[0] - 0.3 * r, top[1] - 0.2 * r, top[0] - 0.2 * r, top[1] - 0.7 * r),
        fill=(30, 30, 30),
        width=round(r * 0.05),
    )
    draw.ellipse((top[0] - 0.35 * r, top[1] - 0.85 * r, top[0] - 0.05 * r, top[1] - 0.65 * r), fill=(30, 30, 30))


def draw_moped(image: Image.Image, moped: Moped) -> None:
    """A moped: a step-through frame over small spoked wheels, a small engine, pedals and a crank."""
    draw = ImageDraw.Draw(image)
    w, h = image.size
    r = moped.wheel_radius * w
    body = moped.body
    ground = h * 0.88
    rear = (w * 0.5 - 1.7 * r, ground - r)
    front = (w * 0.5 + 1.8 * r, ground - r)
    for cx, cy in (rear, front):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(20, 20, 20))
        rim = r * 0.7
        draw.ellipse((cx - rim, cy - rim, cx + rim, cy + rim), fill=(175, 175, 180))
        for i in range(16):
            angle = 2 * math.pi * i / 16
            draw.line((cx, cy, cx + rim * math.cos(angle), cy + rim * math.sin(angle)), fill=(120, 120, 125), width=3)
        hub = r * 0.2
        draw.ellipse((cx - hub, cy - hub, cx + hub, cy + hub), fill=(90, 90, 95))
    crank = (w * 0.5 - 0.1 * r, ground - 0.9 * r)
    head = (front[0] - 0.7 * r, ground - 3.0 * r)
    low = (w * 0.5 + 0.2 * r, ground - 1.0 * r)
    seat = (rear[0] + 0.7 * r, ground - 2.5 * r)
    draw.line((*head, *low), fill=body, width=round(r * 0.35))
    draw.line((*low, *seat), fill=body, width=round(r * 0.35))
    draw.line((*seat, *rear), fill=body, width=round(r * 0.2))
    draw.line((*head, *front), fill=(190, 190, 195), width=round(r * 0.16))
    draw.rounded_rectangle(
        (low[0] - 0.9 * r, low[1] - 0.5 * r, low[0] + 0.2 * r, low[1] + 0.35 * r), radius=r * 0.15, fill=(100, 100, 105)
    )  # engine
    draw.rounded_rectangle(
        (rear[0] - 0.2 * r, seat[1] + 0.15 * r, seat[0] - 0.1 * r, seat[1] + 0.65 * r), radius=r * 0.15, fill=body
    )  # tank
    draw.line(
        (low[0] - 0.5 * r, low[1] + 0.3 * r, rear[0] - 0.6 * r, rear[1] - 0.2 * r),
        fill=(200, 200, 205),
        width=round(r * 0.16),
    )
    draw.ellipse(
        (crank[0] - 0.25 * r, crank[1] - 0.25 * r, crank[0] + 0.25 * r, crank[1] + 0.25 * r),
        outline=(60, 60, 60),
        width=round(r * 0.08),
    )
    draw.line(
        (crank[0] - 0.35 * r, crank[1] - 0.3 * r, crank[0] + 0.35 * r, crank[1] + 0.3 * r),
        fill=(40, 40, 40),
        width=round(r * 0.1),
    )
    draw.line((*crank, *rear), fill=(90, 90, 90), width=4)  # chain
    draw.ellipse((seat[0] - 0.6 * r, seat[1] - 0.35 * r, seat[0] + 0.5 * r, seat[1] + 0.1 * r), fill=(30, 25, 20))
    draw.line(
        (rear[0] - 0.9 * r, seat[1] - 0.1 * r, seat[0] - 0.5 * r, seat[1] - 0.1 * r),
        fill=(60, 60, 60),
        width=round(r * 0.1),
    )
    for cx, cy in (rear, front):
        draw.arc((cx - 1.15 * r, cy - 1.2 * r, cx + 1.15 * r, cy + 1.1 * r), 200, 330, fill=body, width=round(r * 0.18))
    draw.ellipse((head[0] + 0.1 * r, head[1] - 0.1 * r, head[0] + 0.6 * r, head[1] + 0.4 * r), fill=(250, 240, 200))
    draw.line((*head, head[0] - 0.3 * r, head[1] - 0.5 * r), fill=(40, 40, 40), width=round(r * 0.12))
    draw.line(
        (head[0] - 0.3 * r, head[1] - 0.5 * r, head[0] + 0.4 * r, head[1] - 0.6 * r),
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
        draw_moped(image, subject)
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
        Moped(body=(90, 90, 200), wheel_radius=0.11),
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
