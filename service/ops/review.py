"""Human review: list the doubtful predictions waiting in the review queue, and record a person's decision.

A decision becomes a `source: human` record in the results table, with the model's prediction kept beside it,
and the item's message(s) leave the review queue. Two reviewers may decide the same item at the same moment:
the results table's conditional write lets exactly one of them win, and both remove what they hold of the queue.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from service.dal.queues import Queue
from service.dal.results import ResultsTable
from service.domain.models import OTHER_LABEL, ResultRecord, format_utc, utc_now

#: The label a reviewer gives an image that shows none of the model's classes.
#: Messages a resolver holds while it looks for a key are hidden from others for at most this long.
SCAN_VISIBILITY_S = 20
#: A key another resolver is holding (invisible for a moment) is looked for again for this long.
IN_FLIGHT_WAIT_S = 5.0
MAX_REVIEWER_LENGTH = 128
MAX_KEY_LENGTH = 1024  # S3's own limit on key length, in bytes


class ReviewError(Exception):
    """A review action that cannot be done, with a sentence for the reviewer."""

    exit_code = 1


class UnknownLabelError(ReviewError):
    exit_code = 2


class NotPendingError(ReviewError):
    exit_code = 4


class AlreadyResolvedError(ReviewError):
    """Someone else (or the same person, differently) decided this item first."""

    exit_code = 3

    def __init__(self, record: ResultRecord) -> None:
        self.record = record
        when = format_utc(record.reviewed_at) if record.reviewed_at else "an unknown time"
        super().__init__(
            f"{record.key!r} was already resolved by {record.reviewer or 'someone'} at {when} as {record.label}."
        )


class PendingItem(BaseModel):
    """One item waiting for review, as the list and the web page show it."""

    bucket: str
    key: str
    label: str = Field(description="The model's predicted label.")
    confidence: float
    probabilities: dict[str, float]
    model_version: str
    uploaded_at: datetime
    queued_at: datetime = Field(description="When the pipeline sent it to review.")
    age_seconds: float = Field(description="How long it has waited for review.")


class Resolution(BaseModel):
    """What a resolve did: `resolved` wrote the record; `unchanged` found the same decision already there."""

    outcome: Literal["resolved", "unchanged"]
    record: ResultRecord
    removed_messages: int


class _Held(BaseModel):
    """A review message this resolver has received and keeps invisible until it deletes it."""

    receipt_handle: str
    record: ResultRecord


class ReviewDesk:
    """The review queue and the results table, seen by one reviewer."""

    def __init__(
        self, dynamodb: Any, sqs: Any, results_table: str, review_queue_url: str, classes: tuple[str, ...]
    ) -> None:
        self._dynamodb = dynamodb
        self._sqs = sqs
        self._table_name = results_table
        self._queue_url = review_queue_url
        self.classes = classes
        self.labels = (*classes, OTHER_LABEL)
        self.results = ResultsTable(dynamodb, results_table)

    # ------------------------------------------------------------------------------------------------ listing

    def pending(self, limit: int = 100) -> list[PendingItem]:
        """Items waiting for review, oldest first, one per key; nothing is consumed (the queue is peeked)."""
        now = datetime.now(UTC)
        latest: dict[str, ResultRecord] = {}
        for body in Queue(self._sqs, self._queue_url).peek(limit=limit * 2):
            record = ResultRecord.model_validate(body)
            known = latest.get(record.key)
            if known is None or record.completed_at > known.completed_at:
                latest[record.key] = record
        records = sorted(latest.values(), key=lambda r: r.completed_at)[:limit]
        return [
            PendingItem(
                bucket=r.bucket,
                key=r.key,
                label=r.label,
                confidence=r.confidence,
                probabilities=r.probabilities,
                model_version=r.model_version,
                uploaded_at=r.uploaded_at,
                queued_at=r.completed_at,
                age_seconds=max(0.0, (now - r.completed_at).total_seconds()),
            )
            for r in records
        ]

    # ---------------------------------------------------------------------------------------------- resolving

    def check_label(self, label: str) -> str:
        if label not in self.labels:
            raise UnknownLabelError(f"{label!r} is not a label here; choose one of: {', '.join(self.labels)}.")
        return label

    def resolve(self, key: str, label: str, reviewer: str) -> Resolution:
        """Record `reviewer`'s `label` for `key` and take the key out of the review queue.

        Raises UnknownLabelError, NotPendingError (the key is not waiting for review and has no human decision) or
        AlreadyResolvedError (a different decision is already recorded). Repeating one's own decision is a no-op.
        """
        self.check_label(label)
        reviewer = reviewer.strip()
        if not reviewer or len(reviewer) > MAX_REVIEWER_LENGTH:
            raise ReviewError(f"The reviewer name must be 1 to {MAX_REVIEWER_LENGTH} characters.")
        if not key or len(key.encode("utf-8")) > MAX_KEY_LENGTH:
            raise NotPendingError("The key must be 1 to 1024 bytes.")
        held = self._take_waiting(key)
        if not held:
            existing = self.results.get(key)
            if existing is None or existing.source != "human":
                raise NotPendingError(f"{key!r} is not waiting for review.")
            if _same_decision(existing, label, reviewer):
                return Resolution(outcome="unchanged", record=existing, removed_messages=0)
            raise AlreadyResolvedError(existing)
        # Several messages for one key (the same key uploaded again): the latest prediction is the one decided.
        prediction = max((h.record for h in held), key=lambda r: r.completed_at)
        decided = human_record(prediction, label, reviewer)
        try:
            self._put_unless_human(decided)
        except AlreadyResolvedError as lost:
            removed = self._delete(held)  # the winner's record stands; what this resolver holds is stale
            if _same_decision(lost.record, label, reviewer):
                return Resolution(outcome="unchanged", record=lost.record, removed_messages=removed)
            raise
        return Resolution(outcome="resolved", record=decided, removed_messages=self._delete(held))

    def _take_waiting(self, key: str) -> list[_Held]:
        """The messages for `key`; if none is visible, another resolver may hold them for a moment (invisible):
        look again until they show up, a person's decision is recorded, or nothing is in flight any more."""
        deadline = time.monotonic() + IN_FLIGHT_WAIT_S
        while True:
            held = self._take(key)
            if held or time.monotonic() >= deadline or not self._in_flight():
                return held
            existing = self.results.get(key)
            if existing is not None and existing.source == "human":
                return []
            time.sleep(0.1)

    def _put_unless_human(self, record: ResultRecord) -> None:
        """One conditional PutItem: it replaces nothing or a model record, never a person's decision."""
        try:
            self._dynamodb.put_item(
                TableName=self._table_name,
                Item=record.to_dynamodb(),
                ConditionExpression="attribute_not_exists(#key) OR #source <> :human",
                ExpressionAttributeNames={"#key": "key", "#source": "source"},
                ExpressionAttributeValues={":human": {"S": "human"}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            item = error.response.get("Item")
            winner = ResultRecord.from_dynamodb(item) if item else self.results.get(record.key)
            if winner is None:  # cannot happen with a consistent table; refuse rather than guess
                raise
            raise AlreadyResolvedError(winner) from error

    # ------------------------------------------------------------------------------------------------ the queue

    def _take(self, key: str) -> list[_Held]:
        """Receive every visible message; keep those for `key` (invisible), make the others visible again."""
        held: list[_Held] = []
        others: list[str] = []
        try:
            while True:
                batch = self._sqs.receive_message(
                    QueueUrl=self._queue_url,
                    MaxNumberOfMessages=10,
                    VisibilityTimeout=SCAN_VISIBILITY_S,
                    WaitTimeSeconds=0,
                ).get("Messages", [])
                if not batch:
                    break
                for message in batch:
                    body = _json_object(message["Body"])
                    if body.get("key") == key:
                        record = ResultRecord.model_validate(body)
                        held.append(_Held(receipt_handle=message["ReceiptHandle"], record=record))
                    else:
                        others.append(message["ReceiptHandle"])
        finally:
            self._make_visible(others)
        return held

    def _make_visible(self, handles: list[str]) -> None:
        for start in range(0, len(handles), 10):
            entries = [
                {"Id": str(n), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for n, handle in enumerate(handles[start : start + 10])
            ]
            self._sqs.change_message_visibility_batch(QueueUrl=self._queue_url, Entries=entries)

    def _delete(self, held: list[_Held]) -> int:
        for start in range(0, len(held), 10):
            entries = [
                {"Id": str(n), "ReceiptHandle": h.receipt_handle} for n, h in enumerate(held[start : start + 10])
            ]
            self._sqs.delete_message_batch(QueueUrl=self._queue_url, Entries=entries)
        return len(held)

    def _in_flight(self) -> bool:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self._queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)) > 0


def human_record(prediction: ResultRecord, label: str, reviewer: str) -> ResultRecord:
    """The results item for a person's decision: their label, the model's prediction beside it.

    `confidence` is 1.0: it describes `label`, which a person chose; the model's own confidence and
    probabilities stay in `model_confidence` and `probabilities`. `completed_at` is the decision time, so the
    record sorts into the label/time index when it entered the results.
    """
    now = utc_now()
    return prediction.model_copy(
        update={
            "label": label,
            "confidence": 1.0,
            "source": "human",
            "route": "review",
            "reviewer": reviewer,
            "reviewed_at": now,
            "completed_at": now,
            "model_label": prediction.label,
            "model_confidence": prediction.confidence,
        }
    )


def _same_decision(record: ResultRecord, label: str, reviewer: str) -> bool:
    return record.source == "human" and record.label == label and record.reviewer == reviewer


def _json_object(text: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
