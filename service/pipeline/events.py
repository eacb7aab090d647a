"""The one place that knows how an incoming S3 notification names the object's key.

Two shapes arrive:
- EventBridge "Object Created" events (the pipeline's trigger). Whether `detail.object.key` is the key as
  uploaded or form-URL-encoded is not documented: S3 sends it as uploaded as far as anyone has observed, while
  Powertools' own EventBridge S3 data class URL-decodes it. Neither is bet on: the event yields two candidates,
  the key as delivered and its form-decoded variant, and `service.dal.objects.resolve_key` asks the bucket which
  of them holds the event's version and ETag (`key_candidates`).
- Classic S3 notifications (`Records`, as S3 sends to Lambda, SQS and SNS). Their keys are documented as
  form-URL-encoded ("red flower.jpg" arrives as "red+flower.jpg", "+" as "%2B"): decoded with `unquote_plus`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel, S3Model
from pydantic import BaseModel, Field

from service.domain.errors import InvalidEvent
from service.domain.models import ObjectRef

ObjectCreatedEvent = Annotated[
    S3EventNotificationEventBridgeModel | S3Model,
    Field(description="An S3 object-created notification, from EventBridge or classic S3 notifications."),
]


class SerializeInput(BaseModel):
    """What the state machine gives Serialize: the event as delivered, and the execution handling it."""

    event: ObjectCreatedEvent
    execution: str


def object_ref(event: S3EventNotificationEventBridgeModel | S3Model) -> ObjectRef:
    if isinstance(event, S3EventNotificationEventBridgeModel):
        obj = event.detail.object
        return ObjectRef(
            bucket=event.detail.bucket.name,
            key=obj.key,
            version_id=obj.version_id,
            etag=obj.etag,
            size=int(obj.size) if obj.size is not None else None,
            sequencer=obj.sequencer,
        )
    if len(event.Records) != 1:
        raise InvalidEvent(f"Expected one S3 record per event, got {len(event.Records)}.")
    record = event.Records[0].s3
    if record.object is None:
        raise InvalidEvent("The S3 record names no object.")
    return ObjectRef(
        bucket=record.bucket.name,
        key=unquote_plus(record.object.key),
        version_id=record.object.versionId,
        etag=record.object.eTag,
        size=record.object.size,
        sequencer=record.object.sequencer,
    )


def key_candidates(event: S3EventNotificationEventBridgeModel | S3Model) -> tuple[str, ...]:
    """The keys the event may mean, the one it names first (a single one when decoding changes nothing)."""
    key = object_ref(event).key
    if not isinstance(event, S3EventNotificationEventBridgeModel):
        return (key,)
    decoded = unquote_plus(key)
    return (key,) if decoded == key else (key, decoded)


#: The `reason` of events that `service.ops.redrive` makes: a deliberate new attempt at a write that failed.
REDRIVE_REASON = "Redrive"


def claim_attempt(event: S3EventNotificationEventBridgeModel | S3Model) -> str | None:
    """What tells a redrive of a write apart from the write's own delivery (which it would otherwise duplicate):
    its request id, made fresh for every redrive and kept by any redelivery of it. None for S3's events."""
    if isinstance(event, S3EventNotificationEventBridgeModel) and event.detail.reason == REDRIVE_REASON:
        return event.detail.request_id
    return None


def event_time(event: S3EventNotificationEventBridgeModel | S3Model) -> datetime:
    if isinstance(event, S3EventNotificationEventBridgeModel):
        return event.time
    return event.Records[0].eventTime
