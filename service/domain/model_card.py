"""The model card: what the shipped model is, how it was made, and how well it did on held-out data.

Written by `training.train` next to the ONNX file, read by serving for the class names, the calibration
temperature and the recommended confidence threshold.
"""

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from service.domain.paths import MODEL_CARD_PATH


class CardModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())


class DataFingerprint(CardModel):
    sha256: str = Field(description="sha256 over the sorted (file sha256, label) pairs of every image used.")
    num_images: int
    per_class: dict[str, int]


class DataSplit(CardModel):
    method: str = "stratified k-fold cross-validation, then the shipped model fitted on every image"
    seed: int
    folds: int
    fold_sizes: list[int]
    fold_accuracy: list[float] = Field(description="Accuracy of each fold's ensemble on the fold it never saw.")
    train_size: int = Field(description="Images the shipped model was trained on.")
    val_size: int = Field(description="Held-out predictions behind the validation metrics and thresholds.")


class ClassMetrics(CardModel):
    precision: float
    recall: float
    support: int


class Metrics(CardModel):
    accuracy: float
    per_class: dict[str, ClassMetrics]
    confusion_matrix: list[list[int]] = Field(
        description="Rows are true classes, columns predicted, in `classes` order."
    )
    num_images: int


class Calibration(CardModel):
    method: str = "temperature scaling on the held-out (out-of-fold) predictions"
    temperature: float = Field(gt=0.0)
    ece_before: float
    ece_after: float
    nll_before: float
    nll_after: float


class ThresholdRow(CardModel):
    threshold: float
    coverage: float = Field(description="Share of images whose confidence is at least the threshold.")
    accepted: int
    accepted_accuracy: float | None = Field(description="Accuracy among the accepted; None if none accepted.")


class ThresholdAnalysis(CardModel):
    target_accuracy: float
    rule: str
    coverage_at_recommended: float
    accuracy_at_recommended: float | None
    table: list[ThresholdRow]


class Training(CardModel):
    seconds: float = Field(description="Wall-clock time from reading the data to the trained model.")
    cpu_seconds: float = Field(description="CPU time of the same (all threads): robust to a busy machine.")
    seed: int
    threads: int
    hyperparameters: dict[str, float | int | str | bool]
    torch_version: str
    code_version: str = Field(description="git commit of the training code, '+dirty' if it had local changes.")


class ModelCard(CardModel):
    model_version: str
    created_at: datetime
    classes: tuple[str, ...]
    architecture: str
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    preprocessing: str
    onnx_opset: int
    onnx_sha256: str
    data: DataFingerprint
    split: DataSplit
    training: Training
    calibration: Calibration
    validation: Metrics
    recommended_threshold: float = Field(ge=0.0, le=1.0)
    thresholds: ThresholdAnalysis

    @property
    def temperature(self) -> float:
        return self.calibration.temperature


def read_model_card(path: Path) -> ModelCard:
    return ModelCard.model_validate_json(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def load_model_card(path: Path = MODEL_CARD_PATH) -> ModelCard:
    """The card at `path`, read once per process."""
    return read_model_card(path)
