"""The events the stack publishes on its own EventBridge bus: one per outcome of an upload.

Every event has `source` "scones" and one `detail-type` per kind of outcome. A consumer deduplicates on
`outcome_id`: it is derived from the write and the kind (and, for a person's decision, its time), so every
redelivery of the same outcome carries the same one. `schema_version` grows only when a field changes meaning or
goes away; new fields are added without a new version. The JSON Schemas in schemas/events/ are generated from
these models (`python -m service.domain.outcome_events`) and a test keeps them in sync.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.domain import metric_names

SOURCE = "scones"
#: The source of the events of `scones doctor`'s probe images: on the same bus, so the doctor sees the bus work end
#: to end, but under a source of their own, so that no subscriber to "scones" ever counts a probe.
PROBE_SOURCE = "scones.doctor"
SCHEMA_VERSION = 1

IMAGE_ACCEPTED = "Image Accepted"
IMAGE_SENT_TO_REVIEW = "Image Sent To Review"
IMAGE_REVIEWED = "Image Reviewed"
IMAGE_FAILED = "Image Failed"
IMAGE_REVIEW_UNDONE = "Image Review Undone"

#: Counted (namespace Scones, dimension service=scones) by the state machine's CountUnpublished and by the review
#: desk when an outcome's event could not be published after its retries; an alarm watches it.
NOT_PUBLISHED_METRIC = metric_names.OUTCOME_EVENTS_NOT_PUBLISHED

DetailType = Literal["Image Accepted", "Image Sent To Review", "Image Reviewed", "Image Failed", "Image Review Undone"]


def outcome_id(bucket: str, key: str, upload_id: str, kind: str, decided_at: str | None = None) -> str:
    """SHA-256 of the write and the kind: the state machine computes the same with States.Hash (Image Failed)."""
    text = f"{bucket}/{key}|{upload_id}|{kind}"
    if decided_at is not None:
        text += f"|{decided_at}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class OutcomeDetail(BaseModel):
    """What every outcome event's `detail` carries."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    bucket: str
    key: str = Field(description="The object key exactly as uploaded (decoded: spaces and non-ASCII intact).")
    version_id: str | None = Field(description="The S3 version of the write (null in an unversioned bucket).")
    upload_id: str = Field(description="Which write of the key: the sort key of the results and reviews tables.")
    outcome_id: str = Field(description="The same on every delivery of this outcome: deduplicate on it.")
    model_version: str | None = Field(description="The model that answered (null when it never ran).")
    schema_version: int = SCHEMA_VERSION


class ImageAccepted(OutcomeDetail):
    """The model's answer was accepted and stored in the results table."""

    label: str
    confidence: float
    probabilities: dict[str, float]
    recognition: float | None = None
    threshold: float
    audit: bool = Field(description="Also sampled for a person to check (an `Image Reviewed` may follow).")


class ImageSentToReview(OutcomeDetail):
    """The image waits for a person (the model's answer beside it)."""

    reason: Literal["low_confidence", "unrecognised"]
    label: str = Field(description="The model's answer.")
    confidence: float
    probabilities: dict[str, float]
    recognition: float | None = None
    threshold: float


class ImageReviewed(OutcomeDetail):
    """A person decided (a review, or an audit of an accepted answer)."""

    label: str = Field(description="The person's label.")
    reviewer: str
    reviewed_at: str
    model_label: str
    model_confidence: float
    overridden: bool = Field(description="The person's label differs from the model's.")
    audit: bool = Field(description="The image had been accepted and was sampled for this check.")


class ImageFailed(OutcomeDetail):
    """The image could not be classified; its message waits in the failed queue."""

    error: str = Field(description="Machine-readable error code.")
    cause: str
    step: str = Field(description="The state that failed: Serialize, Classify, Filter, StoreResult, RecordReview.")


class ImageReviewUndone(OutcomeDetail):
    """A person took their decision back: the `Image Reviewed` whose `outcome_id` this event carries no longer
    holds, and the write waits for review again (a new decision is a new `Image Reviewed`, with a new outcome_id).
    Deduplicate on the detail-type and `outcome_id` together: this event shares its outcome_id with the decision
    it cancels."""

    outcome_id: str = Field(description="The outcome_id of the `Image Reviewed` this takes back.")
    label: str = Field(description="The label that was taken back.")
    reviewer: str
    reviewed_at: str = Field(description="When the decision taken back was made.")
    undone_at: str
    audit: bool = Field(description="The image had been accepted and sampled; its accepted record stands again.")


DETAILS: dict[str, type[OutcomeDetail]] = {
    IMAGE_ACCEPTED: ImageAccepted,
    IMAGE_SENT_TO_REVIEW: ImageSentToReview,
    IMAGE_REVIEWED: ImageReviewed,
    IMAGE_FAILED: ImageFailed,
    IMAGE_REVIEW_UNDONE: ImageReviewUndone,
}


class OutcomeEntry(BaseModel):
    """One PutEvents entry without its bus (the state machine and the publisher add it)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    source: str = SOURCE
    detail_type: DetailType
    detail: ImageAccepted | ImageSentToReview | ImageReviewed | ImageFailed | ImageReviewUndone


class OutcomeEvent(BaseModel):
    """An outcome event as EventBridge delivers it to a rule's target."""

    model_config = ConfigDict(populate_by_name=True, defer_build=True)

    version: str = "0"
    id: str
    detail_type: DetailType = Field(alias="detail-type")
    source: Literal["scones", "scones.doctor"]
    account: str
    time: str
    region: str
    resources: list[str] = []
    detail: dict[str, object]

    def parsed_detail(self) -> OutcomeDetail:
        return DETAILS[self.detail_type].model_validate(self.detail)


def schema_file_name(detail_type: str) -> str:
    """'Image Sent To Review' → 'image-sent-to-review.json'."""
    return detail_type.lower().replace(" ", "-") + ".json"


def json_schemas() -> dict[str, dict[str, object]]:
    """The JSON Schema of each kind's detail, by file name."""
    return {schema_file_name(kind): model.model_json_schema() for kind, model in DETAILS.items()}
