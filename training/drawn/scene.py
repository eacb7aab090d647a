"""Assembly: one drawer per kind, the vehicle placed in its scene, and the seeded lists training uses."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image

from training.drawn.backgrounds import _background
from training.drawn.bicycles import _bike_spec, _draw_bicycle
from training.drawn.kinds import BICYCLE_KINDS, KINDS, MAX_SIZE, MIN_SIZE, MOTORCYCLE_KINDS, label_of
from training.drawn.motorcycles import _adventure, _cruiser, _dirt, _moped, _scooter, _sport, _standard, _touring
from training.drawn.pen import CLEAR, Pen, Seat
from training.drawn.photo import _perspective, _photo
from training.drawn.riders import _rider

# --- assembly ---------------------------------------------------------------------------------------------------


def _bicycle_drawer(kind: str) -> Callable[[Pen, np.random.Generator], Seat]:
    def draw(pen: Pen, rng: np.random.Generator) -> Seat:
        return _draw_bicycle(pen, _bike_spec(kind, rng), rng)

    return draw


DRAWERS: dict[str, Callable[[Pen, np.random.Generator], Seat]] = {
    **{kind: _bicycle_drawer(kind) for kind in BICYCLE_KINDS},
    "standard": _standard,
    "sport": _sport,
    "cruiser": _cruiser,
    "dirt": _dirt,
    "touring": _touring,
    "scooter": _scooter,
    "moped": _moped,
    "adventure": _adventure,
}
# Roughly how long each kind is in metres, nose to tail: sets the layer's scale before drawing.
LENGTH = {kind: 1.75 for kind in KINDS} | {
    "kids": 1.2,
    "folding": 1.45,
    "longtail": 2.3,
    "bakfiets": 2.6,
    "tandem": 2.45,
    "bmx": 1.5,
    "recumbent": 1.9,
    "standard": 2.1,
    "sport": 2.1,
    "cruiser": 2.4,
    "dirt": 2.3,
    "touring": 2.5,
    "scooter": 1.85,
    "moped": 1.75,
    "adventure": 2.3,
}


def render(kind: str, rng: np.random.Generator) -> Image.Image:
    """One image of a two-wheeler of this kind in a random scene, every choice drawn from rng."""
    label = label_of(kind)
    out_w, out_h = int(rng.integers(MIN_SIZE[0], MAX_SIZE[0] + 1)), int(rng.integers(MIN_SIZE[1], MAX_SIZE[1] + 1))
    scale = int(rng.integers(3, 5))  # drawn at 3-4x, then downsampled
    w, h = out_w * scale, out_h * scale
    canvas, floor = _background(rng, w, h)
    fill = rng.uniform(0.4, 0.95)  # the vehicle's share of the width
    u = fill * w / LENGTH[kind]
    left, top = -1.0, 2.2
    layer = Image.new("RGBA", (round((LENGTH[kind] + 1.6) * u), round((top + 0.1) * u)), CLEAR)
    pen = Pen(layer, u, left, top)
    seat = DRAWERS[kind](pen, rng)
    if rng.random() < 0.3:
        _rider(pen, seat, rng, helmet=label == 1 or rng.random() < 0.3)
    box = layer.getbbox()
    if box is None:  # nothing drawn: cannot happen with the drawers above
        raise RuntimeError(f"{kind} drew nothing")
    sprite = layer.crop(box)
    sw, sh = sprite.size
    k = fill * w / sw
    if sh * k > 0.97 * h:  # too tall for the frame: shrink, unless it is to be cropped
        k = 0.97 * h / sh
    bw, bh = sw * k, sh * k
    crop = 0.15 if rng.random() < 0.2 else 0.0  # sometimes cut off at an edge, as in a careless photo
    x0 = rng.uniform(-crop * bw, max(-crop * bw, w - bw + crop * bw))
    lowest = max(bh, floor * h + bh * 0.2)
    y1 = rng.uniform(min(lowest, h), h + crop * bh)
    quad = [(x0, y1 - bh), (x0 + bw, y1 - bh), (x0 + bw, y1), (x0, y1)]
    if rng.random() < 0.5:  # an off-side view: the far end is smaller and nearer the horizon
        shrink = rng.uniform(0.04, 0.2)
        far = (1, 2) if rng.random() < 0.5 else (0, 3)
        sign = -1.0 if far == (1, 2) else 1.0
        (ax, ay), (bx, by) = quad[far[0]], quad[far[1]]
        quad[far[0]] = (ax + sign * bw * shrink * 0.3, ay + bh * shrink * 0.55)
        quad[far[1]] = (bx + sign * bw * shrink * 0.3, by - bh * shrink * 0.25)
    angle = math.radians(rng.uniform(-6, 6))
    cx, cy = x0 + bw / 2, y1 - bh / 2
    cos, sin = math.cos(angle), math.sin(angle)
    quad = [(cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos) for x, y in quad]
    src = [(0.0, 0.0), (sw, 0.0), (sw, sh), (0.0, sh)]
    if rng.random() < 0.5:  # facing left
        src = [src[1], src[0], src[3], src[2]]
    coefficients = _perspective(quad, src)
    placed = sprite.convert("RGBa").transform(
        (w, h), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR
    )
    placed = placed.convert("RGBA")
    canvas.paste(placed, (0, 0), placed)
    return _photo(canvas.resize((out_w, out_h), Image.Resampling.LANCZOS), rng)


def two_wheelers_with_kinds(count: int, seed: int) -> list[tuple[Image.Image, int, str]]:
    """count (image, label, kind) triples: labels alternate 0, 1 (an odd count has one more bicycle), and the kinds
    of each class cycle in order. Image i depends only on (seed, i), so a longer list extends a shorter one."""
    out = []
    for i in range(count):
        label = i % 2
        kinds = MOTORCYCLE_KINDS if label else BICYCLE_KINDS
        kind = kinds[(i // 2) % len(kinds)]
        out.append((render(kind, np.random.default_rng([seed, i])), label, kind))
    return out


def two_wheelers(count: int, seed: int) -> list[tuple[Image.Image, int]]:
    """count RGB images of bicycles (label 0) and motorcycles (label 1) of every kind, half of each."""
    return [(image, label) for image, label, _ in two_wheelers_with_kinds(count, seed)]
