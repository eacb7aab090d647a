"""The one place that turns an incoming S3 notification into the object's real key.

Two shapes arrive:
- EventBridge "Object Created" events (the pipeline's trigger). Their `detail.object.key` is the key as
  uploaded, not URL-encoded.
- Classic S3 notifications (`Records`, as S3 sends to Lambda, SQS and SNS). Their keys are form-URL-encoded
  ("red flower.jpg" arrives as "red+flower.jpg", "+" as "%2B"), so they are decoded with `unquote_plus`.
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


def event_time(event: S3EventNotificationEventBridgeModel | S3Model) -> datetime:
    if isinstance(event, S3EventNotificationEventBridgeModel):
        return event.time
    return event.Records[0].eventTime
