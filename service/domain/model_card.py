"""The model card: what the shipped model is, how it was made, and how well it did on held-out data.

Written by `training.train` next to the ONNX file, read by serving for the class names, the calibration
temperature, the recommended confidence threshold and the recognition threshold.
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
    folds: int = 0
    fold_sizes: list[int] = Field(default_factory=list)
    fold_accuracy: list[float] = Field(
        default_factory=list, description="Accuracy of each fold's ensemble on the fold it never saw."
    )
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
    accepted_correct: int | None = Field(default=None, description="How many of the accepted were right.")
    precision_lower: float | None = Field(
        default=None,
        description="One-sided lower confidence bound (ThresholdAnalysis.bound) on the accepted accuracy.",
    )


class ThresholdAnalysis(CardModel):
    target_accuracy: float
    rule: str
    coverage_at_recommended: float
    accuracy_at_recommended: float | None
    table: list[ThresholdRow]
    bound: str | None = Field(default=None, description="The lower confidence bound in `precision_lower`.")
    evidence: str | None = Field(default=None, description="The predictions the table counts, and whose.")
    images: int | None = Field(default=None, description="How many predictions the table counts.")
    lower_at_recommended: float | None = Field(
        default=None, description="The lower bound on the accepted accuracy at the recommended threshold."
    )
    target_certified: bool | None = Field(
        default=None, description="Whether that bound reaches the target; if not, it is what the data can certify."
    )


class Recognition(CardModel):
    """The recognition score (how much an image looks like a bicycle or motorcycle at all) and its threshold:
    below it the decision is review with reason `unrecognised`, whatever the class confidence."""

    threshold: float = Field(ge=0.0, le=1.0, description="The recognition score at and above which an image counts.")
    method: str
    photo_score: str
    thumbnail_score: str
    photo_threshold: float = Field(description="Raw photo score mapped to `threshold` (chosen on built negatives).")
    thumbnail_threshold: float = Field(description="Raw thumbnail score mapped to `threshold` (same rule).")
    photo_detail: float = Field(description="Detail measure where the blend switches from thumbnail to photo.")
    negatives: dict[str, int] = Field(description="Held-out images of neither class the thresholds were chosen on.")
    negatives_recognised: dict[str, float] = Field(description="Share of those negatives at or above the threshold.")
    validation_recognised: float = Field(description="Share of the held-out two-wheelers at or above the threshold.")
    coverage_with_gate: float = Field(
        description="Share of the held-out two-wheelers auto-accepted (recognised and confident)."
    )
    accuracy_with_gate: float | None = Field(description="Accuracy of those auto-accepted.")


class ReviewedData(CardModel):
    """People's decisions trained on (`training.train --reviewed`): an export of the review desk."""

    sha256: str = Field(description="sha256 over the sorted (file sha256, label) pairs, as DataFingerprint.")
    num_images: int
    per_class: dict[str, int] = Field(description="By people's label; `other` is the neither class.")
    source: str = Field(description="The export folder's name.")


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
    # Models before the recognition score have none: every image counts as recognised.
    recognition: Recognition | None = None
    # Models trained on CIFAR alone have none.
    reviewed: ReviewedData | None = None

    @property
    def recognition_threshold(self) -> float:
        return self.recognition.threshold if self.recognition else 0.0

    @property
    def temperature(self) -> float:
        return self.calibration.temperature


def read_model_card(path: Path) -> ModelCard:
    return ModelCard.model_validate_json(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def load_model_card(path: Path = MODEL_CARD_PATH) -> ModelCard:
    """The card at `path`, read once per process."""
    return read_model_card(path)
