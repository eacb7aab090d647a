"""After a restart: an execution for every kept upload that has no outcome (the process that ran it died).

Every version in the intake bucket written before this process started is looked up where outcomes live (results,
pending reviews, failures: `service.ops.backfill`). One without an outcome gets S3's event again, as a backfill
does: it claims the write itself, so it cannot give the upload a second outcome. A claim left by the dead
execution is removed first (nothing else can hold it: the event that started it is not delivered twice, and uploads
made since this start are left to their own events).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import boto3

from service.dal.claims import upload_id
from service.dal.stack import StackInfo
from service.domain.models import ObjectRef
from service.ops.backfill import BACKFILL_REASON, Destinations, StoredObject, outcome_for, outcomes_of
from service.ops.redrive import object_created_event


def _versions(s3: Any, bucket: str, before: datetime) -> list[StoredObject]:
    found = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for v in page.get("Versions", []):
            if v["Key"].endswith("/") or v["LastModified"] >= before:
                continue
            found.append(
                StoredObject(
                    key=v["Key"],
                    version_id=v.get("VersionId"),
                    etag=v["ETag"].strip('"'),
                    size=v["Size"],
                    last_modified=v["LastModified"],
                )
            )
    return found


def redrive(endpoint_url: str, info: StackInfo, claims_table: str, started: datetime) -> int:
    """Starts an execution for every upload written before `started` without an outcome; returns how many."""
    session = boto3.session.Session(region_name=info.region)
    s3, dynamodb, sqs, sfn = (
        session.client(name, endpoint_url=endpoint_url) for name in ("s3", "dynamodb", "sqs", "stepfunctions")
    )
    objects = _versions(s3, info.intake_bucket, started)
    if not objects:
        return 0
    where = Destinations(
        results_table=info.results_table,
        review_queue_url=info.review_queue_url,
        failed_queue_url=info.failed_queue_url,
        reviews_table=info.reviews_table,
    )
    ledger = outcomes_of(dynamodb, sqs, where, {obj.key for obj in objects})
    started_count = 0
    for obj in objects:
        if outcome_for(obj, ledger.outcomes.get(obj.key, [])) is not None:
            continue
        ref = ObjectRef(bucket=info.intake_bucket, key=obj.key, version_id=obj.version_id, etag=obj.etag)
        if obj.versioned:
            dynamodb.delete_item(TableName=claims_table, Key={"upload_id": {"S": upload_id(ref, None)}})
        event = object_created_event(
            s3,
            info.intake_bucket,
            obj.key,
            info.region,
            reason=BACKFILL_REASON,
            version_id=obj.version_id if obj.versioned else None,
        )
        sfn.start_execution(
            stateMachineArn=info.state_machine_arn, name=f"restart-{uuid.uuid4()}", input=json.dumps(event)
        )
        started_count += 1
    return started_count
