"""At-least-once delivery, exactly-once outcome: the first execution for an upload claims it.

EventBridge may deliver the same S3 event more than once, and each delivery starts an execution. Each upload is
identified by its bucket, key, ETag and S3 sequencer (unique per write of a key); the Serialize step claims that
identity with a conditional write, and a later execution for the same identity stops with `DuplicateDelivery`
before doing anything (the state machine ends it without an outcome, since the first one has or will have one).

Why a conditional write rather than Powertools' idempotency utility: that utility replays the first call's
result, so the duplicate execution would carry on and send a second review message. Here the duplicate must stop.
A retry of the same execution's step re-claims its own claim, so retries still work.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from botocore.exceptions import ClientError

from service.domain.errors import DuplicateDelivery
from service.domain.models import ObjectRef

#: EventBridge retries an event for up to a day; claims live a week, then DynamoDB's TTL removes them.
CLAIM_TTL_SECONDS = 7 * 24 * 3600


def upload_id(ref: ObjectRef, sequencer: str | None) -> str:
    identity = "\n".join([ref.bucket, ref.key, ref.etag or "", ref.version_id or "", sequencer or ""])
    return hashlib.sha256(identity.encode()).hexdigest()


def claim(dynamodb: Any, table: str, ref: ObjectRef, sequencer: str | None, execution: str) -> None:
    """Claims the upload for `execution`; raises DuplicateDelivery if another execution has it."""
    try:
        dynamodb.put_item(
            TableName=table,
            Item={
                "upload_id": {"S": upload_id(ref, sequencer)},
                "execution": {"S": execution},
                "key": {"S": ref.key},
                "expires_at": {"N": str(int(time.time()) + CLAIM_TTL_SECONDS)},
            },
            ConditionExpression="attribute_not_exists(upload_id) OR #execution = :execution",
            ExpressionAttributeNames={"#execution": "execution"},
            ExpressionAttributeValues={":execution": {"S": execution}},
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise DuplicateDelivery(
                f"This upload of {ref.key!r} is already being processed by another execution."
            ) from error
        raise
