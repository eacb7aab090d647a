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

The package, by what it draws: kinds (the kinds and their classes), pen (geometry, colour, the pen), bicycles,
motorcycles, riders, backgrounds, photo (perspective and photo effects) and scene (assembly and the seeded lists).
"""

from training.drawn.kinds import BICYCLE_KINDS, KINDS, MAX_SIZE, MIN_SIZE, MOTORCYCLE_KINDS, label_of
from training.drawn.scene import DRAWERS, LENGTH, render, two_wheelers, two_wheelers_with_kinds

__all__ = [
    "BICYCLE_KINDS",
    "DRAWERS",
    "KINDS",
    "LENGTH",
    "MAX_SIZE",
    "MIN_SIZE",
    "MOTORCYCLE_KINDS",
    "label_of",
    "render",
    "two_wheelers",
    "two_wheelers_with_kinds",
]
