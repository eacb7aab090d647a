import numpy as np
import pytest
from PIL import Image

from service.domain import preprocessing
from service.domain.preprocessing import INPUT_SIZE, MEAN, STD, fit_to_input, to_array


def test_model_sized_rgb_image_passes_through_unchanged() -> None:
    pixels = np.random.default_rng(0).integers(0, 256, (INPUT_SIZE, INPUT_SIZE, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    assert np.array_equal(np.asarray(fit_to_input(image)), pixels)


@pytest.mark.parametrize("size", [(640, 480), (480, 640), (33, 32), (5, 400), (16, 16), (1, 1)])
def test_any_size_becomes_input_size_rgb(size: tuple[int, int]) -> None:
    out = fit_to_input(Image.new("RGB", size, (10, 20, 30)))
    assert out.size == (INPUT_SIZE, INPUT_SIZE)
    assert out.mode == "RGB"


def test_non_rgb_modes_are_converted() -> None:
    assert fit_to_input(Image.new("L", (64, 64), 128)).mode == "RGB"
    assert fit_to_input(Image.new("RGBA", (32, 32), (1, 2, 3, 4))).mode == "RGB"


def test_wide_image_keeps_the_centre_and_its_proportions() -> None:
    # A 3:1 image at the input height: red left third, green centre, blue right third. A centre crop shows only
    # green; squashing would show all three colours.
    side = INPUT_SIZE
    image = Image.new("RGB", (3 * side, side))
    for i, colour in enumerate([(255, 0, 0), (0, 255, 0), (0, 0, 255)]):
        image.paste(colour, (side * i, 0, side * (i + 1), side))
    out = np.asarray(fit_to_input(image)).astype(int)
    assert (out[:, :, 1] > 200).all()
    assert (out[:, :, 0] < 60).all() and (out[:, :, 2] < 60).all()


def test_downscaling_is_antialiased() -> None:
    # A fine 1-pixel checkerboard should average to grey, not alias into black or white blocks.
    checker = (np.indices((320, 320)).sum(axis=0) % 2 * 255).astype(np.uint8)
    out = np.asarray(fit_to_input(Image.fromarray(checker).convert("RGB"))).astype(float)
    assert abs(out.mean() - 127.5) < 10
    assert out.std() < 20


def test_to_array_is_normalised_float32_nchw() -> None:
    images = [Image.new("RGB", (INPUT_SIZE, INPUT_SIZE), (255, 0, 128)) for _ in range(3)]
    batch = to_array(images)
    assert batch.shape == (3, 3, INPUT_SIZE, INPUT_SIZE)
    assert batch.dtype == np.float32
    expected = [(1.0 - MEAN[0]) / STD[0], (0.0 - MEAN[1]) / STD[1], (128 / 255 - MEAN[2]) / STD[2]]
    assert np.allclose(batch[0, :, 0, 0], expected, atol=1e-6)


def test_to_array_keeps_the_order_of_the_images() -> None:
    images = [Image.new("RGB", (INPUT_SIZE, INPUT_SIZE), (v, v, v)) for v in (0, 100, 200)]
    means = to_array(images).mean(axis=(1, 2, 3))
    assert means[0] < means[1] < means[2]


def test_to_array_of_no_images_is_an_empty_batch() -> None:
    assert to_array([]).shape == (0, 3, INPUT_SIZE, INPUT_SIZE)


def test_to_array_refuses_images_that_were_not_fitted() -> None:
    with pytest.raises(ValueError, match="fit_to_input"):
        to_array([Image.new("RGB", (64, 64))])


def test_statistics_are_per_channel_and_sane() -> None:
    assert len(preprocessing.MEAN) == len(preprocessing.STD) == 3
    assert all(0 < m < 1 for m in MEAN) and all(0 < s < 1 for s in STD)
