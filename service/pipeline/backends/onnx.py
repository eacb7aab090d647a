"""The in-process model: the shipped ONNX graph under onnxruntime (no torch anywhere on this path).

The graph has two outputs: `logits` (bicycle, motorcycle; calibrated here with the card's temperature) and
`recognition` (how much the image looks like a bicycle or motorcycle at all, in [0, 1]). A graph with only
`logits` (a model from before the recognition score) gives recognition 1.0.
"""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from service.domain import preprocessing
from service.domain.errors import ModelError
from service.domain.model_card import ModelCard
from service.domain.models import Prediction


def softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    scaled = logits.astype(np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


class OnnxClassifier:
    """Classifies model-sized images with one onnxruntime session, created once (per Lambda container)."""

    def __init__(self, model_path: Path, card: ModelCard, intra_op_threads: int = 1) -> None:
        options = ort.SessionOptions()
        # One thread by default: a Lambda function has about one vCPU, and one image gains nothing from more.
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self._outputs = [output.name for output in self._session.get_outputs()]
        self._card = card
        if (card.input_size, card.mean, card.std) != (
            preprocessing.INPUT_SIZE,
            preprocessing.MEAN,
            preprocessing.STD,
        ):
            raise ModelError("The model card's preprocessing does not match service.domain.preprocessing.")

    @property
    def classes(self) -> tuple[str, ...]:
        return self._card.classes

    @property
    def model_version(self) -> str:
        return self._card.model_version

    def run(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated class probabilities (N, classes) and recognition scores (N,) for a preprocessed batch."""
        if len(batch) == 0:
            return np.zeros((0, len(self.classes))), np.zeros(0)
        outputs = self._session.run(None, {self._input: batch})
        logits = outputs[0]
        if logits.shape != (len(batch), len(self.classes)) or not np.isfinite(logits).all():
            raise ModelError(f"The model returned logits of shape {logits.shape} or non-finite values.")
        if len(outputs) > 1:
            recognition = np.asarray(outputs[1], dtype=np.float64).reshape(-1)
            if recognition.shape != (len(batch),) or not np.isfinite(recognition).all():
                raise ModelError(f"The model returned recognition of shape {recognition.shape} or non-finite values.")
            recognition = np.clip(recognition, 0.0, 1.0)
        else:
            recognition = np.ones(len(batch))
        return softmax(logits, self._card.calibration.temperature), recognition

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities for a preprocessed NCHW batch."""
        return self.run(batch)[0]

    def predict(self, images: Sequence[Image.Image]) -> list[Prediction]:
        # fit_to_input is a no-op for images already normalised by it, and makes any other image safe.
        batch = preprocessing.to_array([preprocessing.fit_to_input(image) for image in images])
        predictions = []
        probabilities, recognition = self.run(batch)
        for row, recognised in zip(probabilities, recognition, strict=True):
            best = int(row.argmax())
            predictions.append(
                Prediction(
                    label=self.classes[best],
                    confidence=float(row[best]),
                    probabilities={name: float(p) for name, p in zip(self.classes, row, strict=True)},
                    model_version=self.model_version,
                    recognition=float(recognised),
                )
            )
        return predictions
