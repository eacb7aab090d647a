"""Re-running failed objects after a fix: each failed message becomes a new execution of the pipeline.

The new execution gets the same input EventBridge would have given for the object as it is now, so it is
processed exactly like a fresh upload; the failed message is deleted once the execution has started.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from service.dal.queues import Queue
from service.domain.models import FailedMessage
from service.domain.probe import is_probe
from service.pipeline.events import REDRIVE_REASON


class RedriveResult(BaseModel):
    key: str
    started: bool
    execution_arn: str | None = None
    reason: str | None = None


def object_created_event(
    s3: Any,
    bucket: str,
    key: str,
    region: str,
    account: str = "000000000000",
    reason: str = REDRIVE_REASON,
    version_id: str | None = None,
) -> dict[str, Any]:
    """An EventBridge "Object Created" event for the object as it is now, or for `version_id` (the key as
    uploaded, as S3 sends it).

    The `reason` decides the claim (`service.pipeline.events.claim_attempt`): a redrive (the default) is a new
    attempt at the write and its fresh request id makes it a claim of its own; any other reason (a backfill) claims
    the write itself, exactly as S3's own event for that version does, so the two collapse to one outcome.
    """
    head = s3.head_object(Bucket=bucket, Key=key, **({"VersionId": version_id} if version_id else {}))
    obj: dict[str, Any] = {
        "key": key,
        "size": head["ContentLength"],
        "etag": head["ETag"].strip('"'),
        # S3's sequencer for the write cannot be known afterwards; a fresh one stands in (an unversioned
        # bucket's claims include it, so there a synthetic event is always a claim of its own).
        "sequencer": uuid.uuid4().hex.upper(),
    }
    if head.get("VersionId"):
        obj["version-id"] = head["VersionId"]
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": obj,
            "request-id": uuid.uuid4().hex.upper(),
            "requester": account,
            "reason": reason,
        },
    }


def redrive(
    s3: Any,
    sqs: Any,
    stepfunctions: Any,
    failed_queue_url: str,
    state_machine_arn: str,
    region: str,
    keys: set[str] | None = None,
) -> list[RedriveResult]:
    """Starts a new execution for each failed message (those for `keys`, or all) and removes the message."""
    queue = Queue(sqs, failed_queue_url)
    results: list[RedriveResult] = []
    held: list[str] = []
    try:
        for message in queue.receive(visibility_timeout=60):
            failure = FailedMessage.model_validate(message.body)
            # A `scones doctor` probe's failure is the doctor's to remove, never to re-run.
            if (keys is not None and failure.key not in keys) or (keys is None and is_probe(failure.key)):
                held.append(message.receipt_handle)
                continue
            results.append(_redrive_one(s3, stepfunctions, state_machine_arn, region, failure))
            if results[-1].started:
                queue.delete(message.receipt_handle)
            else:
                held.append(message.receipt_handle)
    finally:
        queue.release(held)
    return results


def _redrive_one(
    s3: Any, stepfunctions: Any, state_machine_arn: str, region: str, failure: FailedMessage
) -> RedriveResult:
    try:
        event = object_created_event(s3, failure.bucket, failure.key, region)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("404", "NoSuchKey", "NotFound"):
            return RedriveResult(key=failure.key, started=False, reason="The object is no longer in the bucket.")
        raise
    execution = stepfunctions.start_execution(
        stateMachineArn=state_machine_arn, name=f"redrive-{uuid.uuid4()}", input=json.dumps(event)
    )
    return RedriveResult(key=failure.key, started=True, execution_arn=execution["executionArn"])
