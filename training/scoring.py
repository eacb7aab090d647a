"""Scoring a model through the SERVING path (service.images, preprocessing, OnnxClassifier, the policy): the
images of a labelled set, routed as the service would route them. Shared by `evaluate` and `compare`."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from service.domain.model_card import Metrics, ModelCard, ThresholdAnalysis
from service.domain.policy import verdict
from service.images.files import read_image_file
from service.pipeline.backends.onnx import OnnxClassifier
from service.runtime.settings import get_settings
from training.dataset import LabelledImage, load_labelled_folder
from training.metrics import classification_metrics
from training.thresholds import analyse

BATCH_SIZE = 64
OTHER = "other"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"})


@dataclass
class Scored:
    probabilities: np.ndarray  # (N, classes)
    recognition: np.ndarray  # (N,)


def score(items: list[LabelledImage], classifier: OnnxClassifier) -> Scored:
    settings = get_settings()
    probabilities, recognition = [], []
    for start in range(0, len(items), BATCH_SIZE):
        chunk = items[start : start + BATCH_SIZE]
        images = [read_image_file(item.path, settings.max_image_bytes, settings.max_image_pixels) for item in chunk]
        for prediction in classifier.predict(images):
            probabilities.append([prediction.probabilities[name] for name in classifier.classes])
            recognition.append(1.0 if prediction.recognition is None else prediction.recognition)
    probs = np.asarray(probabilities, dtype=np.float64).reshape(len(items), len(classifier.classes))
    return Scored(probabilities=probs, recognition=np.asarray(recognition, dtype=np.float64))


def evaluate(
    items: list[LabelledImage], classifier: OnnxClassifier
) -> tuple[Metrics, ThresholdAnalysis, float, np.ndarray]:
    """Metrics, the threshold analysis, its recommended threshold, and the probabilities (row per item)."""
    probs = score(items, classifier).probabilities
    labels = np.asarray([item.label for item in items], dtype=int)
    predicted = probs.argmax(axis=1)
    metrics = classification_metrics(labels, predicted, classifier.classes)
    analysis, recommended = analyse(probs.max(axis=1), predicted == labels)
    return metrics, analysis, recommended, probs


class Decisions(BaseModel):
    """What the policy does with a set of images at the shipped thresholds."""

    images: int
    two_wheelers: int
    accuracy: float | None
    accuracy_per_class: dict[str, float]
    recognised: float | None  # share of the two-wheelers at or above the recognition threshold
    coverage: float | None  # share of the two-wheelers auto-accepted
    accepted_precision: float | None  # share of the auto-accepted two-wheelers with the right label
    other: int
    other_accepted: float | None  # share of the images of neither class auto-accepted
    other_unrecognised: float | None  # share of them refused as unrecognised
    threshold: float
    recognition_threshold: float


def routed(
    scored: Scored, classes: tuple[str, ...], threshold: float, recognition_threshold: float
) -> list[tuple[str, str, str]]:
    """(predicted label, route, reason) of each scored image, as the service's policy decides at these thresholds."""
    from service.domain.models import Prediction

    found: list[tuple[str, str, str]] = []
    for row, recognition in zip(scored.probabilities, scored.recognition, strict=True):
        prediction = Prediction(
            label=classes[int(row.argmax())],
            confidence=float(row.max()),
            probabilities=dict(zip(classes, map(float, row), strict=True)),
            model_version="-",
            recognition=float(np.clip(recognition, 0, 1)),
        )
        chosen = verdict(prediction, threshold, recognition_threshold)
        found.append((prediction.label, chosen.route, chosen.reason))
    return found


def decisions(
    labels: list[str], scored: Scored, classes: tuple[str, ...], threshold: float, recognition_threshold: float
) -> Decisions:
    decided = routed(scored, classes, threshold, recognition_threshold)
    predicted = [label for label, _, _ in decided]
    routes = [(route, reason) for _, route, reason in decided]
    two = [i for i, label in enumerate(labels) if label in classes]
    other = [i for i, label in enumerate(labels) if label not in classes]
    accepted = [i for i in two if routes[i][0] == "accept"]

    def share(selected: list[int], of: list[int]) -> float | None:
        return len(selected) / len(of) if of else None

    return Decisions(
        images=len(labels),
        two_wheelers=len(two),
        accuracy=share([i for i in two if predicted[i] == labels[i]], two),
        accuracy_per_class={
            name: float(np.mean([predicted[i] == name for i in two if labels[i] == name]))
            for name in classes
            if any(labels[i] == name for i in two)
        },
        recognised=share([i for i in two if routes[i][1] != "unrecognised"], two),
        coverage=share(accepted, two),
        accepted_precision=share([i for i in accepted if predicted[i] == labels[i]], accepted),
        other=len(other),
        other_accepted=share([i for i in other if routes[i][0] == "accept"], other),
        other_unrecognised=share([i for i in other if routes[i][1] == "unrecognised"], other),
        threshold=threshold,
        recognition_threshold=recognition_threshold,
    )


def photo_items(folder: Path, classes: tuple[str, ...]) -> list[LabelledImage]:
    """Images under folder/<class>/ for each class and folder/other/ (label -1: neither)."""
    items = []
    for label, name in [*enumerate(classes), (-1, OTHER)]:
        for path in sorted((folder / name).glob("*")) if (folder / name).is_dir() else []:
            if path.suffix.lower() in IMAGE_SUFFIXES:
                items.append(LabelledImage(path=path, label=label, class_name=name))
    if not items:
        raise FileNotFoundError(f"no images under {folder}/{{{','.join([*classes, OTHER])}}}/")
    return items


def validation_items(data: Path, card: ModelCard) -> list[LabelledImage]:
    """The images of `data` that the card's model held out (the same split as training, from the card)."""
    from training.train import stratified_holdout

    items = load_labelled_folder(data)
    share = float(card.training.hyperparameters.get("holdout", 0.0))
    if not share:
        raise ValueError("the model card records no held-out split")
    _, held = stratified_holdout(np.asarray([item.label for item in items]), share, card.split.seed)
    return [items[i] for i in held]


def evaluate_decisions(items: list[LabelledImage], classifier: OnnxClassifier, card: ModelCard) -> Decisions:
    settings = get_settings()
    threshold = settings.confidence_threshold
    recognition_threshold = settings.recognition_threshold
    return decisions(
        [item.class_name for item in items],
        score(items, classifier),
        classifier.classes,
        card.recommended_threshold if threshold is None else threshold,
        card.recognition_threshold if recognition_threshold is None else recognition_threshold,
    )
