"""The outcome event of each write the service makes: built from the very record that is written."""

from __future__ import annotations

from datetime import datetime

from service.domain.models import ResultRecord, format_utc
from service.domain.outcome_events import (
    IMAGE_ACCEPTED,
    IMAGE_REVIEW_UNDONE,
    IMAGE_REVIEWED,
    IMAGE_SENT_TO_REVIEW,
    PROBE_SOURCE,
    SOURCE,
    ImageAccepted,
    ImageReviewed,
    ImageReviewUndone,
    ImageSentToReview,
    OutcomeEntry,
    outcome_id,
)
from service.domain.probe import is_probe


def outcome_entry(record: ResultRecord, audit: bool) -> OutcomeEntry:
    """Filter's route as an event: accepted (perhaps audited) or sent to review."""
    common = {
        "bucket": record.bucket,
        "key": record.key,
        "version_id": record.version_id,
        "upload_id": record.upload_id,
        "model_version": record.model_version,
        "label": record.label,
        "confidence": record.confidence,
        "probabilities": record.probabilities,
        "recognition": record.recognition,
        "threshold": record.threshold,
    }
    source = PROBE_SOURCE if is_probe(record.key) else SOURCE
    if record.route == "accept":
        oid = outcome_id(record.bucket, record.key, record.upload_id, IMAGE_ACCEPTED)
        return OutcomeEntry(
            source=source, detail_type=IMAGE_ACCEPTED, detail=ImageAccepted(**common, outcome_id=oid, audit=audit)
        )
    reason = "unrecognised" if record.reason == "unrecognised" else "low_confidence"
    oid = outcome_id(record.bucket, record.key, record.upload_id, IMAGE_SENT_TO_REVIEW)
    return OutcomeEntry(
        source=source,
        detail_type=IMAGE_SENT_TO_REVIEW,
        detail=ImageSentToReview(**common, outcome_id=oid, reason=reason),
    )


def reviewed_entry(prediction: ResultRecord, label: str, reviewer: str, audit: bool) -> OutcomeEntry:
    """A person's decision on the model's `prediction`; `prediction.reviewed_at` (required) is the decision time.

    The decision time is part of the outcome_id: a decision taken back and made again is a new outcome.
    """
    decided_at = format_utc(prediction.reviewed_at) if prediction.reviewed_at else None
    if decided_at is None:
        raise ValueError("a reviewed entry needs the decision time (reviewed_at)")
    model_label = prediction.model_label or prediction.label
    oid = outcome_id(prediction.bucket, prediction.key, prediction.upload_id, IMAGE_REVIEWED, decided_at)
    return OutcomeEntry(
        detail_type=IMAGE_REVIEWED,
        detail=ImageReviewed(
            bucket=prediction.bucket,
            key=prediction.key,
            version_id=prediction.version_id,
            upload_id=prediction.upload_id,
            outcome_id=oid,
            model_version=prediction.model_version,
            label=label,
            reviewer=reviewer,
            reviewed_at=decided_at,
            model_label=model_label,
            model_confidence=(
                prediction.model_confidence if prediction.model_confidence is not None else prediction.confidence
            ),
            overridden=label != model_label,
            audit=audit,
        ),
    )


def undone_entry(decision: ResultRecord, reviewer: str, audit: bool, undone_at: datetime) -> OutcomeEntry:
    """The taking back of `decision` (the person's record, `reviewed_at` its time): it names the decision by the
    outcome_id its `Image Reviewed` carried."""
    reviewed = reviewed_entry(decision, decision.label, reviewer, audit).detail
    return OutcomeEntry(
        detail_type=IMAGE_REVIEW_UNDONE,
        detail=ImageReviewUndone(
            bucket=decision.bucket,
            key=decision.key,
            version_id=decision.version_id,
            upload_id=decision.upload_id,
            outcome_id=reviewed.outcome_id,
            model_version=decision.model_version,
            label=decision.label,
            reviewer=reviewer,
            reviewed_at=format_utc(decision.reviewed_at) if decision.reviewed_at else "",
            undone_at=format_utc(undone_at),
            audit=audit,
        ),
    )
