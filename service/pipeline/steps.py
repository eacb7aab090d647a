"""The three steps of the pipeline, free of Lambda specifics: the handlers call these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from service.domain.errors import AccessDenied, ObjectNotFound
from service.domain.models import Decision, ObjectRef, Prediction, ResultRecord, SerializedImage
from service.domain.outcome_entries import outcome_entry
from service.domain.policy import verdict
from service.domain.probe import is_probe
from service.domain.review_items import ReviewItem, audit_draw
from service.runtime.settings import SerializeSettings

if TYPE_CHECKING:  # the protocol imports Pillow, which Filter never needs
    from service.domain.classifier import Classifier

# Each function imports what only its own step needs: a cold Filter never loads boto3, numpy or Pillow, and a
# cold Classify never loads boto3 (every import is a cold start cost; benchmarks/coldstart.py).


def serialize(
    ref: ObjectRef,
    uploaded_at: datetime,
    settings: SerializeSettings,
    execution: str,
    s3: Any | None = None,
    key_candidates: Sequence[str] | None = None,
    attempt: str | None = None,
) -> SerializedImage:
    """Finds which key the event means, claims the upload, reads the object (size cap first), decodes and
    validates it, and shrinks it to the model's input.

    The claim comes before anything can fail, so a redelivered event never reports a failure twice: an event
    whose key resolves to no object is claimed as delivered before `ObjectNotFound` is raised.
    """
    from service.dal.claims import claim
    from service.dal.clients import client
    from service.dal.objects import read_object_capped, resolve_key
    from service.domain import preprocessing
    from service.images.decode import decode_for_model
    from service.images.payload import encode_state_image

    s3 = s3 or client("s3")
    dynamodb = client("dynamodb")
    try:
        key = resolve_key(s3, ref.bucket, key_candidates or (ref.key,), ref.version_id, ref.etag)
    except (ObjectNotFound, AccessDenied):
        claim(dynamodb, settings.idempotency_table, ref, ref.sequencer, execution, attempt)
        raise
    ref = ref.model_copy(update={"key": key})
    claim(dynamodb, settings.idempotency_table, ref, ref.sequencer, execution, attempt)
    data, meta = read_object_capped(s3, ref.bucket, ref.key, settings.max_image_bytes, version_id=ref.version_id)
    decoded = decode_for_model(data, settings.max_image_pixels)
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
        pixels_png_b64=encode_state_image(small),
        uploaded_at=uploaded_at,
    )


def classify(image: SerializedImage, classifier: Classifier) -> Prediction:
    from service.images.payload import decode_state_image

    return classifier.predict([decode_state_image(image.pixels_png_b64)])[0]


def decide(
    image: SerializedImage,
    prediction: Prediction,
    threshold: float,
    recognition_threshold: float | None = None,
    audit_rate: float = 0.0,
) -> Decision:
    """The route, the record, and for the review route or a sampled audit the reviews table's item.

    Audits are drawn from the upload's identity, not at random, so a retried Filter decides the same. A probe
    (`scones doctor`) is never audited: audits measure the precision on real uploads."""
    chosen = verdict(prediction, threshold, recognition_threshold)
    route = chosen.route
    audit = (
        route == "accept"
        and not is_probe(image.key)
        and audit_draw(image.bucket, image.key, image.version_id) < audit_rate
    )
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
        reason=chosen.reason,
        recognition=prediction.recognition,
        recognition_threshold=recognition_threshold,
        etag=image.etag,
        version_id=image.version_id,
        uploaded_at=image.uploaded_at,
    )
    review_item = None
    if route == "review":
        review_item = ReviewItem.for_prediction(record).to_dynamodb()
    elif audit:
        audited = record.model_copy(update={"reason": "audit"})
        review_item = ReviewItem.for_prediction(audited, audit_rate=audit_rate).to_dynamodb()
    return Decision(
        route=route,
        record=record,
        item=record.to_dynamodb(),
        audit=audit,
        review_item=review_item,
        event=outcome_entry(record, audit),
    )
