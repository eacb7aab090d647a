"""S3's "Object Created" events as S3 sends them to EventBridge, which moto's own events are not.

On AWS every write of an object sends exactly one event, whose `reason` names the request (PutObject, POST Object,
CopyObject, CompleteMultipartUpload) and whose `sequencer` belongs to that write: a redelivery carries the same
one, a later write of the key a greater one. moto instead sends two events for a multipart upload (its
`complete_multipart_upload` writes through `put_object`, which notifies, then notifies again), gives every event
the same sequencer and the reason "ObjectCreated", and writes the time as a number. The two functions here replace
moto's sender (patched in by `service.local.patches`).
"""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from moto.s3 import notifications
from moto.s3.notifications import S3NotificationEvent

#: The `reason` S3 gives each kind of write (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html).
REASONS = {
    S3NotificationEvent.OBJECT_CREATED_PUT_EVENT: "PutObject",
    S3NotificationEvent.OBJECT_CREATED_POST_EVENT: "POST Object",
    S3NotificationEvent.OBJECT_CREATED_COPY_EVENT: "CopyObject",
    S3NotificationEvent.OBJECT_CREATED_COMPLETE_MULTIPART_UPLOAD_EVENT: "CompleteMultipartUpload",
}
log = logging.getLogger(__name__)
_SEQUENCER = "_scones_sequencer"
_writes = itertools.count()


def sequencer_of(key: Any) -> str:
    """The sequencer of one write (one moto FakeKey): made once, when the write is first notified, then kept.

    Hex, and growing with every write, as S3's are (S3 compares them as strings of equal length).
    """
    found = getattr(key, _SEQUENCER, None)
    if found is None:
        found = f"{time.time_ns():016X}{next(_writes) % 0x10000:04X}"
        setattr(key, _SEQUENCER, found)
    return str(found)


def one_event_per_write(original: Callable[..., None]) -> Callable[..., None]:
    """Wraps moto's `notifications.send_event`: the Put event that a completed multipart upload sends through
    `put_object` is dropped, since `complete_multipart_upload` then sends the write's real event.

    A key built from parts and notified as a Put can only come from there: `copy_object` writes with notifications
    off and sends its own Copy event.
    """

    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        if event_name == S3NotificationEvent.OBJECT_CREATED_PUT_EVENT and getattr(key, "multipart", None) is not None:
            return
        original(account_id, event_name, bucket, key)

    return send_event


def object_event(account_id: str, bucket: Any, event_name: str, key: Any) -> dict[str, Any]:
    """The EventBridge event S3 sends for this write (the key as uploaded: moto's keys are decoded)."""
    obj: dict[str, Any] = {
        "key": key.name,
        "size": key.size,
        "etag": key.etag.replace('"', ""),
        "sequencer": sequencer_of(key),
    }
    if bucket.is_versioned:
        obj["version-id"] = key.version_id
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": notifications._detail_type(event_name),
        "source": "aws.s3",
        "account": account_id,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": bucket.region_name,
        "resources": [bucket.arn],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket.name},
            "object": obj,
            "request-id": uuid.uuid4().hex[:16].upper(),
            "requester": account_id,
            "source-ip-address": "127.0.0.1",
            "reason": REASONS.get(S3NotificationEvent(event_name), event_name.split(":")[1]),
        },
    }


def send_event_bridge_message(account_id: str, bucket: Any, event_name: str, key: Any) -> None:
    """Replaces moto's `notifications._send_event_bridge_message`: every rule of every bus sees the event."""
    from moto.events.models import EventMessageType, events_backends

    try:
        event = object_event(account_id, bucket, event_name, key)
        for event_bus in events_backends[account_id][bucket.region_name].event_buses.values():
            for rule in event_bus.rules.values():
                rule.send_to_targets(cast(EventMessageType, event), transform_input=False)
    except Exception:  # asynchronous on AWS: the write itself has succeeded whatever happens to its event
        log.exception("could not send the event for s3://%s/%s", bucket.name, key.name)
