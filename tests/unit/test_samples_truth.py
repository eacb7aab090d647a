"""The demo tells the truth: the shipped ONNX model and the real policy, at the card's thresholds, on the committed
samples. Whatever is auto-accepted carries the right label; the rest goes to people."""

from pathlib import Path

import pytest

from service.domain.model_card import load_model_card
from service.domain.paths import MODEL_CARD_PATH, MODEL_PATH, SAMPLES_DIR
from service.domain.policy import verdict
from service.images.files import read_image_file
from service.pipeline.backends.onnx import OnnxClassifier
from service.runtime.settings import get_settings

# What each drawn sample shows (a moped is a motorised two-wheeler: a motorcycle); static shows neither.
TRUTH = {"bicycle": "bicycle", "motorcycle": "motorcycle", "moped": "motorcycle", "static": None}


def truth(path: Path) -> str | None:
    return TRUTH[path.stem.split("-")[0]]


def images() -> list[Path]:
    return sorted(p for p in SAMPLES_DIR.glob("*.png") if not p.name.startswith("notes"))


@pytest.fixture(scope="module")
def routes() -> dict[str, tuple[str, str, str]]:
    card = load_model_card(MODEL_CARD_PATH)
    classifier = OnnxClassifier(MODEL_PATH, card)
    settings = get_settings()
    decided = {}
    for path in images():
        image = read_image_file(path, settings.max_image_bytes, settings.max_image_pixels)
        (prediction,) = classifier.predict([image])
        chosen = verdict(prediction, card.recommended_threshold, card.recognition_threshold)
        decided[path.name] = (prediction.label, chosen.route, chosen.reason)
    return decided


def test_every_sample_has_a_known_truth() -> None:
    assert {truth(p) for p in images()} == {"bicycle", "motorcycle", None}


def test_the_shipped_model_auto_accepts_only_right_labels(routes: dict[str, tuple[str, str, str]]) -> None:
    wrong = {
        name: label
        for name, (label, route, _) in routes.items()
        if route == "accept" and label != truth(SAMPLES_DIR / name)
    }
    assert wrong == {}
    # The demo shows the model at work: both classes have a sample it accepts, and static is refused.
    accepted = {label for label, route, _ in routes.values() if route == "accept"}
    assert accepted == {"bicycle", "motorcycle"}
    assert routes["static.png"][1:] == ("review", "unrecognised")
