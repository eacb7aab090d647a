"""A committed decision is announced as one `Image Reviewed` on the outcome bus; a publication that keeps failing
is retried, then counted, and the decision stays."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from service.dal.event_bus import EventBus
from service.domain.outcome_events import (
    IMAGE_REVIEW_UNDONE,
    IMAGE_REVIEWED,
    ImageReviewed,
    ImageReviewUndone,
    outcome_id,
)
from service.domain.review_items import ReviewItem
from service.review.desk import ReviewDesk
from service.runtime.outcome_publisher import OutcomePublisher
from testkit.reviews import create_results_table, create_reviews_table, seeded_item
from tests.outcome_bus import subscribe, unpublished_count

CLASSES = ("bicycle", "motorcycle")
BUS = "scones-outcomes"


class World:
    def __init__(self) -> None:
        region = "us-east-1"
        self.dynamodb = boto3.client("dynamodb", region_name=region)
        self.sqs = boto3.client("sqs", region_name=region)
        self.events = boto3.client("events", region_name=region)
        self.cloudwatch = boto3.client("cloudwatch", region_name=region)
        create_results_table(self.dynamodb, "results")
        create_reviews_table(self.dynamodb, "reviews")
        self.queue_url = self.sqs.create_queue(QueueName="review")["QueueUrl"]
        self.events.create_event_bus(Name=BUS)
        self.tap = subscribe(self.events, self.sqs, BUS, "downstream")

    def desk(self, events: Any = None) -> ReviewDesk:
        publisher = OutcomePublisher(EventBus(events or self.events, BUS), self.cloudwatch, backoff_s=0.0)
        return ReviewDesk(self.dynamodb, self.sqs, "results", "reviews", self.queue_url, CLASSES, outcomes=publisher)

    def pending(self, n: int) -> ReviewItem:
        item = seeded_item(n, "intake")
        assert self.desk().reviews.put_pending(item)
        return item

    def delivered(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=self.tap, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    def unpublished(self) -> float:
        return unpublished_count(self.cloudwatch)


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield World()


def test_a_decision_is_one_image_reviewed_event(world: World) -> None:
    item = world.pending(0)  # the model said bicycle
    resolution = world.desk().resolve(item.key, "motorcycle", "ana")
    (event,) = world.delivered()
    assert (event["source"], event["detail-type"]) == ("scones", IMAGE_REVIEWED)
    detail = ImageReviewed.model_validate(event["detail"])
    assert (detail.key, detail.label, detail.reviewer) == (item.key, "motorcycle", "ana")
    assert (detail.model_label, detail.model_confidence, detail.overridden) == (item.label, item.confidence, True)
    assert detail.upload_id == item.upload_id and detail.audit is False
    assert detail.outcome_id == outcome_id(item.bucket, item.key, item.upload_id, IMAGE_REVIEWED, detail.reviewed_at)
    # Repeating one's decision changes nothing, and announces nothing new.
    assert world.desk().resolve(item.key, "motorcycle", "ana").outcome == "unchanged"
    assert world.delivered() == []
    assert resolution.outcome == "resolved"


def test_an_agreed_audit_is_announced_too(world: World) -> None:
    item = world.pending(3)  # seeded item 3 is an audit
    assert item.reason == "audit"
    world.desk().resolve(item.key, item.label, "ben")
    (event,) = world.delivered()
    assert event["detail"]["audit"] is True and event["detail"]["overridden"] is False


class FailingEvents:
    """EventBridge answering every entry as failed (throttled)."""

    def __init__(self) -> None:
        self.calls = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.calls += 1
        return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow"}]}


def test_a_publication_that_keeps_failing_keeps_the_decision_and_is_counted(world: World) -> None:
    item = world.pending(0)
    failing = FailingEvents()
    resolution = world.desk(events=failing).resolve(item.key, "bicycle", "ana")
    assert resolution.outcome == "resolved"
    assert failing.calls == 3  # retried
    assert world.unpublished() == 1
    decided = world.desk().reviews.get(item.key, item.upload_id)
    assert decided is not None and decided.status == "decided" and decided.decided_label == "bicycle"


def test_an_undo_cancels_the_decision_it_names_and_a_new_decision_is_a_new_outcome(world: World) -> None:
    item = world.pending(0)
    world.desk().resolve(item.key, "motorcycle", "ana")
    world.desk().undo(item.key, "ana")
    world.desk().resolve(item.key, "bicycle", "ana")
    events = world.delivered()
    assert [e["detail-type"] for e in events] == [IMAGE_REVIEWED, IMAGE_REVIEW_UNDONE, IMAGE_REVIEWED]
    first, undone, again = (e["detail"] for e in events)
    parsed = ImageReviewUndone.model_validate(undone)
    assert (parsed.key, parsed.upload_id, parsed.label, parsed.reviewer) == (
        item.key,
        item.upload_id,
        "motorcycle",
        "ana",
    )
    assert parsed.outcome_id == first["outcome_id"] and parsed.reviewed_at == first["reviewed_at"]
    assert again["outcome_id"] != first["outcome_id"] and again["label"] == "bicycle"
    # What a consumer keeps: the latest decision per upload, minus the ones an undo cancelled.
    kept: dict[str, dict[str, Any]] = {}
    for event in events:
        detail = event["detail"]
        if event["detail-type"] == IMAGE_REVIEWED:
            kept[detail["upload_id"]] = detail
        elif kept.get(detail["upload_id"], {}).get("outcome_id") == detail["outcome_id"]:
            del kept[detail["upload_id"]]
    assert kept[item.upload_id]["label"] == "bicycle"
