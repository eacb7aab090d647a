"""The reviews and results tables exactly as infra/template.yaml declares them, created in moto for tests and
benchmarks."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from service.domain.models import Reason, ResultRecord, utc_now
from service.domain.review_items import ReviewItem
from service.local.template import load_template


def create_reviews_table(dynamodb: Any, name: str) -> None:
    create_table_from_template(dynamodb, "ReviewsTable", name)


def create_results_table(dynamodb: Any, name: str) -> None:
    create_table_from_template(dynamodb, "ResultsTable", name)


def create_table_from_template(dynamodb: Any, resource: str, name: str) -> None:
    props = load_template()["Resources"][resource]["Properties"]
    dynamodb.create_table(
        TableName=name,
        BillingMode=props["BillingMode"],
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
    )


def seeded_item(n: int, bucket: str, prefix: str = "seed/") -> ReviewItem:
    """The n-th of a batch of pending items, spread over labels, confidences, reasons and queue times."""
    label = ("bicycle", "motorcycle")[n % 2]
    other = ("motorcycle", "bicycle")[n % 2]
    confidence = round(0.5 + (n * 7919 % 4300) / 10_000, 4)  # 0.50 .. 0.93, scrambled
    reason: Reason = ("low_confidence", "low_confidence", "unrecognised", "audit")[n % 4]
    queued = utc_now() - timedelta(seconds=100_000 - n)
    record = ResultRecord(
        bucket=bucket,
        key=f"{prefix}{n:05d} photo.png",
        label=label,
        confidence=confidence,
        probabilities={label: confidence, other: round(1 - confidence, 4)},
        model_version="seeded",
        route="review",
        threshold=0.93,
        reason=reason,
        etag=f"etag-{n}",
        uploaded_at=queued - timedelta(seconds=2),
        completed_at=queued,
    )
    return ReviewItem.for_prediction(record, audit_rate=0.02 if reason == "audit" else None)


def seed_pending(dynamodb: Any, sqs: Any, reviews_table: str, queue_url: str, count: int, bucket: str) -> list[str]:
    """`count` pending items written straight into the store (not through the pipeline), one message each."""
    items = [seeded_item(n, bucket) for n in range(count)]
    for start in range(0, len(items), 25):
        request = {reviews_table: [{"PutRequest": {"Item": i.to_dynamodb()}} for i in items[start : start + 25]]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    for start in range(0, len(items), 10):
        entries = [
            {
                "Id": str(n),
                "MessageBody": json.dumps(
                    {"bucket": i.bucket, "key": i.key, "upload_id": i.upload_id, "reason": i.reason}
                ),
            }
            for n, i in enumerate(items[start : start + 10])
        ]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    return [i.key for i in items]
