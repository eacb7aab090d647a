"""Bicycles of every kind: wheels, drivetrain, saddle, bars, frames from road to cargo and recumbent."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from training.drawn.pen import (
    BLACK,
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
    _j,
    _light,
    _mix,
    _off,
    _paint,
    _polar,
    _shadow,
    _smooth,
)

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
