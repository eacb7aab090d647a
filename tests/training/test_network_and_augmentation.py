import numpy as np
import torch
from PIL import Image

from service.domain import preprocessing
from service.domain.preprocessing import MEAN, STD
from training import negatives
from training.augmentation import Augmentation, augment, blur_or_sharpen, cut_out, jitter_colour, jitter_resolution
from training.network import TWO_WHEELERS, SconesNet, detail, rescale

NONE = Augmentation(
    colour_jitter=0.0,
    hue=0.0,
    grayscale=0.0,
    zoom=0.0,
    aspect=0.0,
    rotation=0.0,
    shift=0.0,
    cutout=0,
    resolution=0.0,
    blur=0.0,
    sharpen=0.0,
)


def batch(n: int = 8, seed: int = 0, size: int = 32) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).normal(size=(n, 3, size, size)).astype(np.float32))


def test_the_network_maps_a_batch_to_two_logits_and_a_recognition_score() -> None:
    net = SconesNet(pretrained=False).eval()
    with torch.no_grad():
        logits, recognition = net(batch(3, size=preprocessing.INPUT_SIZE))
    assert logits.shape == (3, 2) and recognition.shape == (3,)
    assert ((recognition >= 0) & (recognition <= 1)).all()


def test_the_two_wheeler_classes_are_the_imagenet_ones() -> None:
    assert sorted(TWO_WHEELERS) == [444, 518, 535, 665, 670, 671, 870, 880]
    assert TWO_WHEELERS[671].startswith("mountain bike") and TWO_WHEELERS[665] == "moped"


def test_detail_tells_upscaled_thumbnails_from_photos() -> None:
    rng = np.random.default_rng(0)
    thumbnails = [negatives.smooth_noise(rng, 32) for _ in range(3)] + [negatives.package_photos()[0].resize((32, 32))]
    photo_like = [negatives.package_photos()[0], Image.fromarray(rng.integers(0, 256, (200, 200, 3), dtype=np.uint8))]
    x = torch.from_numpy(preprocessing.to_array([preprocessing.fit_to_input(i) for i in thumbnails + photo_like]))
    measured = detail(x)
    assert (measured[:4] < 0.3).all() and (measured[4:] > 0.35).all()


def test_rescale_maps_the_threshold_to_one_half_and_keeps_the_order() -> None:
    scores = torch.tensor([0.0, 0.001, 0.01, 0.5, 1.0])
    mapped = rescale(scores, torch.tensor(0.01))
    assert mapped[2] == torch.tensor(0.5)
    assert (mapped.diff() > 0).all() and mapped[0] == 0 and abs(float(mapped[-1]) - 1) < 1e-6


def test_negatives_are_seeded_and_of_the_asked_size() -> None:
    first, again = negatives.thumbnails(16, seed=3), negatives.thumbnails(16, seed=3)
    assert len(first) == 16 and all(image.size == (32, 32) and image.mode == "RGB" for image in first)
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(first, again, strict=True))
    photos = negatives.photos(len(negatives.PACKAGE_IMAGES) + 3, seed=1)
    assert len(photos) == len(negatives.PACKAGE_IMAGES) + 3


def test_resolution_jitter_and_blur_soften_and_sharpening_adds_detail() -> None:
    x = batch(6, size=64)
    gen = torch.Generator().manual_seed(0)
    assert detail(jitter_resolution(x, 1.0, gen)).max() < detail(x).min()
    assert detail(blur_or_sharpen(x, 1.0, 0.0, gen)).max() < detail(x).min()
    soft = torch.nn.functional.interpolate(batch(6, size=16), size=(64, 64), mode="bilinear")
    assert (detail(blur_or_sharpen(soft, 0.0, 1.0, gen)) > detail(soft)).all()


def test_augmentation_is_seeded_and_keeps_the_shape() -> None:
    x = batch()
    aug = Augmentation()
    first = augment(x, aug, torch.Generator().manual_seed(1))
    again = augment(x, aug, torch.Generator().manual_seed(1))
    other = augment(x, aug, torch.Generator().manual_seed(2))
    assert first.shape == x.shape
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    assert not torch.equal(first, x)


def test_with_everything_off_only_the_flip_is_left() -> None:
    x = batch()
    out = augment(x, NONE, torch.Generator().manual_seed(0))
    for original, seen in zip(x, out, strict=True):
        assert torch.equal(seen, original) or torch.equal(seen, original.flip(2))


def test_colour_jitter_of_zero_strength_is_the_identity_and_stays_in_range() -> None:
    x = batch()
    assert torch.allclose(jitter_colour(x.clamp(-0.99, 0.99), 0.0, torch.Generator()), x.clamp(-0.99, 0.99), atol=1e-5)
    strong = jitter_colour(x, 0.9, torch.Generator().manual_seed(0), hue=1.0, grayscale=0.5)
    pixels = strong * torch.tensor(STD).view(1, 3, 1, 1) + torch.tensor(MEAN).view(1, 3, 1, 1)
    assert pixels.min() >= -1e-5 and pixels.max() <= 1 + 1e-5


def test_cutout_blanks_a_square_of_the_given_side_at_most() -> None:
    x = torch.ones(16, 3, 32, 32)
    out = cut_out(x, 8, torch.Generator().manual_seed(0))
    holes = (out[:, 0] == 0).sum(dim=(1, 2))
    assert holes.max() <= 8 * 8 and holes.max() > 0


def test_a_hue_rotation_keeps_the_luma_and_grayscale_removes_the_colour() -> None:
    pixels = torch.rand(6, 3, 32, 32) * 0.5 + 0.25  # away from the clamp
    x = (pixels - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    luma = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)

    def back(t: torch.Tensor) -> torch.Tensor:
        return t * torch.tensor(STD).view(1, 3, 1, 1) + torch.tensor(MEAN).view(1, 3, 1, 1)

    rotated = back(jitter_colour(x, 0.0, torch.Generator().manual_seed(3), hue=0.1))
    assert not torch.allclose(rotated, pixels, atol=1e-3)
    assert torch.allclose((rotated * luma).sum(1), (pixels * luma).sum(1), atol=1e-3)
    grey = back(jitter_colour(x, 0.0, torch.Generator().manual_seed(3), grayscale=1.0))
    assert torch.allclose(grey[:, 0], grey[:, 1], atol=1e-5) and torch.allclose(grey[:, 1], grey[:, 2], atol=1e-5)


def test_aspect_jitter_stretches_width_and_keeps_height() -> None:
    from dataclasses import replace

    from training.augmentation import random_affine

    # A vertical bar: a wider or narrower bar after an aspect-only affine, in the same rows.
    x = torch.full((8, 3, 32, 32), -1.0)
    x[:, :, 4:28, 12:20] = 1.0
    out = random_affine(x, replace(NONE, aspect=0.4), torch.Generator().manual_seed(3))
    widths = (out[:, 0, 16] > 0).sum(dim=1)
    assert int(widths.max() - widths.min()) >= 3
    assert torch.equal(out[:, 0, :, 16] > 0, x[:, 0, :, 16] > 0)
