"""Motorcycles of every kind: wheels, forks, engines, exhausts; standard, sport, cruiser, dirt, touring,
scooter, moped and adventure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from training.drawn.bicycles import _chain, _chainring, _crank
from training.drawn.pen import (
    BLACK,
    SEE_THROUGH,
    TYRE,
    Colour,
    Pen,
    Point,
    Seat,
    _angle,
    _at,
    _bright,
    _chrome,
    _dark,
    _hsv,
    _j,
    _light,
    _off,
    _paint,
    _polar,
    _shadow,
    _smooth,
)

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
