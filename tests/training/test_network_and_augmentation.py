from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from service.domain import preprocessing
from service.domain.preprocessing import MEAN, STD
from training.augmentation import Augmentation, augment, cut_out, jitter_colour
from training.dataset import load_labelled_folder
from training.network import LUMA_STD, LUMA_WEIGHTS, WhitenedConvNet
from training.train import Config, ensemble_fits, load_arrays, train_networks, update_average

NONE = Augmentation(colour_jitter=0.0, hue=0.0, grayscale=0.0, zoom=0.0, rotation=0.0, shift=0.0, cutout=0)


def batch(n: int = 8, seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).normal(size=(n, 3, 32, 32)).astype(np.float32))


def test_whitening_decorrelates_the_training_patches() -> None:
    # Smooth images, as photos are: neighbouring pixels correlate, and whitening must undo that.
    images = 4 * torch.nn.functional.avg_pool2d(batch(64), 3, stride=1, padding=1)
    net = WhitenedConvNet(width=4)
    net.init_whitening(images)
    with torch.no_grad():
        out = torch.nn.functional.conv2d(net.luma(images), net.whiten.weight[:4])  # the positive half
    flat = out.permute(0, 2, 3, 1).reshape(-1, 4).double()
    covariance = flat.T @ flat / len(flat)
    assert torch.allclose(covariance, torch.eye(4, dtype=torch.float64), atol=0.02)
    assert not net.whiten.weight.requires_grad
    assert torch.equal(net.whiten.weight[4:], -net.whiten.weight[:4])


def test_the_network_sees_luma_as_pillow_computes_it() -> None:
    rgb = Image.fromarray(np.random.default_rng(3).integers(0, 256, (32, 32, 3), dtype=np.uint8))
    luma = WhitenedConvNet(width=4).luma(torch.from_numpy(preprocessing.to_array([rgb])))
    mean_luma = sum(w * m for w, m in zip(LUMA_WEIGHTS, MEAN, strict=True))
    pixels = (luma[0, 0] * LUMA_STD + mean_luma) * 255
    assert (pixels - torch.from_numpy(np.asarray(rgb.convert("L"), dtype=np.float32))).abs().max() <= 1.0


def test_colour_changes_that_keep_the_luma_do_not_change_the_prediction() -> None:
    torch.manual_seed(0)
    net = WhitenedConvNet(width=4).eval()
    net.init_whitening(batch(16))
    x = batch(4, seed=9)
    # More red, less green, in the proportion that keeps 0.299 R + 0.587 G + 0.114 B: another colour, same luma.
    shift = torch.tensor([0.2, -0.2 * LUMA_WEIGHTS[0] / LUMA_WEIGHTS[1], 0.0]) / torch.tensor(STD)
    recoloured = x + shift.view(1, 3, 1, 1)
    with torch.no_grad():
        same = (net(recoloured) - net(x)).abs().max()
        other = (net(x.flip(2)) - net(x)).abs().max()  # other luma (upside down) does move them
    assert same < 1e-5
    assert other > 100 * same


def test_the_network_maps_a_batch_to_two_logits() -> None:
    assert WhitenedConvNet(width=8)(batch(5)).shape == (5, 2)


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
    assert torch.allclose(jitter_colour(x.clamp(-1, 1), 0.0, torch.Generator()), x.clamp(-1, 1), atol=1e-5)
    strong = jitter_colour(x, 0.9, torch.Generator().manual_seed(0), hue=1.0, grayscale=0.5)
    pixels = strong * torch.tensor(STD).view(1, 3, 1, 1) + torch.tensor(MEAN).view(1, 3, 1, 1)
    assert pixels.min() >= -1e-5 and pixels.max() <= 1 + 1e-5


def test_cutout_blanks_a_square_of_the_given_side_at_most() -> None:
    x = torch.ones(16, 3, 32, 32)
    out = cut_out(x, 8, torch.Generator().manual_seed(0))
    holes = (out[:, 0] == 0).sum(dim=(1, 2))
    assert holes.max() <= 8 * 8 and holes.max() > 0


def test_the_average_follows_the_decay() -> None:
    average, model = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    before = average.weight.detach().clone()
    update_average(average, model, 0.75)
    assert torch.allclose(average.weight, 0.75 * before + 0.25 * model.weight)
    update_average(average, model, 0.0)
    assert torch.equal(average.weight, model.weight)


def test_members_trained_in_worker_processes_equal_those_trained_in_process(
    tiny_data: Path, tiny_config: Config
) -> None:
    x, y = load_arrays(load_labelled_folder(tiny_data))
    torch.set_num_threads(1)
    fits = ensemble_fits(np.arange(len(y)), tiny_config)
    here = train_networks(x, y, fits, replace(tiny_config, threads=1))
    there = train_networks(x, y, fits, replace(tiny_config, threads=2))
    assert len(here) == len(there) == tiny_config.members
    for mine, theirs in zip(here, there, strict=True):
        a, b = mine.state_dict(), theirs.state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a)
    first, second = (m.state_dict() for m in here)
    assert not all(torch.equal(first[k], second[k]) for k in first)


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
