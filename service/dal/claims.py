"""At-least-once delivery, exactly-once outcome: the first execution for an upload claims it.

EventBridge may deliver the same S3 event more than once, and each delivery starts an execution. Each upload (one
write of a key) is identified by its bucket, key and version id: in a versioned bucket (the template versions the
intake bucket) a version id names exactly one write, and it is known both to S3's event and to anyone who lists
the bucket later, so `scones backfill` and a live event for the same write claim the same thing. In an unversioned
bucket (version "null") the ETag and S3's sequencer (unique per write of a key) stand in, and only S3's events
know the sequencer. The Serialize step claims that identity with a conditional write before anything can fail,
and a later execution for the same identity stops with `DuplicateDelivery` before doing anything (the state
machine ends it without an outcome, since the first one has or will have one, failures included).

Why a conditional write rather than Powertools' idempotency utility: that utility replays the first call's
result, so the duplicate execution would carry on and send a second review message. Here the duplicate must stop.
A retry of the same execution's step re-claims its own claim, so retries still work.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from botocore.exceptions import ClientError

from service.dal.denials import access_denied, is_denied
from service.domain.errors import DuplicateDelivery
from service.domain.models import ObjectRef

#: EventBridge retries an event for up to a day; claims live a week, then DynamoDB's TTL removes them.
CLAIM_TTL_SECONDS = 7 * 24 * 3600


def upload_id(ref: ObjectRef, sequencer: str | None, attempt: str | None = None) -> str:
    """The claim's key: one per write; `attempt` (a redrive's own id) makes a deliberate re-run a new claim."""
    if ref.version_id and ref.version_id != "null":
        parts = [ref.bucket, ref.key, "version", ref.version_id]
    else:
        parts = [ref.bucket, ref.key, ref.etag or "", "", sequencer or ""]
    if attempt:
        parts += ["attempt", attempt]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def claim(
    dynamodb: Any, table: str, ref: ObjectRef, sequencer: str | None, execution: str, attempt: str | None = None
) -> None:
    """Claims the upload for `execution`; raises DuplicateDelivery if another execution has it."""
    try:
        dynamodb.put_item(
            TableName=table,
            Item={
                "upload_id": {"S": upload_id(ref, sequencer, attempt)},
                "execution": {"S": execution},
                "key": {"S": ref.key},
                **({"version_id": {"S": ref.version_id}} if ref.version_id else {}),
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
        if is_denied(error):
            raise access_denied(error, "dynamodb:PutItem", f"table {table}") from error
        raise
