"""Geometry, colour and the pen every drawer draws with (in metres, on a layer scaled to the kind's length)."""

from __future__ import annotations

import colorsys
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

Colour = tuple[int, int, int]
Ink = tuple[int, ...]
Point = tuple[float, float]

CLEAR: Ink = (0, 0, 0, 0)
TYRE: Colour = (22, 22, 24)
BLACK: Colour = (18, 18, 20)
SEE_THROUGH: Ink = (28, 28, 30, 150)  # the far side of a wheel, glimpsed between its spokes


# --- geometry and colour ---------------------------------------------------------------------------------------


def _at(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _off(a: Point, dx: float, dy: float) -> Point:
    return (a[0] + dx, a[1] + dy)


def _polar(c: Point, r: float, degrees: float) -> Point:
    a = math.radians(degrees)
    return (c[0] + r * math.cos(a), c[1] + r * math.sin(a))


def _dist(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def _angle(a: Point, b: Point) -> float:
    return math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))


def _spline(p0: float, p1: float, p2: float, p3: float, t: float) -> float:
    return 0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t + (3 * p1 - p0 - 3 * p2 + p3) * t**3)


def _smooth(points: Sequence[Point], steps: int = 5, closed: bool = True) -> list[Point]:
    """A Catmull-Rom curve through the points: tanks, fairings and body panels are curved, not polygons."""
    n = len(points)
    out: list[Point] = []
    last = n if closed else n - 1
    for i in range(last):
        p0, p1 = points[(i - 1) % n if closed else max(i - 1, 0)], points[i]
        p2, p3 = points[(i + 1) % n], points[(i + 2) % n if closed else min(i + 2, n - 1)]
        for k in range(steps):
            t = k / steps
            out.append((_spline(p0[0], p1[0], p2[0], p3[0], t), _spline(p0[1], p1[1], p2[1], p3[1], t)))
    if not closed:
        out.append(points[-1])
    return out


def _hsv(h: float, s: float, v: float) -> Colour:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return (round(r * 255), round(g * 255), round(b * 255))


def _paint(rng: np.random.Generator, neutral: float = 0.3) -> Colour:
    """Any hue; black, white, greys and silver often, as on real vehicles."""
    if rng.random() < neutral:
        v = float(rng.choice([0.07, 0.12, 0.3, 0.55, 0.75, 0.9, 0.96])) + rng.uniform(-0.03, 0.03)
        return _hsv(rng.random(), rng.uniform(0.0, 0.08), min(max(v, 0.0), 1.0))
    return _hsv(rng.random(), rng.uniform(0.45, 1.0), rng.uniform(0.35, 0.97))


def _bright(rng: np.random.Generator) -> Colour:
    return _hsv(rng.random(), rng.uniform(0.65, 1.0), rng.uniform(0.8, 1.0))


def _chrome(rng: np.random.Generator) -> Colour:
    g = int(rng.integers(175, 235))
    return (g, g, min(255, g + 6))


def _mix(a: Sequence[int], b: Sequence[int], t: float) -> Colour:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _dark(c: Sequence[int], t: float = 0.4) -> Colour:
    return _mix(c, (0, 0, 0), t)


def _light(c: Sequence[int], t: float = 0.4) -> Colour:
    return _mix(c, (255, 255, 255), t)


def _j(rng: np.random.Generator, x: float, spread: float = 0.08) -> float:
    """x jittered by up to ±spread of itself: no two vehicles share proportions."""
    return x * rng.uniform(1.0 - spread, 1.0 + spread)


# --- the pen: metres on a layer ---------------------------------------------------------------------------------


class Pen:
    """Draws in metres (x forward, y up, the ground at y = 0) onto a transparent RGBA layer, u pixels a metre."""

    def __init__(self, layer: Image.Image, u: float, left: float, top: float) -> None:
        self.draw = ImageDraw.Draw(layer)
        self.u, self.left, self.top = u, left, top

    def p(self, q: Point) -> Point:
        return ((q[0] - self.left) * self.u, (self.top - q[1]) * self.u)

    def w(self, width: float) -> int:
        return max(1, round(width * self.u))

    def line(self, points: Sequence[Point], ink: Ink, width: float) -> None:
        self.draw.line([self.p(q) for q in points], fill=ink, width=self.w(width), joint="curve")

    def tube(self, a: Point, b: Point, ink: Ink, width: float) -> None:
        """A straight tube with round ends, so tubes meet at clean joints."""
        self.line((a, b), ink, width)
        if width * self.u >= 3:
            self.circle(a, width / 2, fill=ink)
            self.circle(b, width / 2, fill=ink)

    def hairline(self, a: Point, b: Point, ink: Ink, px: int = 1) -> None:
        self.draw.line((self.p(a), self.p(b)), fill=ink, width=px)

    def poly(self, points: Sequence[Point], fill: Ink, outline: Ink | None = None, width: float = 0.0) -> None:
        self.draw.polygon([self.p(q) for q in points], fill=fill)
        if outline is not None:
            self.line([*points, points[0]], outline, width)

    def shape(self, points: Sequence[Point], fill: Ink, outline: Ink | None = None, width: float = 0.0) -> None:
        """A smooth closed shape through the points."""
        self.poly(_smooth(points), fill, outline, width)

    def circle(self, c: Point, r: float, fill: Ink | None = None, outline: Ink | None = None, width: float = 0) -> None:
        self.ellipse(c, r, r, fill, outline, width)

    def ellipse(
        self, c: Point, rx: float, ry: float, fill: Ink | None = None, outline: Ink | None = None, width: float = 0
    ) -> None:
        x, y = self.p(c)
        a, b = max(rx * self.u, 0.5), max(ry * self.u, 0.5)
        self.draw.ellipse((x - a, y - b, x + a, y + b), fill=fill, outline=outline, width=self.w(width))

    def arc(self, c: Point, r: float, start: float, end: float, ink: Ink, width: float) -> None:
        """An arc from start to end degrees, counter-clockwise from straight ahead (Pillow's run clockwise)."""
        x, y = self.p(c)
        a = r * self.u
        self.draw.arc((x - a, y - a, x + a, y + a), -end, -start, fill=ink, width=self.w(width))

    def band(self, c: Point, inner: float, outer: float, start: float, end: float, ink: Ink) -> None:
        """A ring segment: fenders and valances."""
        steps = max(4, int(abs(end - start) / 8))
        outside = [_polar(c, outer, start + (end - start) * i / steps) for i in range(steps + 1)]
        inside = [_polar(c, inner, end - (end - start) * i / steps) for i in range(steps + 1)]
        self.poly(outside + inside, ink)

    def box(
        self, x0: float, y0: float, x1: float, y1: float, fill: Ink, radius: float = 0.0, outline: Ink | None = None
    ) -> None:
        a, b = self.p((min(x0, x1), max(y0, y1)))
        c, d = self.p((max(x0, x1), min(y0, y1)))
        r = min(radius * self.u, (c - a) / 2, (d - b) / 2)
        self.draw.rounded_rectangle((a, b, c, d), radius=max(0.0, r), fill=fill, outline=outline, width=1)

    def capsule(self, a: Point, b: Point, ink: Ink, width: float) -> None:
        """A cylinder seen side-on (mufflers, batteries): a thick tube with rounded ends."""
        self.tube(a, b, ink, width)


@dataclass
class Seat:
    """Where a rider touches the vehicle: hips on the seat, hands on the grips, a foot on a pedal or peg."""

    hip: Point
    hand: Point
    foot: Point
    size: float = 1.0  # 1 for an adult
    lean: float | None = None  # a fixed torso angle (recumbents); otherwise the arms' reach sets it


def _shadow(pen: Pen, x0: float, x1: float, rng: np.random.Generator) -> None:
    alpha = int(rng.integers(40, 120))
    pen.ellipse(((x0 + x1) / 2, 0.0), (x1 - x0) / 2 + 0.1, rng.uniform(0.025, 0.06), fill=(0, 0, 0, alpha))
