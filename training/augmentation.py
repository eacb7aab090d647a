"""Training-time augmentation on normalised NCHW batches, driven by one seeded generator (reproducible).

Colour jitter (brightness, contrast, saturation, hue, grey), a random affine (zoom, aspect, rotation, shift;
reflected borders), a horizontal flip, then what bridges the 32-pixel training thumbnails (upscaled to the input
size) and the photos served: resolution jitter (down to fewer pixels and back up), blur, and sharpening (an
unsharp mask, so that the network also sees thumbnails with edges as crisp as a photo's), and cutout.
Bicycles and motorcycles come in every colour and light: without colour augmentation the network leans on colour
and brightness cues that do not generalise.
"""

import math
from dataclasses import dataclass

import torch
from torch.nn import functional as F  # noqa: N812 (the usual name)

from service.domain import preprocessing

_MEAN = torch.tensor(preprocessing.MEAN).view(1, 3, 1, 1)
_STD = torch.tensor(preprocessing.STD).view(1, 3, 1, 1)
_LUMA = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
# RGB -> YIQ: a hue shift is a rotation of the (I, Q) chroma plane that keeps the luma Y.
_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
_RGB = torch.linalg.inv(_YIQ)


@dataclass(frozen=True)
class Augmentation:
    colour_jitter: float = 0.4  # brightness, contrast and saturation each scaled by 1 +- this
    hue: float = 0.5  # hue rotated by up to +- this many half-turns
    grayscale: float = 0.1  # probability of dropping the colour altogether
    zoom: float = 0.2  # scale 1 +- this
    # Width over height scaled by exp(+- this): longer bicycles (cargo, tandem) and more compact ones (folding,
    # kids') than CIFAR's, as RandomResizedCrop's 3/4..4/3 does.
    aspect: float = 0.25
    rotation: float = 10.0  # degrees, +-
    shift: float = 0.125  # share of the image side, +-
    cutout: int = 0  # side of the square set to the mean; 0 for none
    resolution: float = 0.2  # probability of resampling through a side of 16..32 pixels and back
    blur: float = 0.1  # probability of a Gaussian blur (sigma 0.5..2 pixels)
    sharpen: float = 0.2  # probability of an unsharp mask (amount 0.5..2)


def _uniform(n: int, spread: float, gen: torch.Generator) -> torch.Tensor:
    """n values uniform in [-spread, spread]."""
    return (torch.rand(n, generator=gen) * 2 - 1) * spread


def jitter_colour(
    x: torch.Tensor, strength: float, gen: torch.Generator, hue: float = 0.0, grayscale: float = 0.0
) -> torch.Tensor:
    n = x.shape[0]
    brightness, contrast, saturation = (1 + _uniform(n, strength, gen).view(n, 1, 1, 1) for _ in range(3))
    pixels = (x * _STD + _MEAN) * brightness
    mean_luma = (pixels * _LUMA).sum(1, keepdim=True).mean((2, 3), keepdim=True)
    pixels = mean_luma + (pixels - mean_luma) * contrast
    luma = (pixels * _LUMA).sum(1, keepdim=True)
    pixels = luma + (pixels - luma) * saturation
    if hue:
        angle = _uniform(n, hue * math.pi, gen).view(n, 1, 1)
        y, i, q = torch.einsum("ij,njhw->nihw", _YIQ, pixels).unbind(1)
        cos, sin = torch.cos(angle), torch.sin(angle)
        rotated = torch.stack([y, i * cos - q * sin, i * sin + q * cos], 1)
        pixels = torch.einsum("ij,njhw->nihw", _RGB, rotated)
    if grayscale:
        drop = (torch.rand(n, generator=gen) < grayscale).view(n, 1, 1, 1)
        pixels = torch.where(drop, (pixels * _LUMA).sum(1, keepdim=True).expand_as(pixels), pixels)
    return (pixels.clamp(0, 1) - _MEAN) / _STD


def random_affine(x: torch.Tensor, aug: Augmentation, gen: torch.Generator) -> torch.Tensor:
    n = x.shape[0]
    scale = 1 + _uniform(n, aug.zoom, gen)
    angle = _uniform(n, math.radians(aug.rotation), gen)
    # affine_grid works in [-1, 1] coordinates: a shift of s image sides is 2s.
    tx, ty = _uniform(n, 2 * aug.shift, gen), _uniform(n, 2 * aug.shift, gen)
    stretch = torch.exp(_uniform(n, aug.aspect, gen)) if aug.aspect else torch.ones(n)
    cos, sin = scale * torch.cos(angle), scale * torch.sin(angle)
    theta = torch.stack([torch.stack([cos * stretch, -sin * stretch, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def cut_out(x: torch.Tensor, side: int, gen: torch.Generator) -> torch.Tensor:
    n, _, h, w = x.shape
    cy = torch.randint(0, h, (n,), generator=gen)[:, None, None]
    cx = torch.randint(0, w, (n,), generator=gen)[:, None, None]
    half = side // 2
    hole = ((torch.arange(h)[None, :, None] - cy).abs() < half) & ((torch.arange(w)[None, None, :] - cx).abs() < half)
    return x.masked_fill(hole[:, None], 0.0)


def _chosen(n: int, probability: float, gen: torch.Generator) -> torch.Tensor:
    return (torch.rand(n, generator=gen) < probability).view(n, 1, 1, 1)


def jitter_resolution(x: torch.Tensor, probability: float, gen: torch.Generator) -> torch.Tensor:
    """Each chosen image resampled through a random side of 16..32 pixels and back (one side per batch)."""
    if not probability:
        return x
    side = int(torch.randint(16, 33, (1,), generator=gen))
    small = F.interpolate(x, size=(side, side), mode="area")
    back = F.interpolate(small, size=x.shape[2:], mode="bilinear", align_corners=False)
    return torch.where(_chosen(x.shape[0], probability, gen), back, x)


def _gaussian(x: torch.Tensor, sigma: float) -> torch.Tensor:
    radius = max(1, round(3 * sigma))
    taps = torch.arange(-radius, radius + 1, dtype=x.dtype)
    kernel = torch.exp(-(taps**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    c = x.shape[1]
    x = F.pad(x, (radius, radius, radius, radius), mode="reflect")
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(x, kernel.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def blur_or_sharpen(x: torch.Tensor, blur: float, sharpen: float, gen: torch.Generator) -> torch.Tensor:
    """Some images blurred, others sharpened (x + amount * (x - blurred)); one sigma and amount per batch."""
    if not (blur or sharpen):
        return x
    n = x.shape[0]
    sigma = float(torch.empty(1).uniform_(0.5, 2.0, generator=gen))
    amount = float(torch.empty(1).uniform_(0.5, 2.0, generator=gen))
    blurred = _gaussian(x, sigma)
    draw = torch.rand(n, generator=gen).view(n, 1, 1, 1)
    x = torch.where(draw < blur, blurred, x)
    sharpened = x + amount * (x - blurred)
    return torch.where((draw >= blur) & (draw < blur + sharpen), sharpened, x)


def augment(x: torch.Tensor, aug: Augmentation, gen: torch.Generator) -> torch.Tensor:
    if aug.colour_jitter or aug.hue or aug.grayscale:
        x = jitter_colour(x, aug.colour_jitter, gen, aug.hue, aug.grayscale)
    if aug.zoom or aug.rotation or aug.shift:
        x = random_affine(x, aug, gen)
    flip = torch.rand(x.shape[0], generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    x = jitter_resolution(x, aug.resolution, gen)
    x = blur_or_sharpen(x, aug.blur, aug.sharpen, gen)
    if aug.cutout:
        x = cut_out(x, aug.cutout, gen)
    return x
