"""Images of neither class go to review as unrecognised: the real shipped ONNX model and the real policy, on
images this test makes itself (random noise; a drawn car, the closest to a photo of a car a test can render)."""

import pytest
from PIL import Image

from service.domain.model_card import load_model_card
from service.domain.paths import MODEL_CARD_PATH, MODEL_PATH
from service.domain.policy import verdict
from service.pipeline.backends.onnx import OnnxClassifier
from tests.neither import car, noise


@pytest.fixture(scope="module")
def classifier() -> OnnxClassifier:
    return OnnxClassifier(MODEL_PATH, load_model_card(MODEL_CARD_PATH))


def decide(classifier: OnnxClassifier, image: Image.Image, threshold: float = 0.0) -> tuple[str, str, float]:
    card = load_model_card(MODEL_CARD_PATH)
    (prediction,) = classifier.predict([image])
    chosen = verdict(prediction, threshold, card.recognition_threshold)
    return chosen.route, chosen.reason, prediction.recognition


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("size", [(640, 480), (32, 32), (128, 128)])
def test_random_noise_is_unrecognised(classifier: OnnxClassifier, seed: int, size: tuple[int, int]) -> None:
    # Even with a confidence threshold of 0, which would accept any class answer.
    route, reason, _ = decide(classifier, noise(size, seed))
    assert (route, reason) == ("review", "unrecognised")


@pytest.mark.parametrize("seed", [0, 1])
def test_a_drawn_car_is_unrecognised(classifier: OnnxClassifier, seed: int) -> None:
    route, reason, _ = decide(classifier, car(seed))
    assert (route, reason) == ("review", "unrecognised")
