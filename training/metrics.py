"""Classification metrics and temperature calibration, in NumPy (shared by training and evaluation)."""

import itertools

import numpy as np

from service.domain.model_card import ClassMetrics, Metrics


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def classification_metrics(labels: np.ndarray, predicted: np.ndarray, classes: tuple[str, ...]) -> Metrics:
    labels = np.asarray(labels, dtype=int)
    predicted = np.asarray(predicted, dtype=int)
    k = len(classes)
    confusion = np.zeros((k, k), dtype=int)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = {}
    for i, name in enumerate(classes):
        predicted_i = confusion[:, i].sum()
        actual_i = confusion[i, :].sum()
        per_class[name] = ClassMetrics(
            precision=float(confusion[i, i] / predicted_i) if predicted_i else 0.0,
            recall=float(confusion[i, i] / actual_i) if actual_i else 0.0,
            support=int(actual_i),
        )
    return Metrics(
        accuracy=float((labels == predicted).mean()) if len(labels) else 0.0,
        per_class=per_class,
        confusion_matrix=confusion.tolist(),
        num_images=len(labels),
    )


def nll(probabilities: np.ndarray, labels: np.ndarray) -> float:
    picked = probabilities[np.arange(len(labels)), labels]
    return float(-np.log(np.clip(picked, 1e-12, 1.0)).mean())


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """Weighted mean |accuracy - confidence| over equal-width confidence bins."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising validation NLL: a coarse log-spaced grid, then a fine one around the best.
    (One parameter: a grid is exact enough and has no convergence questions.)"""
    coarse = np.exp(np.linspace(np.log(0.05), np.log(20.0), 200))
    best = min(coarse, key=lambda t: nll(softmax(logits, t), labels))
    fine = np.linspace(best * 0.95, best * 1.05, 101)
    return float(min(fine, key=lambda t: nll(softmax(logits, t), labels)))
