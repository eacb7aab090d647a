import sys
import types

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

from service.domain import preprocessing
from service.domain.errors import ModelError
from service.domain.model_card import load_model_card
from service.domain.paths import MODEL_CARD_PATH, MODEL_PATH
from service.pipeline import backends
from service.pipeline.backends import get_classifier
from service.pipeline.backends.onnx import OnnxClassifier
from service.runtime.settings import ClassifySettings


@pytest.fixture(scope="module")
def classifier() -> OnnxClassifier:
    return OnnxClassifier(MODEL_PATH, load_model_card(MODEL_CARD_PATH))


def random_images(n: int, seed: int = 0, size: int = 32) -> list[Image.Image]:
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)) for _ in range(n)]


def test_predictions_are_well_formed(classifier: OnnxClassifier) -> None:
    card = load_model_card(MODEL_CARD_PATH)
    predictions = classifier.predict(random_images(5))
    assert len(predictions) == 5
    for p in predictions:
        assert set(p.probabilities) == {"bicycle", "motorcycle"}
        assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
        assert p.label == max(p.probabilities, key=p.probabilities.__getitem__)
        assert p.confidence == max(p.probabilities.values())
        assert p.model_version == card.model_version
        assert 0.0 <= p.recognition <= 1.0


def test_a_batch_gives_what_single_images_give(classifier: OnnxClassifier) -> None:
    images = random_images(7, seed=1)
    batched = classifier.predict(images)
    for image, expected in zip(images, batched, strict=True):
        (single,) = classifier.predict([image])
        assert single.confidence == pytest.approx(expected.confidence, abs=1e-6)


def test_probabilities_are_the_softmax_of_logits_over_the_card_temperature(classifier: OnnxClassifier) -> None:
    card = load_model_card(MODEL_CARD_PATH)
    images = random_images(4, seed=2)
    batch = preprocessing.to_array([preprocessing.fit_to_input(image) for image in images])
    session = ort.InferenceSession(str(MODEL_PATH), providers=["CPUExecutionProvider"])
    logits, recognition = session.run(None, {session.get_inputs()[0].name: batch})
    scaled = logits / card.calibration.temperature
    expected = np.exp(scaled) / np.exp(scaled).sum(axis=1, keepdims=True)
    predictions = classifier.predict(images)
    got = [[p.probabilities[c] for c in card.classes] for p in predictions]
    assert np.allclose(got, expected, atol=1e-5)
    assert np.allclose([p.recognition for p in predictions], recognition, atol=1e-6)


def test_images_of_other_sizes_are_fitted_first(classifier: OnnxClassifier) -> None:
    (big,) = random_images(1, seed=3, size=200)
    (direct,) = classifier.predict([big])
    (fitted,) = classifier.predict([preprocessing.fit_to_input(big)])
    assert direct.probabilities == fitted.probabilities


def test_no_images_give_no_predictions(classifier: OnnxClassifier) -> None:
    assert classifier.predict([]) == []


def test_a_card_with_other_preprocessing_is_refused() -> None:
    card = load_model_card(MODEL_CARD_PATH).model_copy(update={"mean": (0.5, 0.5, 0.5)})
    with pytest.raises(ModelError):
        OnnxClassifier(MODEL_PATH, card)


def test_the_factory_returns_one_onnx_classifier_per_process() -> None:
    settings = ClassifySettings(MODEL_BACKEND="onnx")
    first = get_classifier(settings)
    assert isinstance(first, OnnxClassifier)
    assert get_classifier(ClassifySettings(MODEL_BACKEND="onnx")) is first
    assert first.classes == ("bicycle", "motorcycle")


def test_the_factory_builds_the_sagemaker_backend_from_settings_and_card(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[dict[str, object]] = []

    class FakeSageMakerClassifier:
        def __init__(self, **kwargs: object) -> None:
            built.append(kwargs)

    fake = types.ModuleType("service.pipeline.backends.sagemaker")
    fake.SageMakerClassifier = FakeSageMakerClassifier  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "service.pipeline.backends.sagemaker", fake)
    settings = ClassifySettings(MODEL_BACKEND="sagemaker", SAGEMAKER_ENDPOINT_NAME="bikes-test-endpoint")
    classifier = get_classifier(settings)
    assert isinstance(classifier, FakeSageMakerClassifier)
    assert built == [
        {
            "endpoint_name": "bikes-test-endpoint",
            "classes": ("bicycle", "motorcycle"),
            "model_version": "sagemaker:bikes-test-endpoint",
        }
    ]
    backends._create.cache_clear()
