"""The outcome event of each write, built from the very record written (Filter's route, a person's decision)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.domain.models import ResultRecord, SerializedImage, write_id
from service.domain.outcome_entries import outcome_entry, reviewed_entry
from service.domain.outcome_events import (
    IMAGE_ACCEPTED,
    IMAGE_REVIEWED,
    IMAGE_SENT_TO_REVIEW,
    ImageAccepted,
    ImageSentToReview,
    outcome_id,
)
from service.pipeline.steps import decide

UPLOADED = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def record(route: str = "accept", reason: str = "confident", label: str = "bicycle") -> ResultRecord:
    return ResultRecord.model_validate(
        {
            "bucket": "intake",
            "key": "a b/é+.png",
            "label": label,
            "confidence": 0.97,
            "probabilities": {"bicycle": 0.97, "motorcycle": 0.03},
            "model_version": "m-1",
            "route": route,
            "threshold": 0.9,
            "reason": reason,
            "etag": "e",
            "version_id": "v1",
            "uploaded_at": UPLOADED,
        }
    )


def test_an_accepted_record_is_image_accepted_with_its_write() -> None:
    entry = outcome_entry(record(), audit=True)
    assert entry.detail_type == IMAGE_ACCEPTED and entry.source == "scones"
    detail = entry.detail
    assert isinstance(detail, ImageAccepted) and detail.audit is True
    assert (detail.key, detail.version_id, detail.upload_id) == ("a b/é+.png", "v1", write_id("v1", "e", UPLOADED))
    assert detail.outcome_id == outcome_id("intake", "a b/é+.png", detail.upload_id, IMAGE_ACCEPTED)
    # The same write gives the same id (a retried Filter, a redelivery): consumers deduplicate on it.
    assert outcome_entry(record(), audit=True).detail.outcome_id == detail.outcome_id


@pytest.mark.parametrize("reason", ["low_confidence", "unrecognised"])
def test_a_review_record_is_image_sent_to_review_with_its_reason(reason: str) -> None:
    entry = outcome_entry(record(route="review", reason=reason), audit=False)
    assert entry.detail_type == IMAGE_SENT_TO_REVIEW
    assert isinstance(entry.detail, ImageSentToReview) and entry.detail.reason == reason


def test_kinds_and_decisions_have_ids_of_their_own() -> None:
    accepted = outcome_entry(record(), audit=False).detail.outcome_id
    sent = outcome_entry(record(route="review", reason="low_confidence"), audit=False).detail.outcome_id
    first = record().model_copy(update={"reviewed_at": datetime(2026, 11, 22, 11, 0, tzinfo=UTC)})
    again = record().model_copy(update={"reviewed_at": datetime(2026, 11, 22, 11, 5, tzinfo=UTC)})
    decided = reviewed_entry(first, "motorcycle", "ana", audit=True)
    assert len({accepted, sent, decided.detail.outcome_id}) == 3
    # A decision taken back and made again is a new outcome.
    assert reviewed_entry(again, "motorcycle", "ana", audit=True).detail.outcome_id != decided.detail.outcome_id
    assert decided.detail_type == IMAGE_REVIEWED
    assert decided.detail.model_dump(include={"label", "model_label", "overridden", "audit"}) == {
        "label": "motorcycle",
        "model_label": "bicycle",
        "overridden": True,
        "audit": True,
    }


def test_a_reviewed_entry_needs_the_decision_time() -> None:
    with pytest.raises(ValueError, match="reviewed_at"):
        reviewed_entry(record(), "bicycle", "ana", audit=False)


def test_filter_decides_with_the_event_of_its_write() -> None:
    from service.domain.models import Prediction

    image = SerializedImage(
        bucket="intake",
        key="k.png",
        version_id="v9",
        etag="e9",
        format="PNG",
        width=1,
        height=1,
        pixels_png_b64="",
        uploaded_at=UPLOADED,
    )
    prediction = Prediction(
        label="bicycle", confidence=0.6, probabilities={"bicycle": 0.6, "motorcycle": 0.4}, model_version="m"
    )
    decision = decide(image, prediction, threshold=0.9)
    assert decision.event is not None and decision.event.detail_type == IMAGE_SENT_TO_REVIEW
    assert decision.event.detail.upload_id == decision.record.upload_id == image.upload_id
    # The state machine reads these paths ($.decision.event.*, $.image.upload_id).
    dumped = decision.model_dump(mode="json")
    assert set(dumped["event"]) == {"source", "detail_type", "detail"}
    assert image.model_dump(mode="json")["upload_id"] == write_id("v9", "e9", UPLOADED)


@pytest.mark.parametrize("route", ["accept", "review"])
def test_a_doctor_probe_is_announced_under_its_own_source_only(route: str) -> None:
    probe = record(route=route, reason="confident" if route == "accept" else "low_confidence")
    probe = probe.model_copy(update={"key": "_scones-doctor/0a1b.png"})
    assert outcome_entry(probe, audit=False).source == "scones.doctor"
    assert outcome_entry(record(route=route), audit=False).source == "scones"
