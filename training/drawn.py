"""Two-wheelers of every kind, drawn with Pillow, each with its true class: extra training images.

Real photos of two-wheelers of every kind cannot be downloaded, and CIFAR's 500 thumbnails per class show mostly
ordinary adult bicycles and standard motorcycles. This renderer gives the network the shapes they lack: small-wheeled
and long bicycles, faired, long and tall motorcycles. It draws side views (some warped slightly off-side) of

- bicycles (label 0): road, mountain, city step-through, kids' (small wheels, sometimes training wheels), folding
  (small wheels, long seat post and stem, hinge), long-tail and front-box (bakfiets) cargo bikes, electric (battery,
  hub or mid motor, display), tandem, BMX, fat bike and recumbent;
- motorcycles (label 1): standard, sport (full fairing), cruiser/chopper, dirt, touring, scooter, moped (a small
  motor and pedals) and adventure.

Colours, proportions, line widths, size and position in the frame, facing, rotation, perspective, an optional rider,
the background (catalogue white, sky and ground, street, indoor, clutter) and photo effects (grain, blur, JPEG,
exposure) all come from one seeded numpy Generator per image: the same seed gives the same pixels. Each image is drawn
at three or four times its size and downsampled with LANCZOS, so edges are antialiased as in a photo.
"""

from __future__ import annotations

import colorsys
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

Colour = tuple[int, int, int]
Ink = tuple[int, ...]
Point = tuple[float, float]

BICYCLE_KINDS: tuple[str, ...] = (
    "road",
    "mountain",
    "city",
    "kids",
    "folding",
    "longtail",
    "bakfiets",
    "electric",
    "tandem",
    "bmx",
    "fat",
    "recumbent",
)
MOTORCYCLE_KINDS: tuple[str, ...] = (
    "standard",
    "sport",
    "cruiser",
    "dirt",
    "touring",
    "scooter",
    "moped",
    "adventure",
)
KINDS: tuple[str, ...] = BICYCLE_KINDS + MOTORCYCLE_KINDS
MIN_SIZE = (128, 128)  # width, height of the smallest image
MAX_SIZE = (192, 160)

CLEAR: Ink = (0, 0, 0, 0)
TYRE: Colour = (22, 22, 24)
BLACK: Colour = (18, 18, 20)
SEE_THROUGH: Ink = (28, 28, 30, 150)  # the far side of a wheel, glimpsed between its spokes


def label_of(kind: str) -> int:
    """0 for a bicycle kind, 1 for a motorcycle kind."""
    if kind in BICYCLE_KINDS:
        return 0
    if kind in MOTORCYCLE_KINDS:
        return 1
    raise ValueError(f"unknown kind {kind!r}")


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


# --- bicycle parts ----------------------------------------------------------------------------------------------


def _bike_wheel(
    pen: Pen,
    c: Point,
    r: float,
    tyre: float,
    rng: np.random.Generator,
    *,
    rim: Colour,
    spokes: int,
    rim_depth: float,
    knobby: bool = False,
    hub: float = 0.02,
    hub_ink: Colour = (165, 165, 170),
    sidewall: Colour | None = None,
    disc: bool = False,
) -> None:
    """A thin-tyred wheel: tyre, rim, crossed wire spokes (a hairline each, faint after downsampling) and hub."""
    pen.circle(c, r, outline=TYRE, width=tyre)
    if sidewall is not None:  # tan or coloured sidewalls
        pen.circle(c, r - tyre * 0.55, outline=sidewall, width=tyre * 0.45)
    if knobby:
        n = int(2 * math.pi * r / max(tyre * 0.8, 0.02))
        for i in range(n):
            a = 360 * i / n
            k = 180 / n * 0.45
            pen.poly(
                [_polar(c, r - 0.005, a - k), _polar(c, r + tyre * 0.22, a - k), _polar(c, r + tyre * 0.22, a + k),
                 _polar(c, r - 0.005, a + k)],
                TYRE,
            )  # fmt: skip
    inner = r - tyre
    pen.circle(c, inner + 0.002, outline=rim, width=rim_depth)
    spoke_px = max(1, round(pen.u * 0.0022))
    spoke_ink = _mix(rim, (150, 150, 155), 0.6) if sum(rim) > 300 else (165, 165, 170)
    phase = rng.uniform(0, 360)
    step = 360 / max(spokes, 1)
    for i in range(spokes):
        a = phase + i * step
        lean = 2.5 * step if i % 2 else -2.5 * step
        pen.hairline(_polar(c, hub, a), _polar(c, inner - rim_depth * 0.9, a + lean), spoke_ink, spoke_px)
    pen.circle(c, hub * 1.15, fill=hub_ink)
    pen.circle(c, 0.012, fill=_dark(hub_ink, 0.5))
    if disc:
        pen.circle(c, 0.075, outline=(170, 170, 175), width=0.01)


def _crank(pen: Pen, bb: Point, angle: float, arm: float, ink: Colour, pedal: Colour) -> Point:
    """One crank arm and its pedal; returns the pedal."""
    end = _polar(bb, arm, angle)
    pen.tube(bb, end, ink, 0.022)
    pen.box(end[0] - 0.05, end[1] - 0.012, end[0] + 0.05, end[1] + 0.012, pedal, radius=0.006)
    return end


def _chainring(pen: Pen, bb: Point, r: float, ink: Colour) -> None:
    pen.circle(bb, r, outline=ink, width=0.012)
    for i in range(5):
        pen.tube(bb, _polar(bb, r * 0.9, 72 * i + 18), ink, 0.01)
    pen.circle(bb, 0.028, fill=_dark(ink, 0.3))


def _chain(pen: Pen, bb: Point, ring: float, axle: Point, cog: float, geared: bool) -> None:
    ink = (70, 70, 72)
    pen.line([_off(bb, 0, ring), _off(axle, 0, cog)], ink, 0.007)
    if geared:  # the bottom run dips through a rear derailleur
        cage = _off(axle, 0.02, -cog - 0.07)
        pen.line([_off(bb, 0, -ring), cage, _off(axle, -0.01, -cog)], ink, 0.007)
        pen.tube(_off(axle, 0.0, -0.01), cage, (60, 60, 62), 0.015)
    else:
        pen.line([_off(bb, 0, -ring), _off(axle, 0, -cog)], ink, 0.007)
    pen.circle(axle, cog, outline=(90, 90, 92), width=0.012)


def _saddle(pen: Pen, top: Point, ink: Colour, length: float = 0.26, thick: float = 0.035) -> None:
    x, y = top
    back = x - length * 0.5
    pen.shape(
        [(back, y + thick * 0.7), (x + length * 0.1, y + thick * 0.45), (x + length * 0.5, y + thick * 0.25),
         (x + length * 0.45, y - thick * 0.1), (x, y - thick * 0.2), (back + 0.01, y - thick * 0.5)],
        ink,
    )  # fmt: skip


def _bars(pen: Pen, end: Point, style: str, ink: Colour, grip: Colour, w: float) -> Point:
    """The handlebar at the stem's end, seen side-on; returns where the hands go."""
    if style == "drop":
        pts = [end, _off(end, 0.06, 0.0), _off(end, 0.1, -0.03), _off(end, 0.1, -0.1), _off(end, 0.05, -0.13),
               _off(end, 0.0, -0.12)]  # fmt: skip
        pen.line(pts, grip, w)
        pen.tube(_off(end, 0.06, 0.0), _off(end, 0.09, 0.04), BLACK, w * 1.3)  # brake hood
        return _off(end, 0.07, 0.02)
    if style == "flat":
        pen.tube(end, _off(end, -0.05, 0.0), ink, w)
        pen.tube(_off(end, -0.03, 0.0), _off(end, -0.09, 0.0), grip, w * 1.4)
        pen.line([_off(end, -0.01, 0.0), _off(end, 0.07, -0.03)], (60, 60, 62), w * 0.5)  # brake lever
        return _off(end, -0.06, 0.0)
    if style == "riser":
        pen.line([end, _off(end, -0.02, 0.05), _off(end, -0.07, 0.06)], ink, w)
        pen.tube(_off(end, -0.05, 0.06), _off(end, -0.12, 0.065), grip, w * 1.4)
        return _off(end, -0.09, 0.065)
    if style == "swept":
        pen.line([end, _off(end, 0.03, 0.06), _off(end, -0.1, 0.1), _off(end, -0.2, 0.09)], ink, w)
        pen.tube(_off(end, -0.13, 0.1), _off(end, -0.24, 0.09), grip, w * 1.5)
        return _off(end, -0.19, 0.095)
    # bmx: a tall braced U and grips swept back
    top = _off(end, -0.03, 0.22)
    pen.tube(end, top, ink, w)
    pen.tube(_off(end, -0.06, 0.12), _off(end, 0.03, 0.12), ink, w * 0.9)
    pen.tube(top, _off(top, -0.1, 0.005), grip, w * 1.5)
    return _off(top, -0.07, 0.0)


@dataclass
class BikeSpec:
    """A bicycle's geometry in metres (facing right, rear axle at x = 0) and its parts."""

    frame: str = "diamond"  # diamond, step, folding, tandem, bakfiets, recumbent
    rear_r: float = 0.34
    front_r: float = 0.34
    tyre: float = 0.028
    knobby: bool = False
    wb: float = 1.0
    cs: float = 0.41  # rear axle to bottom bracket, horizontally
    bb_h: float = 0.27
    seat_angle: float = 73.0
    seat_len: float = 0.54
    post: float = 0.18
    head_angle: float = 72.0
    fork: float = 0.40  # front axle to the head tube's foot, along the steering axis
    head_len: float = 0.15
    top_drop: float = 0.0  # how far down the seat tube the top tube meets it (sloping frames)
    stem_rise: float = 0.05
    stem_len: float = 0.1
    bar: str = "flat"
    tube: float = 0.03
    colour: Colour = (200, 30, 30)
    fork_colour: Colour = (200, 30, 30)
    rim: Colour = (40, 40, 42)
    rim_depth: float = 0.016
    spokes: int = 32
    saddle: Colour = BLACK
    grip: Colour = BLACK
    sidewall: Colour | None = None
    suspension: bool = False
    rear_shock: bool = False
    disc: bool = False
    geared: bool = True
    fenders: bool = False
    fender: Colour = (40, 40, 42)
    basket: bool = False
    rack: bool = False
    chain_guard: bool = False
    battery: str = ""  # "", "down" or "rack"
    hub_motor: bool = False
    mid_motor: bool = False
    display: bool = False
    training: bool = False
    pegs: bool = False
    kickstand: bool = False
    box: Colour = (150, 110, 70)
    extras: dict[str, float] = field(default_factory=dict)
    size: float = 1.0


def _bike_spec(kind: str, rng: np.random.Generator) -> BikeSpec:
    """A randomised specification of one bicycle of the kind."""
    colour = _paint(rng)
    s = BikeSpec(colour=colour, fork_colour=colour if rng.random() < 0.7 else _paint(rng))
    s.rim = BLACK if rng.random() < 0.5 else (_chrome(rng) if rng.random() < 0.7 else _paint(rng))
    s.saddle = BLACK if rng.random() < 0.6 else _paint(rng, neutral=0.5)
    s.grip = BLACK if rng.random() < 0.7 else _paint(rng)
    s.tube = _j(rng, 0.03, 0.2)
    s.wb, s.cs, s.seat_len = _j(rng, s.wb, 0.04), _j(rng, s.cs, 0.05), _j(rng, s.seat_len, 0.08)
    s.seat_angle, s.head_angle = _j(rng, 73.0, 0.03), _j(rng, 71.5, 0.03)
    s.post = _j(rng, 0.17, 0.3)
    s.spokes = int(rng.choice([24, 28, 32, 36]))
    s.kickstand = rng.random() < 0.25
    s.sidewall = (190, 160, 110) if rng.random() < 0.15 else None
    if kind == "road":
        s.bar, s.tyre, s.geared = "drop", _j(rng, 0.024, 0.15), True
        s.rim_depth = float(rng.choice([0.016, 0.03, 0.05]))
        s.tube = _j(rng, 0.026, 0.15)
        s.top_drop = rng.uniform(0.0, 0.2)
        s.stem_rise, s.stem_len, s.post = 0.02, _j(rng, 0.11), _j(rng, 0.2, 0.2)
        s.spokes = int(rng.choice([18, 20, 24, 28]))
    elif kind == "mountain":
        s.rear_r = s.front_r = float(rng.choice([0.34, 0.37]))
        s.tyre, s.knobby, s.suspension, s.disc = _j(rng, 0.055, 0.15), True, True, True
        s.wb = _j(rng, 1.12, 0.04)
        s.fork, s.head_angle = s.front_r + 0.14, _j(rng, 67.0, 0.03)
        s.bar = "riser" if rng.random() < 0.5 else "flat"
        s.top_drop, s.tube = rng.uniform(0.2, 0.45), _j(rng, 0.036, 0.15)
        s.bb_h = s.rear_r - 0.04
        s.rear_shock = rng.random() < 0.4
        s.stem_len = _j(rng, 0.07)
    elif kind == "city":
        s.frame, s.bar, s.tyre = "step", "swept", _j(rng, 0.036, 0.15)
        s.fenders = s.chain_guard = True
        s.basket, s.rack = rng.random() < 0.75, rng.random() < 0.7
        s.fender = colour if rng.random() < 0.5 else _paint(rng)
        s.geared, s.kickstand = False, rng.random() < 0.6
        s.seat_angle, s.head_angle, s.stem_rise = _j(rng, 70.0, 0.03), _j(rng, 68.0, 0.03), _j(rng, 0.1, 0.3)
        s.saddle = (90, 60, 35) if rng.random() < 0.4 else s.saddle
        s.wb = _j(rng, 1.08, 0.04)
    elif kind == "kids":
        r = float(rng.choice([0.16, 0.2, 0.23]))
        k = r / 0.34
        s.colour = _bright(rng)
        s.fork_colour = s.colour if rng.random() < 0.6 else _bright(rng)
        s.rear_r = s.front_r = r
        s.tyre, s.spokes = _j(rng, 0.04), int(rng.choice([16, 20, 24]))
        s.wb, s.cs, s.bb_h = _j(rng, 1.0 * k + 0.15), _j(rng, 0.41 * k + 0.05), r + 0.01
        s.seat_len, s.fork, s.head_len = _j(rng, 0.54 * k), r + 0.06, 0.1
        s.post, s.stem_rise, s.stem_len = _j(rng, 0.08, 0.3), _j(rng, 0.08, 0.3), 0.05
        s.bar, s.geared = ("swept" if rng.random() < 0.5 else "bmx"), False
        s.training = rng.random() < 0.5
        s.chain_guard = rng.random() < 0.6
        s.fenders = rng.random() < 0.4
        s.fender = _bright(rng)
        s.rim = _chrome(rng) if rng.random() < 0.5 else _bright(rng)
        s.saddle = _bright(rng) if rng.random() < 0.5 else s.saddle
        s.grip = _bright(rng) if rng.random() < 0.5 else s.grip
        s.tube = _j(rng, 0.032, 0.15)
        s.top_drop = rng.uniform(0.2, 0.6)
        s.frame = "step" if rng.random() < 0.35 else "diamond"
        s.size = 0.45 + r
    elif kind == "folding":
        r = float(rng.choice([0.2, 0.22, 0.25]))
        s.frame, s.rear_r, s.front_r = "folding", r, r
        s.tyre, s.wb, s.cs, s.bb_h = _j(rng, 0.035), _j(rng, 1.0), _j(rng, 0.42), _j(rng, 0.27, 0.05)
        s.seat_len, s.post = _j(rng, 0.34), _j(rng, 0.42, 0.12)
        s.fork, s.head_len, s.head_angle = r + 0.08, 0.12, _j(rng, 72.0, 0.03)
        s.stem_rise, s.stem_len, s.bar = _j(rng, 0.52, 0.08), 0.03, "flat"
        s.tube = _j(rng, 0.045, 0.12)
        s.fenders = rng.random() < 0.6
        s.fender = (200, 200, 205) if rng.random() < 0.5 else BLACK
        s.geared = rng.random() < 0.5
    elif kind == "longtail":
        s.frame = "step" if rng.random() < 0.4 else "diamond"
        s.rear_r = float(rng.choice([0.3, 0.34]))
        s.cs, s.wb = _j(rng, 0.82), _j(rng, 1.45, 0.04)
        s.tyre, s.top_drop = _j(rng, 0.04), rng.uniform(0.1, 0.4)
        s.bar, s.fenders = ("swept" if rng.random() < 0.5 else "riser"), rng.random() < 0.7
        s.tube = _j(rng, 0.04, 0.12)
        s.extras["bags"] = float(rng.random() < 0.7)
        s.extras["pad"] = float(rng.random() < 0.5)
        s.box = _paint(rng, neutral=0.5)
        s.battery = "down" if rng.random() < 0.4 else ""
    elif kind == "bakfiets":
        s.frame, s.rear_r, s.front_r = "bakfiets", 0.34, float(rng.choice([0.24, 0.26]))
        s.wb, s.tyre, s.bar = _j(rng, 1.95, 0.05), _j(rng, 0.038), "swept"
        s.tube = _j(rng, 0.04, 0.12)
        wood = (int(rng.integers(130, 190)), int(rng.integers(90, 130)), 60)
        s.box = wood if rng.random() < 0.5 else _paint(rng)
        s.fenders, s.fender, s.chain_guard = True, BLACK, True
        s.battery = "down" if rng.random() < 0.3 else ""
        s.geared = False
    elif kind == "electric":
        s.frame = "step" if rng.random() < 0.4 else "diamond"
        s.tube = _j(rng, 0.048, 0.12)
        s.tyre = _j(rng, 0.042, 0.2)
        s.knobby = rng.random() < 0.3
        s.battery = "down" if rng.random() < 0.65 else "rack"
        s.rack = s.battery == "rack" or rng.random() < 0.4
        s.hub_motor = rng.random() < 0.55
        s.mid_motor = not s.hub_motor
        s.display, s.disc = rng.random() < 0.8, True
        s.fenders = rng.random() < 0.5
        s.bar = str(rng.choice(["flat", "riser", "swept"]))
        s.top_drop = rng.uniform(0.0, 0.4)
        s.suspension = rng.random() < 0.4
        if s.suspension:
            s.fork = s.front_r + 0.12
    elif kind == "tandem":
        s.frame, s.wb, s.cs = "tandem", _j(rng, 1.75, 0.04), _j(rng, 0.43)
        s.bar = "drop" if rng.random() < 0.4 else "flat"
        s.tyre, s.spokes = _j(rng, 0.03), 36
        s.extras["gap"] = _j(rng, 0.72, 0.05)
    elif kind == "bmx":
        r = 0.25
        s.rear_r = s.front_r = r
        s.tyre, s.wb, s.cs, s.bb_h = _j(rng, 0.05), _j(rng, 0.98), _j(rng, 0.36), r + 0.04
        s.seat_len, s.post, s.top_drop = _j(rng, 0.3), _j(rng, 0.05, 0.3), 0.0
        s.seat_angle, s.head_angle = _j(rng, 71.0, 0.02), _j(rng, 74.5, 0.02)
        s.fork, s.head_len, s.stem_rise, s.stem_len = r + 0.08, 0.12, 0.03, 0.05
        s.bar, s.geared, s.pegs = "bmx", False, rng.random() < 0.8
        s.tube = _j(rng, 0.036, 0.12)
        s.spokes = int(rng.choice([36, 48]))
        s.rim = _chrome(rng) if rng.random() < 0.5 else _paint(rng)
        s.kickstand = False
        s.size = 0.9
    elif kind == "fat":
        s.rear_r = s.front_r = 0.37
        s.tyre, s.knobby, s.disc = _j(rng, 0.1, 0.1), True, True
        s.wb, s.fork, s.head_angle = _j(rng, 1.14), 0.49, _j(rng, 69.0, 0.03)
        s.bar, s.tube, s.top_drop = "riser", _j(rng, 0.04, 0.12), rng.uniform(0.1, 0.4)
        s.rim_depth = 0.03
        s.bb_h = 0.32
    elif kind == "recumbent":
        s.frame, s.rear_r, s.front_r = "recumbent", float(rng.choice([0.3, 0.34])), float(rng.choice([0.2, 0.24]))
        s.wb, s.tyre, s.tube = _j(rng, 1.15, 0.06), _j(rng, 0.032), _j(rng, 0.042, 0.1)
        s.seat_len = 0.0
    if kind not in ("kids", "bakfiets", "recumbent", "folding", "bmx"):
        s.fork = max(s.fork, s.front_r + 0.06)
    return s


def _fender(pen: Pen, c: Point, r: float, start: float, end: float, ink: Colour) -> None:
    pen.arc(c, r + 0.018, start, end, ink, 0.016)


def _draw_bicycle(pen: Pen, s: BikeSpec, rng: np.random.Generator) -> Seat:
    if s.frame == "bakfiets":
        return _draw_bakfiets(pen, s, rng)
    if s.frame == "recumbent":
        return _draw_recumbent(pen, s, rng)
    rear, front = (0.0, s.rear_r), (s.wb, s.front_r)
    bb = (s.cs, s.bb_h)
    up = 180 - s.seat_angle  # the seat tube's direction, up and back
    axis = 180 - s.head_angle  # the steering axis, up and back
    seat_top = _polar(bb, s.seat_len, up)
    head_foot = _polar(front, s.fork, axis)
    head_top = _polar(head_foot, s.head_len, axis)
    tube, frame = s.tube, s.colour
    tail = -0.35 if s.cs > 0.6 else 0.0
    _shadow(pen, -s.rear_r + tail, s.wb + s.front_r, rng)
    crank_angle = rng.uniform(0, 360)
    arm = 0.17 * min(1.0, s.rear_r / 0.3 + 0.15)
    bbs = [bb]
    if s.frame == "tandem":
        bbs.append((s.cs + s.extras["gap"], s.bb_h))
    for b in bbs:  # the far crank arm and pedal, behind everything
        _crank(pen, b, crank_angle + 180, arm, (70, 70, 72), (50, 50, 52))
    if s.training:  # training wheels, on both sides
        small = 0.065 + 0.01 * rng.random()
        hub = (-0.06, small + 0.012)
        pen.tube(rear, hub, (185, 185, 190), 0.018)
        pen.circle(hub, small, fill=(235, 235, 235), outline=TYRE, width=0.022)
        pen.circle(hub, 0.015, fill=(120, 120, 125))
    hub_r = 0.075 if s.hub_motor else 0.02
    for c, r, motor in ((rear, s.rear_r, s.hub_motor), (front, s.front_r, False)):
        _bike_wheel(
            pen, c, r, s.tyre, rng, rim=s.rim, spokes=s.spokes, rim_depth=s.rim_depth, knobby=s.knobby,
            hub=hub_r if motor else 0.02, hub_ink=(60, 60, 64) if motor else (165, 165, 170), sidewall=s.sidewall,
            disc=s.disc,
        )  # fmt: skip
    if s.fenders:
        _fender(pen, rear, s.rear_r, 15, 200, s.fender)
        _fender(pen, front, s.front_r, -15, 150, s.fender)
    if s.kickstand:
        pen.tube(_off(bb, -0.08, -0.02), (-0.05, 0.0), (90, 90, 92), 0.014)
    # the frame
    seat_mid = _at(seat_top, bb, 0.04)
    stays_to = seat_top
    if s.frame == "folding":
        joint = _at(bb, seat_top, 0.25)
        main_from = _polar(head_foot, 0.02, axis)
        pen.tube(rear, bb, frame, tube * 0.6)
        pen.tube(rear, _at(bb, seat_top, 0.55), frame, tube * 0.6)
        pen.tube(bb, seat_top, frame, tube * 0.9)
        pen.tube(joint, main_from, frame, tube * 1.5)
        hinge = _at(joint, main_from, 0.5)
        pen.circle(hinge, tube * 1.2, fill=(190, 190, 195))
        pen.tube(hinge, _off(hinge, 0.07, -0.05), (40, 40, 42), tube * 0.4)
    else:
        pen.tube(rear, bb, frame, tube * 0.6)  # chain stay
        if s.frame == "tandem":
            bb2 = bbs[1]
            seat2 = _polar(bb2, s.seat_len, up)
            pen.tube(rear, seat_top, frame, tube * 0.55)
            pen.tube(bb, seat_top, frame, tube)
            pen.tube(bb2, seat2, frame, tube)
            pen.tube(bb, bb2, frame, tube)
            pen.tube(seat_top, bb2, frame, tube * 0.8)
            pen.tube(_at(seat_top, bb, 0.05), _at(seat2, bb2, 0.05), frame, tube)
            pen.tube(_at(seat2, bb2, 0.05), _polar(head_top, -0.02, axis), frame, tube)
            pen.tube(bb2, _polar(head_foot, 0.02, axis), frame, tube * 1.1)
        elif s.frame == "step":
            low = _off(bb, 0.06, 0.04)
            mid = (head_foot[0] - 0.25, s.bb_h + 0.08)
            curve = _smooth([_polar(head_top, -0.04, axis), mid, low], steps=8, closed=False)
            pen.line(curve, frame, tube * 1.1)
            pen.tube(bb, _polar(head_foot, 0.02, axis), frame, tube)
            pen.tube(bb, seat_top, frame, tube)
            pen.tube(rear, seat_top, frame, tube * 0.55)
        else:
            meet = _at(seat_mid, bb, s.top_drop)
            stays_to = meet if s.rear_shock else seat_mid
            pen.tube(rear, stays_to, frame, tube * 0.55)
            pen.tube(bb, seat_top, frame, tube)
            pen.tube(meet, _polar(head_top, -0.02, axis), frame, tube)
            pen.tube(bb, _polar(head_foot, 0.03, axis), frame, tube * 1.15)
            if s.rear_shock:
                pen.tube(_at(meet, bb, 0.35), _at(rear, meet, 0.55), (200, 170, 40), tube * 0.9)
        if s.cs > 0.6:  # long-tail: a deck over the rear wheel, with bags and a footboard
            deck_y = 2 * s.rear_r + 0.07
            deck = (-0.35, s.cs - 0.22)
            pen.tube(_at(rear, seat_top, 0.2), (deck[1], deck_y), frame, tube * 0.7)
            pen.tube(rear, (deck[0] + 0.05, deck_y), frame, tube * 0.6)
            pen.tube(rear, (0.25, deck_y), frame, tube * 0.6)
            if s.extras.get("bags"):
                pen.box(deck[0] + 0.03, 0.28, deck[1] - 0.12, deck_y, s.box, radius=0.05)
                pen.tube((deck[0] + 0.1, 0.3), (deck[1] - 0.2, 0.3), _dark(s.box), 0.02)
            pen.box(deck[0], deck_y - 0.012, deck[1], deck_y + 0.025, _dark(frame, 0.5), radius=0.01)
            if s.extras.get("pad"):
                pen.box(deck[0] + 0.08, deck_y + 0.02, deck[0] + 0.45, deck_y + 0.07, BLACK, radius=0.02)
    # fork, head tube, stem and bars
    if s.suspension:
        crown = _polar(head_foot, -0.02, axis)
        pen.tube(front, _polar(front, s.fork * 0.55, axis), (30, 30, 32), tube * 1.25)
        pen.tube(_polar(front, s.fork * 0.5, axis), crown, (205, 205, 210), tube * 0.9)
        pen.tube(_polar(crown, 0.04, axis - 90), _polar(crown, 0.04, axis + 90), (30, 30, 32), tube * 1.2)
    else:
        mid = _off(_at(front, head_foot, 0.5), 0.012, 0)
        pen.line([front, mid, head_foot], s.fork_colour, tube * 0.8)
    pen.tube(head_foot, head_top, frame, tube * 1.3)
    steer_top = _polar(head_top, 0.03 + s.stem_rise, axis)
    pen.tube(head_top, steer_top, (50, 50, 52) if s.frame != "folding" else frame, tube * 0.7)
    if s.frame == "folding":
        pen.circle(_polar(head_top, 0.06, axis), tube * 0.8, fill=(190, 190, 195))
    stem_end = _off(steer_top, s.stem_len, s.stem_len * 0.15)
    pen.tube(steer_top, stem_end, (50, 50, 52), tube * 0.7)
    hand = _bars(pen, stem_end, s.bar, (50, 50, 52), s.grip, max(0.02, tube * 0.7))
    if s.display:
        pen.box(stem_end[0] - 0.04, stem_end[1] + 0.02, stem_end[0] + 0.02, stem_end[1] + 0.05, BLACK, 0.005)
    if s.basket:
        x0, y0 = head_top[0] + 0.04, head_top[1] - 0.12
        wick = (int(rng.integers(110, 180)), int(rng.integers(80, 120)), 50) if rng.random() < 0.6 else BLACK
        pen.box(x0, y0, x0 + 0.3, y0 + 0.25, wick, radius=0.02)
        for i in range(1, 6):
            pen.hairline((x0 + 0.05 * i, y0), (x0 + 0.05 * i, y0 + 0.25), _dark(wick, 0.35), 1)
            pen.hairline((x0, y0 + 0.05 * i), (x0 + 0.3, y0 + 0.05 * i), _dark(wick, 0.35), 1)
        pen.tube((x0 + 0.15, y0), front, (70, 70, 72), 0.01)
    # seat post(s) and saddle(s)
    seats = [seat_top] if s.frame != "tandem" else [seat_top, _polar(bbs[1], s.seat_len, up)]
    saddle_tops: list[Point] = []
    for st in seats:
        top = _polar(st, s.post, up)
        pen.tube(st, top, (190, 190, 195) if s.frame == "folding" else (60, 60, 62), tube * 0.7)
        _saddle(
            pen,
            _off(top, 0.0, 0.02),
            s.saddle,
            0.27 if s.bar == "swept" else 0.25,
            0.045 if s.bar == "swept" else 0.035,
        )
        saddle_tops.append(_off(top, -0.02, 0.06))
    if s.frame == "tandem":  # the stoker's bars, on the captain's seat post
        post_mid = _polar(seats[1], s.post * 0.5, up)
        pen.tube(post_mid, _off(post_mid, -0.14, 0.05), (50, 50, 52), 0.02)
        pen.tube(_off(post_mid, -0.1, 0.05), _off(post_mid, -0.16, 0.03), s.grip, 0.03)
    if s.rack:
        ry = 2 * s.rear_r + 0.05
        pen.tube((-0.2, ry), (seat_top[0] - 0.02, ry), (40, 40, 42), 0.014)
        pen.tube((-0.17, ry), rear, (40, 40, 42), 0.012)
        pen.tube((seat_top[0] - 0.04, ry), _at(seat_top, rear, 0.3), (40, 40, 42), 0.012)
        if s.battery == "rack":
            pen.box(-0.2, ry, 0.12, ry + 0.07, (35, 35, 38), radius=0.02)
            pen.box(-0.18, ry + 0.03, 0.08, ry + 0.04, (120, 120, 125))
    if s.battery == "down":
        a, b = _at(bb, head_foot, 0.15), _at(bb, head_foot, 0.75)
        normal = _angle(bb, head_foot) + 90
        shift = tube * 0.5 + 0.035
        cell = (35, 35, 38) if rng.random() < 0.6 else _dark(frame, 0.3)
        pen.capsule(_polar(a, shift, normal), _polar(b, shift, normal), cell, 0.07)
        pen.tube(_polar(a, shift + 0.015, normal), _polar(_at(a, b, 0.5), shift + 0.015, normal), _light(cell), 0.01)
    # chain, chainrings and the near crank arm
    ring = 0.1 * min(1.0, s.rear_r / 0.3)
    if s.mid_motor:
        pen.box(bb[0] - 0.09, bb[1] - 0.07, bb[0] + 0.08, bb[1] + 0.05, (45, 45, 48), radius=0.03)
        ring *= 0.75
    if s.frame == "tandem":  # the timing chain between the two cranks
        pen.line([_off(bbs[0], 0, ring), _off(bbs[1], 0, ring)], (70, 70, 72), 0.007)
        pen.line([_off(bbs[0], 0, -ring), _off(bbs[1], 0, -ring)], (70, 70, 72), 0.007)
    _chain(pen, bb, ring, rear, 0.045 if s.geared else 0.035, s.geared)
    if s.chain_guard:
        g = s.fender if s.fenders else BLACK
        pen.shape(
            [_off(bb, ring + 0.03, 0.02), _off(bb, 0.0, ring + 0.035), _off(rear, 0.06, 0.06), _off(rear, 0.04, 0.02),
             _off(bb, 0.0, ring - 0.03)],
            g,
        )  # fmt: skip
    feet: list[Point] = []
    for b in bbs:
        _chainring(pen, b, ring, (170, 170, 175) if rng.random() < 0.6 else (40, 40, 42))
        feet.append(_crank(pen, b, crank_angle, arm, (40, 40, 42) if rng.random() < 0.5 else (180, 180, 185), BLACK))
    if s.pegs:
        for c in (rear, front):
            pen.tube(c, _off(c, 0.03, -0.03), (150, 150, 155), 0.045)
            pen.circle(_off(c, 0.03, -0.03), 0.022, fill=(200, 200, 205), outline=(90, 90, 95), width=0.006)
    return Seat(hip=saddle_tops[-1], hand=hand, foot=feet[-1], size=s.size)


def _draw_bakfiets(pen: Pen, s: BikeSpec, rng: np.random.Generator) -> Seat:
    """A front-box cargo bike: the rider at the back, a long low frame, a box ahead and a small front wheel."""
    rear, front = (0.0, s.rear_r), (s.wb, s.front_r)
    bb = (_j(rng, 0.44, 0.05), 0.28)
    up = 180 - 72
    seat_top = _polar(bb, _j(rng, 0.5, 0.05), up)
    axis = 180 - 70
    head_foot = _polar(front, s.front_r + 0.1, axis)
    head_top = _polar(head_foot, 0.12, axis)
    frame, tube = s.colour, s.tube
    _shadow(pen, -s.rear_r, s.wb + s.front_r, rng)
    crank_angle = rng.uniform(0, 360)
    _crank(pen, bb, crank_angle + 180, 0.17, (70, 70, 72), (50, 50, 52))
    for c, r in ((rear, s.rear_r), (front, s.front_r)):
        _bike_wheel(pen, c, r, s.tyre, rng, rim=s.rim, spokes=s.spokes, rim_depth=s.rim_depth)
        _fender(pen, c, r, 15 if c == rear else -10, 200 if c == rear else 170, s.fender)
    low_y = 0.2
    box_x0, box_x1 = bb[0] + 0.32, head_foot[0] - 0.05
    pen.tube(rear, bb, frame, tube * 0.6)
    pen.tube(rear, seat_top, frame, tube * 0.55)
    pen.tube(bb, seat_top, frame, tube)
    pen.line([bb, (bb[0] + 0.2, low_y), (box_x1 - 0.05, low_y), head_foot], frame, tube * 1.2)
    pen.tube(head_foot, head_top, frame, tube * 1.2)
    pen.tube(head_foot, front, frame, tube * 0.8)
    column_foot = (box_x0 - 0.06, low_y + 0.04)
    column_top = (box_x0 - 0.14, 0.95 + 0.05 * rng.random())
    pen.tube(column_foot, column_top, frame, tube)
    pen.tube(_at(seat_top, bb, 0.1), _at(column_foot, column_top, 0.65), frame, tube)
    pen.tube(column_foot, (head_foot[0], low_y - 0.03), (60, 60, 62), 0.012)  # steering rod under the box
    # the box: planks, slanted front
    h = _j(rng, 0.5, 0.12)
    pen.poly([(box_x0, low_y + 0.02), (box_x1, low_y + 0.02), (box_x1 + 0.08, low_y + h), (box_x0, low_y + h)], s.box)
    for i in range(1, 4):
        y = low_y + h * i / 4
        pen.hairline((box_x0, y), (box_x1 + 0.08 * i / 4, y), _dark(s.box, 0.3), max(1, pen.w(0.006)))
    pen.line([(box_x0, low_y + h), (box_x1 + 0.08, low_y + h)], _dark(s.box, 0.45), 0.02)
    hand = _bars(pen, column_top, "swept", (50, 50, 52), s.grip, 0.022)
    top = _polar(seat_top, _j(rng, 0.18, 0.2), up)
    pen.tube(seat_top, top, (60, 60, 62), tube * 0.7)
    _saddle(pen, _off(top, 0, 0.02), s.saddle, 0.27, 0.045)
    ring = 0.1
    _chain(pen, bb, ring, rear, 0.035, False)
    pen.shape([_off(bb, ring + 0.03, 0.02), _off(bb, 0.0, ring + 0.035), _off(rear, 0.06, 0.06),
               _off(rear, 0.04, 0.02), _off(bb, 0.0, ring - 0.03)], BLACK)  # fmt: skip
    _chainring(pen, bb, ring, (170, 170, 175))
    foot = _crank(pen, bb, crank_angle, 0.17, (40, 40, 42), BLACK)
    return Seat(hip=_off(top, -0.02, 0.06), hand=hand, foot=foot)


def _draw_recumbent(pen: Pen, s: BikeSpec, rng: np.random.Generator) -> Seat:
    """A recumbent: a reclined seat slung low between the wheels, the cranks out front on a boom."""
    rear, front = (0.0, s.rear_r), (s.wb, s.front_r)
    axis = 180 - 72
    head_foot = _polar(front, s.front_r + 0.08, axis)
    head_top = _polar(head_foot, 0.12, axis)
    bb = (s.wb + _j(rng, 0.32, 0.1), _j(rng, 0.55, 0.08))
    frame, tube = s.colour, s.tube
    _shadow(pen, -s.rear_r, bb[0] + 0.1, rng)
    crank_angle = rng.uniform(0, 360)
    _crank(pen, bb, crank_angle + 180, 0.16, (70, 70, 72), (50, 50, 52))
    for c, r in ((rear, s.rear_r), (front, s.front_r)):
        _bike_wheel(pen, c, r, s.tyre, rng, rim=s.rim, spokes=s.spokes, rim_depth=s.rim_depth)
    pan0, pan1 = (_j(rng, 0.28), 0.5), (_j(rng, 0.6), 0.48)
    back = _polar(pan0, _j(rng, 0.5), _j(rng, 125.0, 0.05))
    node = (pan0[0] + 0.05, 0.38)
    pen.tube(rear, node, frame, tube * 0.7)
    pen.tube(rear, _at(pan0, back, 0.6), frame, tube * 0.6)
    pen.tube(node, head_foot, frame, tube * 1.2)
    pen.tube(_polar(head_foot, 0.05, axis), bb, frame, tube)
    pen.tube(head_foot, front, s.fork_colour, tube * 0.8)
    pen.tube(head_foot, head_top, frame, tube * 1.2)
    seat_ink = BLACK if rng.random() < 0.7 else _paint(rng)
    pen.line([pan1, pan0, back], seat_ink, 0.06)
    pen.tube(node, pan0, frame, tube * 0.6)
    pen.tube(_at(node, head_foot, 0.4), pan1, frame, tube * 0.6)
    tiller_top = _off(head_top, -_j(rng, 0.2), _j(rng, 0.2))
    pen.tube(head_top, tiller_top, (50, 50, 52), 0.02)
    pen.tube(tiller_top, _off(tiller_top, -0.1, -0.01), s.grip, 0.03)
    idler = (pan1[0] + 0.05, 0.33)
    pen.line([_off(bb, 0, 0.1), idler, _off(rear, 0, 0.04)], (70, 70, 72), 0.007)
    pen.line([_off(bb, 0, -0.1), _off(idler, 0, -0.03), _off(rear, 0, -0.04)], (70, 70, 72), 0.007)
    pen.circle(idler, 0.03, fill=(60, 60, 62))
    _chainring(pen, bb, 0.1, (170, 170, 175))
    foot = _crank(pen, bb, crank_angle, 0.16, (40, 40, 42), BLACK)
    return Seat(hip=_off(pan0, 0.05, 0.06), hand=_off(tiller_top, -0.06, 0.0), foot=foot, lean=_angle(pan0, back))


# --- motorcycle parts -------------------------------------------------------------------------------------------


def _moto_wheel(
    pen: Pen,
    c: Point,
    r: float,
    tyre: float,
    rng: np.random.Generator,
    *,
    style: str,
    rim: Colour,
    disc: float,
    knobby: bool = False,
    caliper: Colour = (40, 40, 42),
    caliper_angle: float = 45.0,
) -> None:
    """A fat tyre on an alloy (thick spokes) or wire-spoked rim, a brake disc and its caliper."""
    pen.circle(c, r, fill=TYRE)
    if knobby:
        n = int(2 * math.pi * r / 0.045)
        for i in range(n):
            a, k = 360 * i / n, 360 / n * 0.22
            pen.poly([_polar(c, r - 0.01, a - k), _polar(c, r + 0.022, a - k), _polar(c, r + 0.022, a + k),
                      _polar(c, r - 0.01, a + k)], TYRE)  # fmt: skip
    pen.circle(c, r - tyre * 0.93, outline=(45, 45, 48), width=0.006)  # the tyre's bead
    inner = r - tyre
    pen.circle(c, inner, fill=rim)
    lip = 0.018 if style != "disc" else 0.0
    if style != "disc":
        pen.circle(c, inner - lip, fill=SEE_THROUGH)
    phase = rng.uniform(0, 360)
    if style == "wire":
        n = int(rng.choice([28, 32, 36, 40]))
        px = max(1, round(pen.u * 0.0035))
        for i in range(n):
            a = phase + 360 * i / n
            lean = 20 if i % 2 else -20
            pen.hairline(_polar(c, 0.05, a), _polar(c, inner - lip, a + lean), (200, 200, 205), px)
        pen.circle(c, 0.06, fill=(170, 170, 175))
    elif style == "alloy":
        n = int(rng.choice([3, 5, 6, 7, 10]))
        w = 0.045 if n <= 5 else 0.03
        for i in range(n):
            pen.tube(_polar(c, 0.05, phase + 360 * i / n), _polar(c, inner - lip * 0.5, phase + 360 * i / n), rim, w)
        pen.circle(c, 0.07, fill=rim)
    else:  # a solid disc wheel (scooters, some cruisers)
        pen.circle(c, inner * 0.75, fill=_dark(rim, 0.15))
        for i in range(5):
            pen.circle(_polar(c, inner * 0.5, phase + 72 * i), inner * 0.12, fill=SEE_THROUGH)
    if disc > 0:
        pen.circle(c, disc, fill=(175, 175, 180), outline=(120, 120, 125), width=0.006)
        for i in range(10):
            pen.circle(_polar(c, disc * 0.75, phase + 36 * i), 0.008, fill=(90, 90, 95))
        pen.circle(c, disc * 0.55, fill=_dark(rim, 0.2))
        cal = _polar(c, disc * 0.85, caliper_angle)
        pen.ellipse(cal, 0.035, 0.05, fill=caliper)
    pen.circle(c, 0.035, fill=(80, 80, 85))
    pen.circle(c, 0.016, fill=(200, 200, 205))


def _fork(pen: Pen, axle: Point, top: Point, upper: Colour, lower: Colour, w: float, usd: bool = False) -> None:
    """A telescopic fork: sliders at the axle, stanchions above, the triple clamps at the top."""
    mid = _at(axle, top, 0.5 if not usd else 0.35)
    thick, thin = (w * 1.35, w) if not usd else (w, w * 1.35)
    pen.tube(mid, top, upper, thin)
    pen.tube(axle, mid, lower, thick)
    angle = _angle(axle, top)
    for t in (0.97, 0.86):
        q = _at(axle, top, t)
        pen.tube(_polar(q, 0.05, angle - 90), _polar(q, 0.04, angle + 90), (45, 45, 48), w * 0.8)


def _headlight(pen: Pen, c: Point, r: float, shell: Colour) -> None:
    """A round headlight seen from the side: the bowl, the lens rim forward."""
    pen.circle(c, r, fill=shell)
    pen.ellipse(_off(c, r * 0.55, 0.0), r * 0.35, r * 0.95, fill=(250, 246, 220))
    pen.ellipse(_off(c, r * 0.75, 0.0), r * 0.12, r * 0.8, fill=(255, 255, 245))


def _mirror(pen: Pen, grip: Point, back: bool = True) -> None:
    stalk = _off(grip, 0.04 if back else 0.1, 0.22)
    pen.tube(_off(grip, 0.03, 0.0), stalk, (40, 40, 42), 0.014)
    pen.ellipse(_off(stalk, 0.0, 0.025), 0.05, 0.035, fill=(30, 30, 32), outline=(150, 150, 155), width=0.006)


def _engine_block(pen: Pen, x0: float, x1: float, y0: float, top: float, rng: np.random.Generator) -> Point:
    """A crankcase with a finned cylinder block leaning forward and a round side cover; returns the exhaust port."""
    case = (70, 70, 75) if rng.random() < 0.5 else (150, 150, 155)
    fins = _dark(case, 0.35)
    ym = y0 + (top - y0) * 0.42
    pen.box(x0, y0, x1, ym, case, radius=0.07)
    lean = (top - ym) * 0.35
    x25, x30 = x0 + (x1 - x0) * 0.25, x0 + (x1 - x0) * 0.3
    pen.poly([(x25, ym - 0.02), (x1 - 0.01, ym - 0.02), (x1 + lean, top), (x30 + lean, top)], case)
    n = max(3, int((top - ym) / 0.035))
    for i in range(1, n):
        y = ym + (top - ym) * i / n
        t = (y - ym) / (top - ym)
        pen.tube((x0 + (x1 - x0) * 0.27 + lean * t, y), (x1 + lean * t + 0.02, y), fins, 0.009)
    pen.circle((x0 + (x1 - x0) * 0.3, y0 + (ym - y0) * 0.55), (ym - y0) * 0.38, fill=_light(case, 0.35))
    pen.circle((x1 - 0.06, y0 + 0.06), 0.045, fill=_dark(case, 0.2))
    return (x1 + lean * 0.5, ym + (top - ym) * 0.45)


def _exhaust(pen: Pen, port: Point, route: Sequence[Point], can: tuple[Point, Point], ink: Colour, w: float) -> None:
    pen.line([port, *route, can[0]], ink, w * 0.42)
    pen.capsule(can[0], can[1], ink, w)
    pen.tube(_at(can[0], can[1], 0.1), _at(can[0], can[1], 0.85), _light(ink, 0.35), w * 0.18)  # a highlight
    pen.circle(can[1], w * 0.22, fill=(40, 40, 42))


def _chain_drive(pen: Pen, front: Point, rear: Point, r_front: float, r_rear: float) -> None:
    ink = (60, 60, 62)
    pen.line([_off(front, 0, r_front), _off(rear, 0, r_rear)], ink, 0.016)
    pen.line([_off(front, 0, -r_front), _off(rear, 0, -r_rear)], ink, 0.016)
    pen.circle(rear, r_rear, outline=ink, width=0.018)


def _grip(pen: Pen, top: Point, rise: float, back: float, ink: Colour) -> Point:
    """A handlebar rising from the fork top; returns the grip."""
    grip = _off(top, -back, rise)
    pen.line([top, _off(top, -back * 0.3, rise), grip], ink, 0.025)
    pen.tube(_off(grip, 0.02, 0.0), _off(grip, -0.08, -0.005), BLACK, 0.04)
    return _off(grip, -0.04, 0.0)


def _digits(pen: Pen, c: Point, h: float, ink: Colour, rng: np.random.Generator) -> None:
    """A race number, two seven-segment digits."""
    segs = {0: "abcdef", 1: "bc", 2: "abged", 3: "abgcd", 4: "fgbc", 5: "afgcd", 6: "afgedc", 7: "abc", 8: "abcdefg",
            9: "abcfgd"}  # fmt: skip
    w = h * 0.45
    for k, digit in enumerate((int(rng.integers(1, 10)), int(rng.integers(0, 10)))):
        x = c[0] - w * 1.15 + k * w * 1.3
        y = c[1] - h / 2
        ends = {"a": ((0, h), (w, h)), "b": ((w, h), (w, h / 2)), "c": ((w, h / 2), (w, 0)), "d": ((0, 0), (w, 0)),
                "e": ((0, 0), (0, h / 2)), "f": ((0, h / 2), (0, h)), "g": ((0, h / 2), (w, h / 2))}  # fmt: skip
        for seg in segs[digit]:
            (ax, ay), (bx, by) = ends[seg]
            pen.tube((x + ax, y + ay), (x + bx, y + by), ink, h * 0.14)


@dataclass
class Moto:
    """Shared random choices for one motorcycle: its colours and wheel finish."""

    body: Colour
    second: Colour
    frame: Colour
    chrome: Colour
    rim: Colour
    seat: Colour
    exhaust: Colour

    @staticmethod
    def pick(rng: np.random.Generator) -> Moto:
        body = _paint(rng)
        chrome = _chrome(rng)
        return Moto(
            body=body,
            second=_paint(rng) if rng.random() < 0.5 else _light(body, 0.6),
            frame=BLACK if rng.random() < 0.5 else (_paint(rng) if rng.random() < 0.5 else (150, 150, 155)),
            chrome=chrome,
            rim=BLACK if rng.random() < 0.4 else (chrome if rng.random() < 0.6 else _paint(rng)),
            seat=BLACK if rng.random() < 0.75 else (_hsv(0.07, 0.6, rng.uniform(0.25, 0.5))),
            exhaust=chrome if rng.random() < 0.55 else ((45, 45, 48) if rng.random() < 0.5 else (150, 140, 130)),
        )


def _standard(pen: Pen, rng: np.random.Generator) -> Seat:
    """A standard (naked) motorcycle: exposed engine, tank, flat seat, round headlight."""
    m = Moto.pick(rng)
    r = _j(rng, 0.31, 0.05)
    tyre = r * _j(rng, 0.32)
    wb = _j(rng, 1.42, 0.05)
    rear, front = (0.0, r), (wb, r)
    axis = 90 + _j(rng, 25.0, 0.1)
    top = _polar(front, _j(rng, 0.8, 0.05), axis)
    head = _polar(front, 0.62, axis)
    pivot = (0.55, 0.44)
    _shadow(pen, -0.4, wb + r, rng)
    style = "wire" if rng.random() < 0.3 else "alloy"
    for c in (rear, front):
        _moto_wheel(pen, c, r, tyre, rng, style=style, rim=m.rim, disc=r * (0.62 if c == front else 0.45),
                    caliper_angle=40 if c == front else -130)  # fmt: skip
    pen.tube(rear, pivot, m.frame if rng.random() < 0.5 else (150, 150, 155), 0.06)
    _chain_drive(pen, (0.6, 0.36), rear, 0.05, 0.1)
    pen.tube((0.22, 0.47), (0.42, 0.82), (200, 170, 40) if rng.random() < 0.5 else (50, 50, 52), 0.05)  # shock
    if rng.random() < 0.5:  # radiator
        pen.box(head[0] - 0.16, 0.45, head[0] - 0.06, 0.82, (45, 45, 48), radius=0.02)
    port = _engine_block(pen, 0.5, _j(rng, 0.98, 0.03), 0.18, _j(rng, 0.82, 0.04), rng)
    pen.line([head, (0.85, 0.8), (0.58, 0.72), pivot], m.frame, 0.055)
    _fork(pen, front, top, m.chrome if rng.random() < 0.6 else (200, 160, 40), (50, 50, 52), 0.05)
    tank_top = _j(rng, 1.1, 0.04)
    pen.shape([(head[0] - 0.02, tank_top - 0.12), (head[0] - 0.22, tank_top), (0.72, tank_top - 0.02),
               (0.58, 0.93), (0.62, 0.82), (head[0] - 0.1, 0.84)], m.body)  # fmt: skip
    pen.shape([(head[0] - 0.12, tank_top - 0.08), (0.82, tank_top - 0.03), (0.72, tank_top - 0.08),
               (head[0] - 0.2, tank_top - 0.12)], _light(m.body, 0.45))  # fmt: skip
    pen.shape([(0.6, 0.93), (0.4, 0.95), (0.05, 0.96), (0.02, 0.88), (0.4, 0.86), (0.6, 0.84)], m.seat)
    pen.shape([(0.15, 0.87), (-0.27, 1.0), (-0.25, 0.9), (0.1, 0.78), (0.3, 0.76)], m.body)
    pen.box(-0.29, 0.92, -0.22, 0.97, (210, 30, 30), radius=0.01)
    pen.tube((-0.18, 0.88), (-0.3, 0.68), (40, 40, 42), 0.02)
    pen.box(-0.36, 0.6, -0.26, 0.72, (225, 225, 215))
    _exhaust(pen, port, [(port[0] + 0.06, 0.3), (0.75, 0.12), (0.35, 0.2)], ((0.32, 0.26), (-0.2, _j(rng, 0.5, 0.1))),
             m.exhaust, _j(rng, 0.12, 0.15))  # fmt: skip
    pen.arc(front, r + 0.04, 15, 110, m.body if rng.random() < 0.5 else BLACK, 0.045)
    pen.tube((0.44, 0.38), (0.36, 0.36), BLACK, 0.035)  # foot peg
    _headlight(pen, _off(top, 0.12, -0.07), _j(rng, 0.1), m.chrome if rng.random() < 0.5 else BLACK)
    grip = _grip(pen, top, _j(rng, 0.12, 0.3), 0.24, (40, 40, 42))
    _mirror(pen, grip)
    return Seat(hip=(0.32, 0.98), hand=grip, foot=(0.4, 0.38))


def _sport(pen: Pen, rng: np.random.Generator) -> Seat:
    """A sport bike: a full fairing over the engine, low clip-ons, a screen and an upswept tail hump."""
    m = Moto.pick(rng)
    r = _j(rng, 0.3, 0.03)
    tyre = r * 0.33
    wb = _j(rng, 1.4, 0.03)
    rear, front = (0.0, r), (wb, r)
    axis = 90 + _j(rng, 24.0, 0.05)
    top = _polar(front, _j(rng, 0.74, 0.04), axis)
    _shadow(pen, -0.4, wb + r, rng)
    for c in (rear, front):
        _moto_wheel(pen, c, r, tyre, rng, style="alloy", rim=m.rim, disc=r * (0.66 if c == front else 0.42),
                    caliper=(200, 30, 30) if rng.random() < 0.4 else (200, 160, 40),
                    caliper_angle=35 if c == front else -140)  # fmt: skip
    arm = (170, 170, 175) if rng.random() < 0.6 else BLACK
    pen.poly([(-0.02, r + 0.03), (0.6, 0.48), (0.62, 0.38), (0.02, r - 0.03)], arm)  # the swingarm
    _chain_drive(pen, (0.58, 0.38), rear, 0.05, 0.1)
    pen.box(0.5, 0.2, 0.95, 0.55, (45, 45, 48), radius=0.06)  # the engine, mostly hidden
    if rng.random() < 0.5:  # a short stubby can beside the rear wheel
        _exhaust(pen, (0.62, 0.22), [(0.45, 0.18)], ((0.38, 0.28), (0.08, 0.45)), m.exhaust, 0.11)
    _fork(pen, front, top, (200, 160, 40) if rng.random() < 0.5 else m.chrome, (40, 40, 42), 0.05, usd=True)
    pen.poly([(top[0] - 0.05, 0.88), (0.55, 0.78), (0.55, 0.62), (top[0] - 0.1, 0.72)], (170, 170, 175))  # spar
    nose = (top[0] + _j(rng, 0.3, 0.08), _j(rng, 0.8, 0.03))
    fairing = [
        nose, (top[0] + 0.18, 0.95), (top[0] + 0.02, 1.0), (0.95, 0.86), (0.68, 0.74), (0.56, 0.52), (0.6, 0.24),
        (0.78, 0.15), (1.0, 0.16), _polar(front, r + 0.06, 200), _polar(front, r + 0.07, 150),
        _polar(front, r + 0.08, 105), (nose[0] - 0.03, nose[1] - 0.07),
    ]  # fmt: skip
    pen.shape(fairing, m.body)
    stripe = [(0.62, 0.45), (0.9, 0.62), (top[0], 0.76), (top[0] + 0.05, 0.7), (0.9, 0.55), (0.64, 0.36)]
    pen.shape(stripe, m.second)
    pen.shape([(0.75, 0.3), (0.95, 0.3), (1.0, 0.4), (0.78, 0.4)], (30, 30, 32))  # a vent
    pen.poly([(nose[0] - 0.01, nose[1] + 0.01), (nose[0] - 0.14, nose[1] + 0.09), (nose[0] - 0.2, nose[1] + 0.06),
              (nose[0] - 0.08, nose[1] - 0.02)], (235, 235, 225))  # a slanted headlight  # fmt: skip
    screen = [(top[0] + 0.18, 0.95), (top[0] - 0.04, _j(rng, 1.14, 0.03)), (top[0] - 0.12, 1.1), (top[0] + 0.02, 1.0)]
    pen.poly(screen, (55, 65, 80, 225))
    pen.shape([(top[0], 1.0), (top[0] - 0.25, 1.07), (0.68, 1.03), (0.6, 0.9), (0.85, 0.8)], m.body)  # tank
    tail = (-_j(rng, 0.2, 0.15), _j(rng, 1.02, 0.03))
    ridge = _smooth([(0.58, 0.8), (0.3, 0.86), (0.05, 0.95)], 4, closed=False)
    pen.poly([*ridge, tail, (tail[0] + 0.03, tail[1] - 0.06), (0.05, 0.84), (0.3, 0.73), (0.58, 0.7)], m.body)
    pen.poly([(0.25, 0.9), (0.0, 0.97), (0.02, 0.93), (0.25, 0.86)], m.second)
    pen.shape([(0.64, 0.92), (0.45, 0.88), (0.3, 0.9), (0.3, 0.85), (0.62, 0.83)], m.seat)
    pen.box(tail[0] - 0.01, tail[1] - 0.06, tail[0] + 0.06, tail[1] - 0.02, (210, 30, 30), radius=0.01)
    pen.tube((0.0, 0.82), (-0.1, 0.66), (40, 40, 42), 0.02)
    grip = _off(top, -0.18, -0.02)
    pen.tube(_off(top, 0.0, -0.02), grip, (40, 40, 42), 0.03)
    pen.tube(_off(grip, 0.04, 0), _off(grip, -0.04, 0), BLACK, 0.04)
    pen.tube((top[0] + 0.02, 0.95), (top[0] + 0.06, 1.02), BLACK, 0.012)
    pen.ellipse((top[0] + 0.07, 1.03), 0.045, 0.03, fill=m.body)
    if rng.random() < 0.4:
        pen.circle((0.8, 0.5), 0.11, fill=(240, 240, 235))
        _digits(pen, (0.8, 0.5), 0.11, BLACK, rng)
    pen.tube((0.4, 0.5), (0.32, 0.48), BLACK, 0.03)
    return Seat(hip=(0.38, 0.92), hand=grip, foot=(0.36, 0.5))


def _cruiser(pen: Pen, rng: np.random.Generator) -> Seat:
    """A cruiser or chopper: long and low, a raked fork, high bars, a teardrop tank, a chrome V-twin."""
    m = Moto.pick(rng)
    chopper = rng.random() < 0.35
    rr, fr = _j(rng, 0.32, 0.04), _j(rng, 0.36 if chopper else 0.32, 0.04)
    wb = _j(rng, 1.85 if chopper else 1.65, 0.04)
    rear, front = (0.0, rr), (wb, fr)
    axis = 90 + _j(rng, 40.0 if chopper else 32.0, 0.07)
    fork_len = _j(rng, 1.2 if chopper else 0.95, 0.05)
    top = _polar(front, fork_len, axis)
    head = _polar(front, fork_len * 0.82, axis)
    _shadow(pen, -0.4, wb + fr, rng)
    style = "wire" if rng.random() < 0.6 else ("disc" if rng.random() < 0.4 else "alloy")
    _moto_wheel(pen, rear, rr, rr * 0.36, rng, style=style, rim=m.chrome, disc=rr * 0.5, caliper_angle=-130)
    _moto_wheel(pen, front, fr, fr * (0.2 if chopper else 0.28), rng, style=style, rim=m.chrome, disc=fr * 0.55)
    pen.tube(rear, (0.45, 0.4), m.frame, 0.05)
    pen.tube((0.1, 0.5), (0.3, 0.72), m.chrome, 0.05)
    vx = _j(rng, 0.85, 0.05)
    pen.line([head, (vx + 0.4, 0.2), (0.4, 0.2), (0.35, 0.65), rear], m.frame, 0.045)
    pen.line([head, (0.9, 0.78), (0.35, 0.68)], m.frame, 0.05)
    # the V-twin: two finned cylinders in a V over a chrome crankcase
    case = m.chrome if rng.random() < 0.6 else (60, 60, 65)
    pen.box(vx - 0.28, 0.18, vx + 0.25, 0.45, case, radius=0.08)
    for lean in (-28.0, 28.0):
        base = _off((vx, 0.44), 0.1 * math.sin(math.radians(lean)), 0)
        d = 90 - lean
        end = _polar(base, 0.33, d)
        pen.tube(base, end, (60, 60, 65), 0.16)
        for k in range(1, 7):
            q = _polar(base, 0.33 * k / 7, d)
            pen.tube(_polar(q, 0.1, d + 90), _polar(q, 0.1, d - 90), (120, 120, 125), 0.012)
        pen.tube(_polar(end, -0.02, d), _polar(end, 0.05, d), m.chrome, 0.19)
    pen.circle((vx + 0.05, 0.62), 0.09, fill=m.chrome, outline=(120, 120, 125), width=0.01)  # air cleaner
    low = _j(rng, 0.22, 0.1)
    for k, lean in enumerate((28.0, -28.0)):
        port = _polar((vx, 0.44), 0.28, 90 - lean)
        y = low + 0.08 * k
        pen.line([port, (port[0] + 0.08 * (1 if lean > 0 else -1), y + 0.05), (0.3, y)], m.exhaust, 0.055)
        pen.tube((0.3, y), (-0.3, y + 0.04), m.exhaust, 0.07)
    rf = _j(rng, 0.12, 0.3)
    pen.band(rear, rr + 0.02, rr + rf, 10, 190, m.body)
    if not chopper:
        pen.band(front, fr + 0.02, fr + 0.09, -10, 150, m.body)
    _fork(pen, front, top, m.chrome, m.chrome, 0.055)
    tank = (_j(rng, 1.0, 0.04), 0.86)
    pen.shape([(tank[0] + 0.25, tank[1] - 0.02), (tank[0], tank[1] + 0.14), (tank[0] - 0.3, tank[1] + 0.04),
               (tank[0] - 0.28, tank[1] - 0.07), (tank[0] + 0.1, tank[1] - 0.08)], m.body)  # fmt: skip
    pen.shape([(tank[0] + 0.1, tank[1] + 0.04), (tank[0] - 0.02, tank[1] + 0.1), (tank[0] - 0.2, tank[1] + 0.04),
               (tank[0], tank[1] + 0.02)], _light(m.body, 0.5))  # fmt: skip
    pen.shape([(0.68, 0.78), (0.45, 0.7), (0.18, 0.72), (0.02, 0.86), (0.0, 0.74), (0.3, 0.62), (0.66, 0.68)], m.seat)
    if rng.random() < 0.4:  # a sissy bar
        pen.line([(0.08, 0.7), (-0.05, 1.2), (0.05, 1.22), (0.12, 0.75)], m.chrome, 0.022)
    if rng.random() < 0.4:  # leather saddlebags
        pen.box(-0.25, 0.45, 0.2, 0.74, _hsv(0.07, 0.6, rng.uniform(0.15, 0.4)), radius=0.06)
    rise = _j(rng, 0.4 if rng.random() < 0.3 else 0.22, 0.15)
    grip = _off(top, -0.3, rise)
    pen.line([_off(top, 0.0, 0.0), _off(top, -0.05, rise), grip], m.chrome, 0.026)
    pen.tube(_off(grip, 0.03, 0.0), _off(grip, -0.07, -0.005), BLACK, 0.042)
    _headlight(pen, _off(top, 0.14, -0.1), _j(rng, 0.13, 0.1), m.chrome)
    _mirror(pen, grip)
    peg = (vx + 0.38, 0.34)
    pen.tube(_off(peg, -0.05, 0), _off(peg, 0.05, 0), BLACK, 0.035)
    return Seat(hip=(0.38, 0.76), hand=_off(grip, -0.03, 0.0), foot=peg)


def _dirt(pen: Pen, rng: np.random.Generator) -> Seat:
    """A dirt or motocross bike: tall, knobby tyres, a high front fender, number plates, a long thin seat."""
    m = Moto.pick(rng)
    fr, rr = _j(rng, 0.36, 0.03), _j(rng, 0.34, 0.03)
    wb = _j(rng, 1.48, 0.04)
    rear, front = (0.0, rr), (wb, fr)
    axis = 90 + _j(rng, 27.0, 0.05)
    top = _polar(front, _j(rng, 1.0, 0.04), axis)
    clamp = _polar(front, 0.75, axis)
    plastic = _bright(rng) if rng.random() < 0.7 else (240, 240, 240)
    accent = _paint(rng) if rng.random() < 0.5 else (240, 240, 240)
    _shadow(pen, -0.45, wb + fr, rng)
    rim = BLACK if rng.random() < 0.5 else ((200, 170, 40) if rng.random() < 0.3 else m.chrome)
    _moto_wheel(pen, rear, rr, rr * 0.3, rng, style="wire", rim=rim, disc=0.11, knobby=True, caliper_angle=-120)
    _moto_wheel(pen, front, fr, fr * 0.24, rng, style="wire", rim=rim, disc=0.13, knobby=True)
    pivot = (0.6, 0.52)
    pen.poly([(-0.02, rr + 0.03), pivot, (0.62, 0.44), (0.02, rr - 0.03)], (175, 175, 180))
    _chain_drive(pen, (0.64, 0.46), rear, 0.05, 0.11)
    pen.tube((0.45, 0.56), (0.52, 0.95), (230, 190, 40) if rng.random() < 0.5 else (210, 40, 30), 0.06)
    pen.shape([(0.62, 0.3), (0.95, 0.26), (1.0, 0.36), (0.64, 0.4)], (60, 60, 62))  # skid plate
    port = _engine_block(pen, 0.6, 0.95, 0.3, _j(rng, 0.8, 0.03), rng)
    pen.line([clamp, (port[0] + 0.05, 0.35), (0.62, 0.3), pivot, (0.55, 1.0)], m.frame, 0.04)
    pen.line([port, (port[0] + 0.1, port[1] - 0.05), (port[0] + 0.1, 0.5), (0.7, 0.62), (0.45, 0.78)], m.exhaust,
             0.045)  # fmt: skip
    _exhaust(pen, (0.45, 0.78), [], ((0.42, 0.8), (-0.18, 0.98)), (185, 185, 190) if rng.random() < 0.6 else BLACK,
             0.1)  # fmt: skip
    _fork(pen, front, top, (200, 160, 40) if rng.random() < 0.6 else (40, 40, 42), m.chrome, 0.05, usd=True)
    # shrouds and tank, then the long flat seat and the rear fender kicking up
    pen.shape([(clamp[0] + 0.05, 1.02), (0.85, 1.12), (0.68, 0.95), (0.8, 0.7), (clamp[0] - 0.05, 0.76)], plastic)
    pen.shape([(0.95, 0.98), (0.78, 0.92), (0.85, 0.8), (1.0, 0.86)], accent)
    seat_y = _j(rng, 1.1, 0.03)
    pen.shape([(0.95, seat_y + 0.03), (0.5, seat_y + 0.05), (0.02, seat_y + 0.03), (0.02, seat_y - 0.03),
               (0.5, seat_y - 0.03), (0.92, seat_y - 0.05)], m.seat if rng.random() < 0.6 else plastic)  # fmt: skip
    pen.shape([(0.15, seat_y - 0.03), (-0.45, seat_y + 0.06), (-0.43, seat_y + 0.01), (0.1, seat_y - 0.12)], plastic)
    pen.shape([(0.22, seat_y - 0.05), (0.55, seat_y - 0.05), (0.5, seat_y - 0.25), (0.28, seat_y - 0.22)],
              (245, 245, 240))  # fmt: skip
    _digits(pen, (0.4, seat_y - 0.14), 0.12, BLACK, rng)
    fender = _polar(front, 0.55, axis)
    pen.shape([_off(fender, -0.25, -0.02), _off(fender, 0.15, 0.04), _off(fender, 0.45, -0.03),
               _off(fender, 0.42, -0.07), _off(fender, 0.1, -0.04), _off(fender, -0.22, -0.07)], plastic)  # fmt: skip
    plate = _off(top, 0.07, -0.12)
    pen.shape([_off(plate, -0.02, 0.13), _off(plate, 0.06, 0.1), _off(plate, 0.07, -0.1), _off(plate, -0.02, -0.12)],
              plastic)  # fmt: skip
    grip = _grip(pen, top, _j(rng, 0.1, 0.3), 0.2, (40, 40, 42))
    pen.tube(_off(top, -0.06, 0.08), _off(top, 0.0, 0.08), (40, 40, 42), 0.02)
    peg = (0.52, 0.5)
    pen.tube(_off(peg, -0.04, 0), _off(peg, 0.05, 0), (150, 150, 155), 0.04)
    return Seat(hip=(0.55, seat_y + 0.08), hand=grip, foot=peg)


def _touring(pen: Pen, rng: np.random.Generator) -> Seat:
    """A tourer: a big fairing and windshield, panniers and a top box, a stepped seat, a big engine."""
    m = Moto.pick(rng)
    r = _j(rng, 0.32, 0.03)
    wb = _j(rng, 1.65, 0.03)
    rear, front = (0.0, r), (wb, r)
    axis = 90 + _j(rng, 27.0, 0.05)
    top = _polar(front, 0.82, axis)
    _shadow(pen, -0.5, wb + r, rng)
    for c in (rear, front):
        _moto_wheel(pen, c, r, r * 0.34, rng, style="alloy", rim=m.rim, disc=r * (0.62 if c == front else 0.5),
                    caliper_angle=40 if c == front else -130)  # fmt: skip
    pen.tube(rear, (0.6, 0.42), (60, 60, 65), 0.07)
    port = _engine_block(pen, 0.55, 1.12, 0.2, 0.78, rng)
    _exhaust(pen, port, [(port[0] + 0.05, 0.25), (0.8, 0.14), (0.4, 0.2)], ((0.35, 0.25), (-0.3, 0.38)), m.chrome,
             0.13)  # fmt: skip
    _fork(pen, front, top, (50, 50, 52), (50, 50, 52), 0.06)
    pen.band(front, r + 0.02, r + 0.07, 0, 120, m.body)
    pen.line([(1.2, 0.2), (1.3, 0.45), (1.15, 0.62)], m.chrome, 0.03)  # crash bar
    # panniers, top box, stepped seat with backrest, tank, fairing and screen
    pan = m.body if rng.random() < 0.7 else BLACK
    pen.box(-0.32, 0.36, 0.34, _j(rng, 0.86, 0.04), pan, radius=0.07)
    pen.box(-0.3, 0.6, 0.32, 0.62, _dark(pan, 0.4))
    pen.box(-0.26, 0.74, -0.14, 0.78, (210, 40, 30), radius=0.01)
    pen.shape([(0.8, 0.95), (0.55, 0.88), (0.4, 0.92), (0.3, 1.0), (-0.05, 1.0), (0.0, 0.88), (0.75, 0.8)], m.seat)
    if rng.random() < 0.8:
        pen.box(-0.48, 0.96, 0.04, _j(rng, 1.3, 0.04), pan, radius=0.07)
    pen.shape([(1.15, 0.95), (0.92, 1.05), (0.78, 0.92), (0.95, 0.8), (1.2, 0.8)], m.body)
    fair = [
        (top[0] + 0.2, 0.9), (top[0] + 0.1, 1.08), (top[0] - 0.15, 1.12), (top[0] - 0.35, 0.98),
        (top[0] - 0.45, 0.62), (top[0] - 0.3, 0.5), _polar(front, r + 0.06, 110), (top[0] + 0.12, 0.75),
    ]  # fmt: skip
    pen.shape(fair, m.body)
    pen.shape([(top[0] + 0.18, 0.86), (top[0] + 0.08, 0.94), (top[0] - 0.06, 0.9), (top[0] + 0.1, 0.83)],
              (240, 240, 230))  # fmt: skip
    sh = _j(rng, 1.5, 0.05)
    pen.poly([(top[0] + 0.1, 1.07), (top[0] - 0.12, sh), (top[0] - 0.22, sh - 0.04), (top[0] - 0.15, 1.1)],
             (150, 170, 190, 120))  # fmt: skip
    pen.line([(top[0] + 0.1, 1.07), (top[0] - 0.12, sh), (top[0] - 0.22, sh - 0.04)], (40, 40, 45), 0.01)
    pen.ellipse((top[0] + 0.02, 1.15), 0.06, 0.035, fill=m.body)  # mirror on the fairing
    grip = _off(top, -0.3, 0.12)
    pen.tube(_off(top, -0.2, 0.1), grip, BLACK, 0.04)
    board = (1.0, 0.32)
    pen.box(board[0] - 0.08, 0.3, board[0] + 0.08, 0.34, BLACK)
    return Seat(hip=(0.58, 0.98), hand=grip, foot=board)


def _scooter(pen: Pen, rng: np.random.Generator) -> Seat:
    """A scooter: small wheels, a step-through floorboard, a leg shield and a body over the engine."""
    m = Moto.pick(rng)
    r = _j(rng, 0.22, 0.08)
    wb = _j(rng, 1.28, 0.04)
    rear, front = (0.0, r), (wb, r)
    _shadow(pen, -0.35, wb + r, rng)
    _moto_wheel(pen, rear, r, r * 0.36, rng, style="alloy" if rng.random() < 0.6 else "disc", rim=m.rim, disc=0.0)
    _moto_wheel(pen, front, r, r * 0.36, rng, style="alloy", rim=m.rim, disc=r * 0.55, caliper_angle=150)
    pen.capsule((0.05, 0.14), (-0.3, 0.3), m.exhaust, 0.09)  # muffler
    floor_y = _j(rng, 0.3, 0.08)
    shield_x = wb - _j(rng, 0.36, 0.06)
    bar = (shield_x + 0.02, _j(rng, 1.05, 0.04))
    pen.tube(front, (wb - 0.12, 0.62), (60, 60, 62), 0.05)
    # body over the rear wheel, floorboard, leg shield
    pen.shape([(0.38, floor_y), (0.6, 0.5), (0.55, 0.74), (0.1, 0.8), (-0.3, 0.78), (-0.38, 0.62),
               (-0.2, r * 2 + 0.06), (0.12, r * 2 + 0.08), (0.3, floor_y + 0.05)], m.body)  # fmt: skip
    pen.box(0.35, floor_y - 0.06, shield_x + 0.05, floor_y, (45, 45, 48), radius=0.02)
    pen.box(0.35, floor_y, shield_x + 0.02, floor_y + 0.015, (90, 90, 92))
    pen.shape([(shield_x - 0.02, floor_y - 0.04), (shield_x + 0.12, floor_y + 0.1), (wb - 0.06, 0.62),
               (shield_x + 0.15, 0.95), (bar[0], bar[1] - 0.05), (shield_x - 0.08, 0.9), (shield_x - 0.08, 0.5)],
              m.body)  # fmt: skip
    if rng.random() < 0.6:  # a fender on the fork (classic), else the cowl covers it
        pen.band(front, r + 0.02, r + 0.08, -5, 135, m.body)
    pen.box(0.0, 0.12, 0.42, 0.36, (150, 150, 155) if rng.random() < 0.5 else (60, 60, 64), radius=0.1)  # CVT case
    pen.shape([(0.58, 0.76), (0.4, 0.82), (0.0, 0.84), (-0.22, 0.8), (-0.18, 0.75), (0.5, 0.72)], m.seat)
    pen.box(-0.4, 0.64, -0.33, 0.72, (210, 30, 30), radius=0.01)
    if rng.random() < 0.4:
        pen.tube((-0.32, 0.82), (0.0, 0.85), (60, 60, 62), 0.02)  # a rear rack
    pen.shape([_off(bar, 0.1, 0.0), _off(bar, 0.0, 0.07), _off(bar, -0.15, 0.05), _off(bar, -0.1, -0.03)],
              m.body if rng.random() < 0.6 else (40, 40, 42))  # fmt: skip
    pen.ellipse(_off(bar, 0.09, 0.01), 0.025, 0.04, fill=(250, 246, 220))
    grip = _off(bar, -0.2, 0.03)
    pen.tube(_off(bar, -0.1, 0.03), grip, BLACK, 0.04)
    _mirror(pen, _off(grip, 0.08, 0.0))
    return Seat(hip=(0.25, 0.9), hand=grip, foot=(shield_x - 0.2, floor_y + 0.02))


def _moped(pen: Pen, rng: np.random.Generator) -> Seat:
    """A moped: a step-through frame, thin spoked wheels, a small engine and exhaust, pedals and a chain."""
    m = Moto.pick(rng)
    r = _j(rng, 0.28, 0.06)
    wb = _j(rng, 1.15, 0.04)
    rear, front = (0.0, r), (wb, r)
    axis = 90 + _j(rng, 22.0, 0.1)
    top = _polar(front, _j(rng, 0.78, 0.05), axis)
    head = _polar(front, 0.58, axis)
    _shadow(pen, -0.35, wb + r, rng)
    crank_angle = rng.uniform(0, 360)
    bb = (0.45, 0.3)
    _crank(pen, bb, crank_angle + 180, 0.15, (70, 70, 72), (50, 50, 52))
    for c in (rear, front):
        _moto_wheel(pen, c, r, r * 0.2, rng, style="wire", rim=m.chrome, disc=0.0)
    for c in (rear, front):
        pen.band(c, r + 0.015, r + 0.045, 10 if c == rear else -10, 190 if c == rear else 160, m.body)
    seat_post = (0.22, 0.75)
    pen.line([head, (0.62, 0.36), (0.35, 0.38), seat_post], m.body, _j(rng, 0.08, 0.2))
    pen.tube(rear, (0.35, 0.38), m.body, 0.035)
    pen.tube(rear, (0.2, 0.7), m.body, 0.03)
    case = (150, 150, 155)
    pen.box(0.28, 0.12, 0.62, 0.34, case, radius=0.06)
    pen.poly([(0.5, 0.3), (0.62, 0.3), (0.74, 0.5), (0.6, 0.52)], case)
    for k in range(1, 5):
        y = 0.3 + 0.05 * k
        pen.tube((0.5 + 0.06 * k, y), (0.63 + 0.06 * k, y), _dark(case, 0.35), 0.01)
    _exhaust(pen, (0.7, 0.45), [(0.75, 0.3), (0.6, 0.1), (0.3, 0.1)], ((0.25, 0.12), (-0.2, 0.28)), m.chrome, 0.08)
    _fork(pen, front, top, m.chrome, (50, 50, 52), 0.04)
    if rng.random() < 0.6:  # a small tank on the frame
        pen.shape([(0.5, 0.82), (0.3, 0.86), (0.22, 0.78), (0.45, 0.74)], m.second)
    pen.tube((-0.15, 2 * r + 0.1), seat_post, (50, 50, 52), 0.02)  # a luggage rack
    pen.tube((-0.12, 2 * r + 0.1), rear, (50, 50, 52), 0.015)
    seat = _off(seat_post, 0.0, 0.08)
    pen.tube(seat_post, seat, (50, 50, 52), 0.03)
    pen.shape([_off(seat, -0.18, 0.04), _off(seat, 0.08, 0.03), _off(seat, 0.14, 0.0), _off(seat, -0.17, -0.03)],
              m.seat)  # fmt: skip
    _chain(pen, bb, 0.08, rear, 0.05, False)
    _chainring(pen, bb, 0.08, (160, 160, 165))
    foot = _crank(pen, bb, crank_angle, 0.15, (40, 40, 42), BLACK)
    _headlight(pen, _off(top, 0.1, -0.08), 0.08, m.chrome if rng.random() < 0.5 else m.body)
    grip = _grip(pen, top, 0.12, 0.22, (40, 40, 42))
    _mirror(pen, grip)
    return Seat(hip=_off(seat, -0.05, 0.08), hand=grip, foot=foot)


def _adventure(pen: Pen, rng: np.random.Generator) -> Seat:
    """An adventure bike: tall, a big front wheel, a beak, a tall screen, crash bars and aluminium panniers."""
    m = Moto.pick(rng)
    fr, rr = _j(rng, 0.36, 0.03), _j(rng, 0.33, 0.03)
    wb = _j(rng, 1.56, 0.03)
    rear, front = (0.0, rr), (wb, fr)
    axis = 90 + _j(rng, 26.0, 0.05)
    top = _polar(front, _j(rng, 0.98, 0.03), axis)
    _shadow(pen, -0.45, wb + fr, rng)
    style = "wire" if rng.random() < 0.6 else "alloy"
    knobby = rng.random() < 0.5
    _moto_wheel(pen, rear, rr, rr * 0.33, rng, style=style, rim=m.rim, disc=0.12, knobby=knobby, caliper_angle=-130)
    _moto_wheel(pen, front, fr, fr * 0.27, rng, style=style, rim=m.rim, disc=0.15, knobby=knobby)
    pen.poly([(-0.02, rr + 0.03), (0.6, 0.5), (0.62, 0.4), (0.02, rr - 0.03)], (60, 60, 65))
    port = _engine_block(pen, 0.58, 1.08, 0.26, 0.78, rng)
    pen.shape([(0.6, 0.24), (1.05, 0.2), (1.15, 0.32), (0.62, 0.3)], (175, 175, 180))  # skid plate
    pen.line([(1.16, 0.3), (1.25, 0.55), (1.1, 0.75), (0.95, 0.8)], m.frame, 0.03)  # crash bars
    _exhaust(pen, port, [(port[0] + 0.05, 0.3), (0.6, 0.24), (0.4, 0.45)], ((0.35, 0.5), (-0.12, 0.78)),
             (185, 185, 190) if rng.random() < 0.6 else BLACK, 0.12)  # fmt: skip
    _fork(pen, front, top, (200, 160, 40) if rng.random() < 0.4 else (50, 50, 52), m.chrome, 0.055, usd=True)
    pen.band(front, fr + 0.02, fr + 0.06, 30, 110, BLACK)
    case = (190, 190, 195) if rng.random() < 0.6 else (35, 35, 38)
    if rng.random() < 0.7:
        pen.box(-0.36, 0.42, 0.3, 0.92, case, radius=0.03)
        pen.box(-0.36, 0.86, 0.3, 0.92, _dark(case, 0.3), radius=0.01)
    seat_y = _j(rng, 1.02, 0.03)
    pen.shape([(0.78, seat_y), (0.5, seat_y - 0.02), (0.15, seat_y + 0.06), (-0.15, seat_y + 0.08),
               (-0.12, seat_y - 0.02), (0.5, seat_y - 0.1)], m.seat)  # fmt: skip
    pen.shape([(0.15, seat_y), (-0.32, seat_y + 0.04), (-0.3, seat_y - 0.06), (0.15, seat_y - 0.1)], m.body)
    tank_top = seat_y + 0.18
    pen.shape([(1.25, 1.0), (1.05, tank_top), (0.8, tank_top - 0.04), (0.72, seat_y - 0.05), (0.85, 0.82),
               (1.2, 0.78)], m.body)  # fmt: skip
    pen.shape([(1.1, 0.95), (0.95, 1.02), (0.85, 0.9), (1.05, 0.86)], m.second)
    beak = (top[0] + _j(rng, 0.32, 0.1), top[1] - 0.3)
    pen.shape([(top[0] - 0.05, top[1] - 0.1), (top[0] + 0.15, top[1] - 0.05), beak, (beak[0] - 0.08, beak[1] - 0.02),
               (top[0] - 0.02, top[1] - 0.24)], m.body)  # fmt: skip
    pen.shape([(top[0] + 0.12, top[1] + 0.0), (top[0] + 0.05, top[1] + 0.06), (top[0] - 0.02, top[1] - 0.02),
               (top[0] + 0.09, top[1] - 0.05)], (240, 240, 230))  # fmt: skip
    sh = top[1] + _j(rng, 0.35, 0.1)
    pen.poly([(top[0] + 0.06, top[1] + 0.05), (top[0] - 0.08, sh), (top[0] - 0.16, sh - 0.02),
              (top[0] - 0.08, top[1] + 0.05)], (90, 110, 130, 150))  # fmt: skip
    grip = _grip(pen, _off(top, -0.12, 0.0), 0.1, 0.2, (40, 40, 42))
    _mirror(pen, grip)
    peg = (0.55, 0.45)
    pen.tube(_off(peg, -0.04, 0), _off(peg, 0.05, 0), (150, 150, 155), 0.04)
    return Seat(hip=(0.5, seat_y + 0.08), hand=grip, foot=peg)


# --- riders -----------------------------------------------------------------------------------------------------


def _joint(a: Point, b: Point, l1: float, l2: float, bend: float) -> Point:
    """The knee or elbow between a and b (two-link inverse kinematics); bend +1 bends it forward, -1 down."""
    d = min(max(_dist(a, b), abs(l1 - l2) + 1e-3), l1 + l2 - 1e-3)
    cos_a = (l1 * l1 + d * d - l2 * l2) / (2 * l1 * d)
    return _polar(a, l1, _angle(a, b) + bend * math.degrees(math.acos(min(1.0, max(-1.0, cos_a)))))


def _rider(pen: Pen, seat: Seat, rng: np.random.Generator, helmet: bool) -> None:
    """A rider silhouette: a leg to the pedal or peg, a torso leaning to the bars, an arm, a head or helmet."""
    k = seat.size * _j(rng, 1.0, 0.05)
    thigh, shin, torso, upper, fore = 0.43 * k, 0.46 * k, 0.55 * k, 0.3 * k, 0.3 * k
    clothes, legs = _paint(rng, 0.4), _paint(rng, 0.6)
    skin = _hsv(0.07, rng.uniform(0.25, 0.6), rng.uniform(0.35, 0.95))
    hip, hand = seat.hip, seat.hand
    if seat.lean is not None:
        lean = seat.lean
    else:  # lean until the shoulder is a slightly bent arm's reach from the hands
        reach = (upper + fore) * 0.92
        lean = min(range(20, 105, 5), key=lambda a: abs(_dist(_polar(hip, torso, a), hand) - reach))
    shoulder = _polar(hip, torso, lean)
    knee = _joint(hip, seat.foot, thigh, shin, 1.0)
    pen.line([hip, knee, seat.foot], legs, 0.11 * k)
    pen.ellipse(_off(seat.foot, 0.02, 0.0), 0.07 * k, 0.035 * k, fill=BLACK)
    pen.line([hip, shoulder], clothes, 0.2 * k)
    pen.circle(hip, 0.09 * k, fill=legs)
    elbow = _joint(shoulder, hand, upper, fore, -1.0)
    pen.line([shoulder, elbow, hand], _dark(clothes, 0.15), 0.075 * k)
    pen.circle(hand, 0.035 * k, fill=BLACK if helmet else skin)
    neck = _polar(shoulder, 0.1 * k, lean - 15)
    head = _polar(neck, 0.1 * k, 80)
    if helmet:  # a full-face helmet with a dark visor
        shell = _paint(rng, 0.4)
        pen.circle(head, 0.14 * k, fill=shell)
        pen.shape([_off(head, 0.02 * k, 0.04 * k), _off(head, 0.14 * k, 0.03 * k), _off(head, 0.13 * k, -0.04 * k),
                   _off(head, 0.03 * k, -0.02 * k)], (25, 28, 35))  # fmt: skip
    else:
        pen.circle(head, 0.1 * k, fill=skin)
        if rng.random() < 0.6:  # a cycling helmet
            pen.shape([_off(head, -0.12 * k, 0.0), _off(head, 0.0, 0.12 * k), _off(head, 0.12 * k, 0.02 * k),
                       _off(head, 0.0, 0.04 * k)], _bright(rng))  # fmt: skip
        else:
            pen.shape([_off(head, -0.11 * k, -0.02 * k), _off(head, 0.0, 0.11 * k), _off(head, 0.1 * k, 0.04 * k),
                       _off(head, -0.02 * k, 0.03 * k)], _hsv(0.08, 0.5, rng.uniform(0.05, 0.6)))  # fmt: skip


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


def _perspective(dest: Sequence[Point], src: Sequence[Point]) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE coefficients mapping each output (dest) corner to its input (src) corner."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dest, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return tuple(float(c) for c in np.linalg.solve(np.asarray(rows, np.float64), np.asarray(rhs, np.float64)))


def _photo(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Exposure, contrast, a colour cast, blur, grain and JPEG softening, as a camera and its upload would."""
    if rng.random() < 0.35:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    pixels = np.asarray(image, np.float32)
    mean = pixels.mean()
    contrast, bright = rng.uniform(0.75, 1.25), rng.uniform(-30, 30)
    cast = rng.uniform(0.92, 1.08, 3).astype(np.float32)
    pixels = ((pixels - mean) * contrast + mean + bright) * cast
    grain = rng.uniform(0, 8)
    if grain > 1:
        pixels += rng.normal(0.0, grain, (*pixels.shape[:2], 1)).astype(np.float32)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    if rng.random() < 0.5:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=int(rng.integers(30, 90)))
        buffer.seek(0)
        image = Image.open(buffer).convert("RGB")
    return image


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
