"""A pending review as the reviews table stores it: the durable record of an item waiting for a person.

The SQS review queue only distributes work; this record is what says an item is pending, who holds a lease on
it, and what a person decided. `pending` is set only while the item waits, so the table's indexes on it are
sparse: they hold the pending items and nothing else.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from service.domain.dynamodb_json import from_item, to_item
from service.domain.models import Frozen, Reason, ResultRecord, UtcDatetime

#: The one value of the indexes' partition attribute: present on pending items only (a sparse index).
PENDING = "pending"
ReviewStatus = Literal["pending", "decided"]


def upload_id(record: ResultRecord) -> str:
    """Which write of the key this is (the table's sort key): see `write_id`."""
    return record.upload_id


def margin(confidence: float) -> Decimal:
    """How far the model's confidence is from a coin toss: the uncertainty sort's key (smallest first)."""
    return Decimal(str(round(abs(confidence - 0.5), 6)))


def audit_draw(bucket: str, key: str, version_id: str | None) -> float:
    """A number in [0, 1) fixed by the upload: sampling by it decides the same on every retry and redelivery."""
    digest = hashlib.sha256(f"{bucket}/{key}/{version_id or ''}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class ReviewItem(Frozen):
    """One row of the reviews table: one per write (key: the object key and `upload_id`), so a second upload of
    a key still pending review is a second item, never a replacement of the first."""

    bucket: str
    key: str
    upload_id: str
    status: ReviewStatus = "pending"
    pending: str | None = Field(default=PENDING, description="Set while pending: the indexes' partition.")
    reason: Reason
    label: str = Field(description="The model's predicted label.")
    confidence: float
    margin: float = Field(description="|confidence - 0.5|, the uncertainty index's sort key.")
    queued_at: UtcDatetime
    prediction: ResultRecord = Field(description="The model's record, as the results table would hold it.")
    audit_rate: float | None = Field(default=None, description="For audits: the share of accepted images sampled.")
    lease_owner: str | None = None
    lease_expires_at: UtcDatetime | None = None
    lease_receipt: str | None = Field(default=None, description="The SQS receipt of the leased message, if any.")
    lease_started_at: UtcDatetime | None = Field(default=None, description="When the current lease was taken.")
    decided_label: str | None = None
    decided_by: str | None = None
    decided_at: UtcDatetime | None = None

    @classmethod
    def for_prediction(cls, record: ResultRecord, audit_rate: float | None = None) -> ReviewItem:
        return cls(
            bucket=record.bucket,
            key=record.key,
            upload_id=upload_id(record),
            reason=record.reason or "low_confidence",
            label=record.label,
            confidence=record.confidence,
            margin=float(margin(record.confidence)),
            queued_at=record.completed_at,
            prediction=record,
            audit_rate=audit_rate,
        )

    @property
    def version_id(self) -> str | None:
        return self.prediction.version_id

    @property
    def write_name(self) -> str:
        """How a person names this write: its S3 version, or (unversioned bucket) its upload_id."""
        return self.version_id if self.version_id and self.version_id != "null" else self.upload_id

    def leased_at(self, moment: datetime) -> bool:
        return self.lease_expires_at is not None and self.lease_expires_at > moment

    def to_dynamodb(self) -> dict[str, dict[str, Any]]:
        plain = json.loads(self.model_dump_json(exclude_none=True), parse_float=Decimal)
        # One string, not a map: a listing page returns 50 of these, and a map's every nested attribute costs
        # (de)serialisation time on each read; nothing queries inside the prediction.
        plain["prediction"] = self.prediction.model_dump_json(exclude_none=True)
        return to_item(plain)

    @classmethod
    def from_dynamodb(cls, item: dict[str, Any]) -> ReviewItem:
        plain = from_item(item)
        if isinstance(plain.get("prediction"), str):
            plain["prediction"] = json.loads(plain["prediction"])
        return cls.model_validate(json.loads(json.dumps(plain, default=float)))
