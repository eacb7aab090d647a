"""The doctor's probe image, drawn in code: a bicycle side-on, which the shipped model accepts with confidence.

Drawn at four times its size and downsampled (edges antialiased as in a photo); the same every time, so the probe
always takes the same route (`accept` with the shipped model) and any other outcome says something changed.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

WIDTH, HEIGHT, SCALE = 192, 144, 4


def _wheel(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, spokes: int) -> None:
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(25, 25, 25), width=int(r * 0.12))
    for i in range(spokes):
        angle = math.pi * i / spokes
        dx, dy = math.cos(angle) * r, math.sin(angle) * r
        draw.line((cx - dx, cy - dy, cx + dx, cy + dy), fill=(90, 90, 90), width=2)


def probe_png() -> bytes:
    w, h = WIDTH * SCALE, HEIGHT * SCALE
    image = Image.new("RGB", (w, h), (196, 218, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, int(h * 0.72), w, h), fill=(120, 150, 96))
    r = w * 0.17
    ground = h * 0.86
    rear, front = (w * 0.27, ground - r), (w * 0.73, ground - r)
    _wheel(draw, *rear, r, 12)
    _wheel(draw, *front, r, 12)
    crank = (w * 0.47, ground - r)
    seat = (w * 0.40, ground - r * 2.3)
    head = (w * 0.66, ground - r * 2.35)
    frame, width = (200, 30, 40), int(w * 0.018)
    for start, end in ((rear, crank), (rear, seat), (seat, crank), (seat, head), (head, crank), (head, front)):
        draw.line((*start, *end), fill=frame, width=width)
    draw.line((seat[0] - w * 0.05, seat[1] - h * 0.03, seat[0] + w * 0.04, seat[1] - h * 0.03), fill=(20, 20, 20),
              width=width)  # fmt: skip
    draw.line((head[0], head[1], head[0] + w * 0.03, head[1] - h * 0.08), fill=(20, 20, 20), width=width)
    draw.line((head[0] + w * 0.03, head[1] - h * 0.08, head[0] - w * 0.03, head[1] - h * 0.09), fill=(20, 20, 20),
              width=width)  # fmt: skip
    small = image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
