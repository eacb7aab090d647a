"""The scene behind the vehicle: catalogue white, sky and ground, street, indoor, clutter."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from training.drawn.pen import CLEAR, _dark, _hsv, _light, _mix, _paint

# --- scenes and photo effects -----------------------------------------------------------------------------------


def _gradient(top: Sequence[float] | np.ndarray, bottom: Sequence[float] | np.ndarray, w: int, h: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    rows = np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t
    return np.broadcast_to(rows, (h, w, 3))


def _blobs(rng: np.random.Generator, w: int, h: int, n: int, alpha: int) -> Image.Image:
    """Soft out-of-focus blobs: drawn small, enlarged and blurred."""
    small = Image.new("RGBA", (max(8, w // 8), max(8, h // 8)), CLEAR)
    d = ImageDraw.Draw(small)
    sw, sh = small.size
    for _ in range(n):
        x, y = rng.uniform(0, sw), rng.uniform(0, sh)
        rx, ry = rng.uniform(1, sw / 4), rng.uniform(1, sh / 4)
        d.ellipse((x - rx, y - ry, x + rx, y + ry), fill=(*_paint(rng, 0.3), alpha))
    return small.filter(ImageFilter.GaussianBlur(1.5)).resize((w, h), Image.Resampling.BILINEAR)


def _background(rng: np.random.Generator, w: int, h: int) -> tuple[Image.Image, float]:
    """A scene; returns it and the lowest height fraction where a vehicle may stand (its floor or ground)."""
    style = str(rng.choice(["catalogue", "outdoor", "street", "indoor", "clutter"], p=[0.25, 0.2, 0.2, 0.15, 0.2]))
    if style == "catalogue":  # a product photo: white or near white, a faint gradient
        v = rng.uniform(225, 255)
        tint = rng.uniform(-6, 6, 3)
        pixels = _gradient(np.clip(v + tint, 0, 255), np.clip(v - rng.uniform(0, 25) + tint, 0, 255), w, h)
        return Image.fromarray(pixels.astype(np.uint8), "RGB"), 0.3
    if style == "clutter":  # noise textures and blurred blobs: nothing to lean on but the vehicle's shape
        lo = rng.integers(0, 256, (int(rng.integers(3, 10)), int(rng.integers(3, 10)), 3)).astype(np.float32)
        grey = rng.uniform(60, 200)
        lo = lo * (t := rng.uniform(0.15, 0.6)) + grey * (1 - t)  # muted, as real clutter mostly is
        image = Image.fromarray(lo.astype(np.uint8), "RGB").resize((w, h), Image.Resampling.BICUBIC)
        blobs = _blobs(rng, w, h, int(rng.integers(5, 25)), int(rng.integers(60, 180)))
        image.paste(blobs, (0, 0), blobs)
        d = ImageDraw.Draw(image)
        for _ in range(int(rng.integers(0, 6))):
            x, y = rng.uniform(0, w), rng.uniform(0, h)
            d.line((x, y, x + rng.uniform(-w, w) / 3, y + rng.uniform(-h, h) / 3), fill=_paint(rng),
                   width=int(rng.integers(2, 12)))  # fmt: skip
        return image, 0.3
    horizon = rng.uniform(0.3, 0.65)
    hy = int(horizon * h)
    if style == "outdoor":
        sky_top = _hsv(rng.uniform(0.52, 0.66), rng.uniform(0.1, 0.6), rng.uniform(0.6, 1.0))
        if rng.random() < 0.2:
            sky_top = _hsv(rng.uniform(0.0, 0.12), rng.uniform(0.2, 0.6), rng.uniform(0.6, 1.0))  # sunset
        ground = [
            _hsv(rng.uniform(0.2, 0.35), rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.65)),  # grass
            _hsv(0.0, 0.0, rng.uniform(0.3, 0.55)),  # asphalt
            _hsv(rng.uniform(0.07, 0.12), rng.uniform(0.2, 0.5), rng.uniform(0.45, 0.8)),  # sand, dirt
        ][int(rng.integers(0, 3))]
        sky = _gradient(sky_top, _light(sky_top, 0.5), w, hy)
        land = _gradient(_dark(ground, 0.15), _light(ground, 0.1), w, h - hy)
        image = Image.fromarray(np.concatenate([sky, land]).astype(np.uint8), "RGB")
        d = ImageDraw.Draw(image)
        x = -rng.uniform(0, w / 4)
        if rng.random() < 0.7:  # trees or hills on the horizon
            hill = _hsv(rng.uniform(0.2, 0.4), rng.uniform(0.2, 0.6), rng.uniform(0.2, 0.5))
            while x < w:
                rx = rng.uniform(w / 20, w / 5)
                ry = rng.uniform(h / 30, h / 6)
                d.ellipse((x, hy - ry, x + 2 * rx, hy + ry), fill=_mix(hill, sky_top, rng.uniform(0, 0.4)))
                x += rx * rng.uniform(0.8, 1.8)
        return image, horizon + 0.05
    if style == "street":
        sky_top = _hsv(rng.uniform(0.55, 0.65), rng.uniform(0.05, 0.5), rng.uniform(0.65, 1.0))
        image = Image.fromarray(_gradient(sky_top, _light(sky_top, 0.4), w, h).astype(np.uint8), "RGB")
        d = ImageDraw.Draw(image)
        x = -rng.uniform(0, w / 5)
        while x < w:  # a row of buildings with windows
            bw = rng.uniform(w / 6, w / 2.5)
            top = hy - rng.uniform(h * 0.15, h * 0.6)
            wall = _paint(rng, 0.4)
            wall = _mix(wall, (200, 190, 180), 0.4)
            d.rectangle((x, top, x + bw, hy), fill=wall)
            glass = _mix(_paint(rng, 0.6), (40, 50, 70), 0.6)
            ww, wh = bw / rng.uniform(4, 8), (hy - top) / rng.uniform(5, 12)
            for wy in np.arange(top + wh * 0.5, hy - wh, wh * 1.6):
                for wx in np.arange(x + ww * 0.5, x + bw - ww, ww * 1.7):
                    d.rectangle((wx, wy, wx + ww, wy + wh), fill=glass)
            x += bw + rng.uniform(0, w / 20)
        walk = hy + rng.uniform(0.03, 0.12) * h
        d.rectangle((0, hy, w, walk), fill=_hsv(0.08, 0.08, rng.uniform(0.55, 0.8)))
        d.rectangle((0, walk, w, h), fill=_hsv(0.6, 0.05, rng.uniform(0.25, 0.45)))
        d.line((0, walk, w, walk), fill=(150, 150, 150), width=max(2, h // 80))
        if rng.random() < 0.5:
            y = walk + (h - walk) * rng.uniform(0.4, 0.8)
            for x0 in np.arange(-rng.uniform(0, w / 4), w, w / 4):
                d.line((x0, y, x0 + w / 8, y), fill=(230, 230, 220), width=max(2, h // 60))
        return image, walk / h + 0.02
    # indoor: a wall, a floor, a skirting board, maybe a picture or a door
    wall = _mix(_paint(rng, 0.5), (235, 230, 220), rng.uniform(0.3, 0.8))
    floor = _mix(_paint(rng, 0.4), (150, 110, 70), rng.uniform(0.2, 0.8))
    fy = int(rng.uniform(0.5, 0.8) * h)
    image = Image.fromarray(
        np.concatenate(
            [_gradient(wall, _dark(wall, 0.15), w, fy), _gradient(_dark(floor, 0.2), floor, w, h - fy)]
        ).astype(np.uint8),
        "RGB",
    )
    d = ImageDraw.Draw(image)
    d.rectangle((0, fy - h // 40, w, fy), fill=_light(wall, 0.5) if rng.random() < 0.5 else _dark(wall, 0.4))
    if rng.random() < 0.5:  # planks or tiles
        for x0 in np.arange(0, w, w / rng.uniform(4, 12)):
            d.line((x0, fy, x0 + (x0 - w / 2) * 0.6, h), fill=_dark(floor, 0.3), width=2)
    for _ in range(int(rng.integers(0, 3))):
        px, py = rng.uniform(0, w * 0.8), rng.uniform(0, fy * 0.5)
        pw, ph = rng.uniform(w / 10, w / 4), rng.uniform(h / 10, fy * 0.5)
        d.rectangle((px, py, px + pw, py + ph), fill=_paint(rng), outline=_dark(wall, 0.6), width=max(2, w // 150))
    return image, fy / h + 0.03
