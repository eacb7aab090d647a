"""Model backends behind the `service.domain.classifier.Classifier` protocol, chosen by settings."""

from functools import lru_cache
from pathlib import Path

from service.domain.classifier import Classifier
from service.domain.model_card import load_model_card
from service.runtime.settings import ClassifySettings, classify_settings


@lru_cache(maxsize=4)
def _create(backend: str, endpoint: str, model_path: Path, card_path: Path) -> Classifier:
    card = load_model_card(card_path)
    if backend == "sagemaker":
        # Imported only here: the ONNX path never needs the SageMaker client code.
        from service.pipeline.backends.sagemaker import SageMakerClassifier

        return SageMakerClassifier(endpoint_name=endpoint, classes=card.classes, model_version=f"sagemaker:{endpoint}")
    from service.pipeline.backends.onnx import OnnxClassifier

    return OnnxClassifier(model_path, card)


def get_classifier(settings: ClassifySettings | None = None) -> Classifier:
    """The classifier for `settings` (default: the process settings), created once per process and reused
    (loading the model is the expensive part of a Lambda cold start)."""
    settings = settings or classify_settings()
    return _create(
        settings.model_backend,
        settings.sagemaker_endpoint_name,
        settings.model_path,
        settings.model_card_path,
    )
