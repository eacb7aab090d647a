"""Every payload that crosses a boundary (event, step state, record, message) as a Pydantic model."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, computed_field

from service.domain.dynamodb_json import from_item, to_item
from service.domain.outcome_events import OutcomeEntry

Route = Literal["accept", "review"]
Source = Literal["model", "human"]
#: Why an image went where it did: `confident` (accepted), `low_confidence` and `unrecognised` (the photo shows
#: neither class, as far as the model can tell) go to people; `audit` is an accepted image also sampled for people
#: to check, which is how the service measures its own precision.
Reason = Literal["confident", "low_confidence", "unrecognised", "audit"]
#: What a person answers when the photo shows none of the model's classes.
OTHER_LABEL = "other"


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_utc(moment: datetime) -> str:
    """One fixed-width UTC format, so that stored times sort and compare as strings (the table's index)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


UtcDatetime = Annotated[datetime, PlainSerializer(format_utc, return_type=str, when_used="json")]


class Frozen(BaseModel):
    # Validators are built on a model's first use, not at import: each function uses a few of these models, and
    # building them all is a cold start cost (defer_build; the same in outcome_events).
    model_config = ConfigDict(frozen=True, populate_by_name=True, defer_build=True)


class ObjectRef(Frozen):
    """An uploaded object, with its key exactly as uploaded (decoded)."""

    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None
    size: int | None = None
    #: S3's ordering token for this write of the key: two uploads of one key never share it.
    sequencer: str | None = None


class SerializedImage(ObjectRef):
    """Serialize's output: a reference to the object plus its normalised pixels (a few KB, never the original)."""

    format: str
    width: int
    height: int
    # The name is historical: the image is lossless WebP, or JPEG when that would not fit (images/payload.py).
    pixels_png_b64: str = Field(description="The model-sized RGB image, base64 (service.images.payload).")
    uploaded_at: UtcDatetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def upload_id(self) -> str:
        """Which write of the key this is (see `write_id`): the failure path's outcome event names it."""
        return write_id(self.version_id, self.etag, self.uploaded_at)


class Prediction(Frozen):
    label: str
    confidence: float = Field(ge=0.0, le=1.0)
    probabilities: dict[str, float]
    model_version: str
    #: How much the photo looks like any of the classes at all (None: the backend does not score it).
    recognition: float | None = Field(default=None, ge=0.0, le=1.0)


class ClassifyInput(Frozen):
    image: SerializedImage


class FilterInput(Frozen):
    image: SerializedImage
    prediction: Prediction


def write_id(version_id: str | None, etag: str | None, uploaded_at: datetime) -> str:
    """Which write of the key this is: the S3 version when the bucket is versioned, else ETag and time.

    Both tables key their items on (key, this): one record or review per write, never one per key.
    """
    return "|".join((version_id or "", etag or "", format_utc(uploaded_at)))


class ResultRecord(Frozen):
    """One row of the results table (one per write: key + `upload_id`), and what a review item keeps."""

    bucket: str
    key: str
    label: str
    confidence: float
    probabilities: dict[str, float]
    model_version: str
    source: Source = "model"
    route: Route
    threshold: float
    reason: Reason | None = None
    recognition: float | None = None
    recognition_threshold: float | None = None
    etag: str | None = None
    version_id: str | None = None
    uploaded_at: UtcDatetime
    completed_at: UtcDatetime = Field(default_factory=utc_now)
    # Set when a person decided (source == "human").
    reviewer: str | None = None
    #: The signed-in reviewer's permanent id in the user pool (the token's `sub`), beside their email.
    reviewer_sub: str | None = None
    reviewed_at: UtcDatetime | None = None
    model_label: str | None = None
    model_confidence: float | None = None

    @property
    def upload_id(self) -> str:
        """The write this record belongs to: the results table's sort key."""
        return write_id(self.version_id, self.etag, self.uploaded_at)

    def to_dynamodb(self) -> dict[str, dict[str, Any]]:
        """The item in DynamoDB's typed JSON, as the state machine's PutItem integration needs it."""
        plain = json.loads(self.model_dump_json(exclude_none=True), parse_float=Decimal)
        plain["upload_id"] = self.upload_id
        return to_item(plain)

    @classmethod
    def from_dynamodb(cls, item: dict[str, Any]) -> ResultRecord:
        plain = from_item(item)
        return cls.model_validate(json.loads(json.dumps(plain, default=float)))


class Decision(Frozen):
    """Filter's output: where the object goes and what is written there."""

    route: Route
    record: ResultRecord
    item: dict[str, dict[str, Any]] = Field(description="`record` as a DynamoDB item, for PutItem.")
    #: An accepted image also sampled for people to check (its record is stored all the same).
    audit: bool = False
    review_item: dict[str, dict[str, Any]] | None = Field(
        default=None, description="The reviews table's item (review route, or an audit), for PutItem."
    )
    #: The outcome event the state machine publishes once the write above is done.
    event: OutcomeEntry | None = None


class FailedMessage(Frozen):
    """A failed-queue message, built by the state machine's Catch path."""

    bucket: str
    key: str
    error: str
    cause: str
    step: str
    execution: str | None = None
    failed_at: datetime | None = None

    @property
    def reason(self) -> str:
        """The human sentence: Lambda errors carry it inside a JSON `cause`."""
        try:
            parsed = json.loads(self.cause)
        except ValueError:
            return self.cause
        if isinstance(parsed, dict) and "errorMessage" in parsed:
            return str(parsed["errorMessage"])
        return self.cause
