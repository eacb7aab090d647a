"""The kinds of two-wheeler drawn, each with its class, and the size of the images."""

from __future__ import annotations

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


def label_of(kind: str) -> int:
    """0 for a bicycle kind, 1 for a motorcycle kind."""
    if kind in BICYCLE_KINDS:
        return 0
    if kind in MOTORCYCLE_KINDS:
        return 1
    raise ValueError(f"unknown kind {kind!r}")
