"""`scones doctor`'s probe is nobody's result or review: the listings leave it out, a direct read by key finds it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from service.dal.queues import Queue, failed_messages
from service.dal.results import ResultsTable
from service.dal.reviews import ReviewsTable
from service.domain.probe import PROBE_MARKER
from service.domain.review_items import ReviewItem
from service.review.desk import ReviewDesk
from testkit.reviews import create_results_table, create_reviews_table
from tests.integration.test_review import model_record

PROBE = f"in/{PROBE_MARKER}20260101T000000Z-0123abcd.png"


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any, str]]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        create_results_table(dynamodb, "results")
        create_reviews_table(dynamodb, "reviews")
        yield dynamodb, sqs, sqs.create_queue(QueueName="review")["QueueUrl"]


def test_results_listings_leave_the_probe_out(aws: tuple[Any, Any, str]) -> None:
    dynamodb, _, _ = aws
    for key in (PROBE, "in/photo.png"):
        record = model_record(key, "bicycle", 0.99, route="accept", reason="confident")
        dynamodb.put_item(TableName="results", Item=record.to_dynamodb())
    results = ResultsTable(dynamodb, "results")
    assert [r.key for r in results.query()] == ["in/photo.png"]
    assert [r.key for r in results.query(label="bicycle")] == ["in/photo.png"]
    assert len(results.model_confidences()) == 1
    assert [r.key for r in results.for_key(PROBE)] == [PROBE]  # what the doctor reads, and deletes


def test_review_listings_counts_and_the_desk_leave_the_probe_out(aws: tuple[Any, Any, str]) -> None:
    dynamodb, sqs, queue_url = aws
    reviews = ReviewsTable(dynamodb, "reviews")
    for key in (PROBE, "in/photo.png"):
        item = ReviewItem.for_prediction(model_record(key, "bicycle", 0.6))
        assert reviews.put_pending(item)
        body = {"bucket": item.bucket, "key": item.key, "upload_id": item.upload_id, "reason": item.reason}
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))
    desk = ReviewDesk(dynamodb, sqs, "results", "reviews", queue_url, ("bicycle", "motorcycle"))
    assert [i.key for i in desk.pending().items] == ["in/photo.png"]
    assert reviews.count_pending() == 1
    assert [i.key for i in reviews.for_key(PROBE)] == [PROBE]
    leased = desk.next("ann")
    assert leased is not None and leased.item.key == "in/photo.png"
    assert desk.next("bob") is None  # the probe's message was dropped, its item never handed out
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    assert [attributes[n] for n in names] == ["0", "1"]  # only ann's leased message is left


def test_the_failed_listing_leaves_the_probe_out(aws: tuple[Any, Any, str]) -> None:
    _, sqs, _ = aws
    url = sqs.create_queue(QueueName="failed")["QueueUrl"]
    for key in (PROBE, "in/broken.jpg"):
        body = {"bucket": "b", "key": key, "error": "CorruptImage", "cause": "truncated", "step": "Serialize"}
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
    assert [f.key for f in failed_messages(Queue(sqs, url))] == ["in/broken.jpg"]
    assert Queue(sqs, url).depth() == 2  # listed or not, nothing was consumed
