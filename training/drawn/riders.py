"""A rider on the seat a drawer returns: limbs bent to reach bars and pedals, with or without a helmet."""

from __future__ import annotations

import math

import numpy as np

from training.drawn.pen import BLACK, Pen, Point, Seat, _angle, _bright, _dark, _dist, _hsv, _j, _off, _paint, _polar

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
