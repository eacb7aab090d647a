"""Running the pipeline for objects already in the bucket that have no outcome yet (uploaded before the stack
existed, or while its rule was off).

An object is skipped when its current write already has an outcome: a results record, a pending review or a
failure for that version (by version id when the bucket is versioned, else by ETag, and for failures, which carry
neither, by having failed after the object was written). The others get an execution with the event S3 would
have sent (`service.ops.redrive.object_created_event`, reason "Backfill").

Backfill and live uploads may overlap: a write can be listed here while S3's own event for it is still on its
way. Both then start an execution, and the claims table lets exactly one of them through, because a backfill
claims the write itself: in a versioned bucket (the template's) the claim is bucket, key and version id, which
both events carry. In an unversioned bucket S3's sequencer is part of the claim and cannot be known afterwards,
so there an overlapping backfill can give a write a second outcome; don't backfill an unversioned bucket while
it takes uploads.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from service.ops.accounting import Ledger, Outcome, take_ledger
from service.ops.redrive import object_created_event

BACKFILL_REASON = "Backfill"


class StoredObject(BaseModel):
    key: str
    version_id: str | None
    etag: str
    size: int
    last_modified: datetime

    @property
    def versioned(self) -> bool:
        return bool(self.version_id) and self.version_id != "null"


class BackfillItem(BaseModel):
    object: StoredObject
    action: Literal["started", "skipped", "would start"]
    reason: str | None = None
    execution_arn: str | None = None


class BackfillSummary(BaseModel):
    listed: int
    started: int
    skipped: int
    dry_run: bool
    items: list[BackfillItem]


class Destinations(BaseModel):
    """Where outcomes are kept (a stack's results table and queues)."""

    results_table: str
    review_queue_url: str
    failed_queue_url: str
    reviews_table: str | None = None


def stored_objects(s3: Any, bucket: str, prefix: str = "", since: datetime | None = None) -> Iterator[StoredObject]:
    """The current version of every object under `prefix` (written at or after `since`); folder markers left out."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for version in page.get("Versions", []):
            if not version.get("IsLatest", True) or version["Key"].endswith("/"):
                continue
            if since is not None and version["LastModified"] < since:
                continue
            yield StoredObject(
                key=version["Key"],
                version_id=version.get("VersionId"),
                etag=version["ETag"].strip('"'),
                size=version["Size"],
                last_modified=version["LastModified"],
            )


def outcomes_of(dynamodb: Any, sqs: Any, where: Destinations, keys: set[str]) -> Ledger:
    """Every outcome the keys have: the one place that knows where records, pending reviews and failures live."""
    return take_ledger(
        dynamodb,
        sqs,
        where.results_table,
        where.review_queue_url,
        where.failed_queue_url,
        keys,
        reviews_table=where.reviews_table,
    )


def outcome_for(obj: StoredObject, outcomes: list[Outcome]) -> Outcome | None:
    """The outcome that belongs to this write of the key, if any (older writes' outcomes do not count)."""
    for outcome in outcomes:
        if outcome.record is not None:
            record = outcome.record
            if obj.versioned and record.version_id:
                if record.version_id == obj.version_id:
                    return outcome
            elif record.etag == obj.etag:
                return outcome
        elif (
            outcome.failure is not None
            and outcome.failure.failed_at is not None
            and outcome.failure.failed_at >= obj.last_modified.replace(microsecond=0)
        ):
            return outcome
    return None


def backfill(
    s3: Any,
    dynamodb: Any,
    sqs: Any,
    stepfunctions: Any,
    bucket: str,
    where: Destinations,
    state_machine_arn: str,
    region: str,
    prefix: str = "",
    since: datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[BackfillItem], None] | None = None,
    listed: Callable[[int], None] | None = None,
) -> BackfillSummary:
    """Starts an execution for every object without an outcome; `progress` hears of each object as it is done."""
    objects = list(stored_objects(s3, bucket, prefix, since))
    if listed:
        listed(len(objects))
    ledger = outcomes_of(dynamodb, sqs, where, {obj.key for obj in objects})
    items: list[BackfillItem] = []
    for obj in objects:
        found = outcome_for(obj, ledger.outcomes.get(obj.key, []))
        if found is not None:
            item = BackfillItem(object=obj, action="skipped", reason=f"already in {found.place}")
        elif dry_run:
            item = BackfillItem(object=obj, action="would start")
        else:
            item = _start(s3, stepfunctions, bucket, obj, state_machine_arn, region)
        items.append(item)
        if progress:
            progress(item)
    return BackfillSummary(
        listed=len(objects),
        started=sum(item.action == "started" for item in items),
        skipped=sum(item.action == "skipped" for item in items),
        dry_run=dry_run,
        items=items,
    )


def _start(
    s3: Any, stepfunctions: Any, bucket: str, obj: StoredObject, state_machine_arn: str, region: str
) -> BackfillItem:
    event = object_created_event(
        s3, bucket, obj.key, region, reason=BACKFILL_REASON, version_id=obj.version_id if obj.versioned else None
    )
    execution = stepfunctions.start_execution(
        stateMachineArn=state_machine_arn, name=f"backfill-{uuid.uuid4()}", input=json.dumps(event)
    )
    return BackfillItem(object=obj, action="started", execution_arn=execution["executionArn"])
