"""The three steps of the pipeline, free of Lambda specifics: the handlers call these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service import images, preprocessing
from service.aws import client
from service.classifier import Classifier
from service.idempotency import claim
from service.model_card import load_model_card
from service.models import Decision, ObjectRef, Prediction, ResultRecord, SerializedImage
from service.policy import route_for
from service.settings import Settings


def serialize(
    ref: ObjectRef, uploaded_at: datetime, settings: Settings, execution: str | None = None, s3: Any | None = None
) -> SerializedImage:
    """Claims the upload, reads the object (size cap first), decodes and validates it, and shrinks it to the
    model's input."""
    if settings.idempotency_table and execution:
        claim(client("dynamodb"), settings.idempotency_table, ref, ref.sequencer, execution)
    data, meta = images.read_object_capped(
        s3 or client("s3"), ref.bucket, ref.key, settings.max_image_bytes, version_id=ref.version_id
    )
    decoded = images.decode_image(data, settings.max_image_pixels)
    small = preprocessing.fit_to_input(decoded.image)
    return SerializedImage(
        bucket=ref.bucket,
        key=ref.key,
        version_id=meta.version_id or ref.version_id,
        etag=meta.etag or ref.etag,
        size=len(data),
        sequencer=ref.sequencer,
        format=decoded.format,
        width=decoded.width,
        height=decoded.height,
        pixels_png_b64=images.encode_png_b64(small),
        uploaded_at=uploaded_at,
    )


def classify(image: SerializedImage, classifier: Classifier) -> Prediction:
    return classifier.predict([images.decode_png_b64(image.pixels_png_b64)])[0]


def threshold(settings: Settings) -> float:
    """The configured threshold, else the one the model card recommends."""
    if settings.confidence_threshold is not None:
        return settings.confidence_threshold
    return load_model_card(settings.model_card_path).recommended_threshold


def decide(image: SerializedImage, prediction: Prediction, threshold: float) -> Decision:
    route = route_for(prediction, threshold)
    record = ResultRecord(
        bucket=image.bucket,
        key=image.key,
        label=prediction.label,
        confidence=prediction.confidence,
        probabilities=prediction.probabilities,
        model_version=prediction.model_version,
        source="model",
        route=route,
        threshold=threshold,
        etag=image.etag,
        version_id=image.version_id,
        uploaded_at=image.uploaded_at,
    )
    return Decision(route=route, record=record, item=record.to_dynamodb())
