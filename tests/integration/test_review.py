"""Human review against in-process moto: listing peeks, resolving writes one human record and empties the queue."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from service.dal.results import LABEL_INDEX
from service.domain.models import ResultRecord, utc_now
from service.ops.review import (
    AlreadyResolvedError,
    NotPendingError,
    ReviewDesk,
    UnknownLabelError,
)
from tests.atomic import AtomicWrites

CLASSES = ("bicycle", "motorcycle")
BUCKET = "intake"


@dataclass
class ReviewWorld:
    dynamodb: Any
    sqs: Any
    s3: Any
    table: str
    queue_url: str

    def desk(self) -> ReviewDesk:
        return ReviewDesk(self.dynamodb, self.sqs, self.table, self.queue_url, CLASSES)

    def send_for_review(self, key: str, label: str = "bicycle", confidence: float = 0.6) -> ResultRecord:
        record = model_record(key, label, confidence, route="review")
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=record.model_dump_json(exclude_none=True))
        return record

    def queued_keys(self) -> list[str]:
        return [item.key for item in self.desk().pending(limit=1000)]


def model_record(key: str, label: str, confidence: float, route: str = "review") -> ResultRecord:
    other = "motorcycle" if label == "bicycle" else "bicycle"
    now = utc_now()
    return ResultRecord.model_validate(
        {
            "bucket": BUCKET,
            "key": key,
            "label": label,
            "confidence": confidence,
            "probabilities": {label: confidence, other: round(1 - confidence, 6)},
            "model_version": "test-model",
            "route": route,
            "threshold": 0.9,
            "uploaded_at": now - timedelta(seconds=5),
            "completed_at": now,
        }
    )


def create_results_table(dynamodb: Any, name: str) -> None:
    """The results table as infra/template.yaml declares it: HASH key `key`, GSI by-label on label+completed_at."""
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "key", "AttributeType": "S"},
            {"AttributeName": "label", "AttributeType": "S"},
            {"AttributeName": "completed_at", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": LABEL_INDEX,
                "KeySchema": [
                    {"AttributeName": "label", "KeyType": "HASH"},
                    {"AttributeName": "completed_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


@pytest.fixture
def world() -> Iterator[ReviewWorld]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        s3 = boto3.client("s3", region_name="us-east-1")
        create_results_table(dynamodb, "results")
        queue_url = sqs.create_queue(QueueName="review", Attributes={"VisibilityTimeout": "300"})["QueueUrl"]
        s3.create_bucket(Bucket=BUCKET)
        yield ReviewWorld(dynamodb, sqs, s3, "results", queue_url)


def test_list_does_not_consume(world: ReviewWorld) -> None:
    world.send_for_review("a.png", "bicycle", 0.61)
    world.send_for_review("b dir/vélo.png", "motorcycle", 0.72)
    first = world.desk().pending()
    second = world.desk().pending()
    assert [i.key for i in first] == ["a.png", "b dir/vélo.png"]
    assert [(i.key, i.label, i.confidence) for i in second] == [(i.key, i.label, i.confidence) for i in first]
    assert all(i.age_seconds >= 0 for i in first)
    attributes = world.sqs.get_queue_attributes(QueueUrl=world.queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "2"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_list_respects_the_limit(world: ReviewWorld) -> None:
    for n in range(5):
        world.send_for_review(f"k{n}.png")
    assert len(world.desk().pending(limit=3)) == 3


def test_resolve_writes_the_human_record_beside_the_prediction(world: ReviewWorld) -> None:
    prediction = world.send_for_review("photos/x 1.png", "bicycle", 0.55)
    world.send_for_review("other.png")

    resolution = world.desk().resolve("photos/x 1.png", "motorcycle", "alice")

    assert resolution.outcome == "resolved"
    assert resolution.removed_messages == 1
    stored = world.desk().results.get("photos/x 1.png")
    assert stored is not None
    assert stored.source == "human"
    assert stored.label == "motorcycle"
    assert stored.reviewer == "alice"
    assert stored.reviewed_at is not None
    assert stored.model_label == "bicycle"
    assert stored.model_confidence == pytest.approx(0.55)
    assert stored.probabilities == prediction.probabilities
    assert stored.model_version == "test-model"
    assert stored.uploaded_at == prediction.uploaded_at
    assert world.queued_keys() == ["other.png"]
    # The record is in the label index under the human's label.
    by_label = world.desk().results.query(label="motorcycle")
    assert [r.key for r in by_label] == ["photos/x 1.png"]


def test_other_is_a_label(world: ReviewWorld) -> None:
    world.send_for_review("truck.png", "motorcycle", 0.51)
    world.desk().resolve("truck.png", "other", "bob")
    stored = world.desk().results.get("truck.png")
    assert stored is not None
    assert (stored.label, stored.model_label, stored.source) == ("other", "motorcycle", "human")


def test_resolving_again_is_a_no_op_for_the_same_decision(world: ReviewWorld) -> None:
    world.send_for_review("a.png")
    first = world.desk().resolve("a.png", "bicycle", "alice")
    again = world.desk().resolve("a.png", "bicycle", "alice")
    assert (first.outcome, again.outcome) == ("resolved", "unchanged")
    assert again.record.reviewed_at == first.record.reviewed_at
    with pytest.raises(AlreadyResolvedError, match=r"already resolved by alice at .* as bicycle"):
        world.desk().resolve("a.png", "motorcycle", "alice")
    with pytest.raises(AlreadyResolvedError, match="by alice"):
        world.desk().resolve("a.png", "bicycle", "bob")


def test_a_human_record_wins_over_a_stale_message(world: ReviewWorld) -> None:
    """The loser of a race still holds a message: the conditional write refuses it, and the message goes."""
    world.send_for_review("a.png")
    world.desk().resolve("a.png", "bicycle", "alice")
    world.send_for_review("a.png")  # e.g. a message the loser received before the winner deleted it
    with pytest.raises(AlreadyResolvedError) as raised:
        world.desk().resolve("a.png", "motorcycle", "bob")
    assert raised.value.record.reviewer == "alice"
    assert world.queued_keys() == []
    stored = world.desk().results.get("a.png")
    assert stored is not None and (stored.label, stored.reviewer) == ("bicycle", "alice")


def test_a_person_overrides_a_model_record(world: ReviewWorld) -> None:
    """The same key accepted earlier by the model and now in review: the person's decision replaces it."""
    accepted = model_record("a.png", "bicycle", 0.99, route="accept")
    world.dynamodb.put_item(TableName=world.table, Item=accepted.to_dynamodb())
    world.send_for_review("a.png", "bicycle", 0.52)
    world.desk().resolve("a.png", "motorcycle", "alice")
    stored = world.desk().results.get("a.png")
    assert stored is not None and (stored.source, stored.label) == ("human", "motorcycle")


class EachHoldsOne:
    """SQS delivers at least once: this makes both reviewers hold a copy of the message when they write."""

    def __init__(self, sqs: Any, both_received: threading.Barrier) -> None:
        self._sqs = sqs
        self._both_received = both_received
        self._first = True

    def receive_message(self, **request: Any) -> dict[str, Any]:
        if not self._first:
            return dict(self._sqs.receive_message(**request))
        self._first = False
        answer = dict(self._sqs.receive_message(**{**request, "MaxNumberOfMessages": 1}))
        self._both_received.wait(timeout=10)
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)


@pytest.mark.parametrize("both_hold_a_message", [False, True])
def test_two_concurrent_resolves_make_one_record(world: ReviewWorld, both_hold_a_message: bool) -> None:
    copies = 2 if both_hold_a_message else 1
    for _ in range(copies):
        world.send_for_review("race.png", "bicycle", 0.5)
    start = threading.Barrier(2)
    both_received = threading.Barrier(2)
    outcomes: dict[str, object] = {}
    dynamodb = AtomicWrites(world.dynamodb)

    def review(reviewer: str, label: str) -> None:
        sqs = EachHoldsOne(world.sqs, both_received) if both_hold_a_message else world.sqs
        desk = ReviewDesk(dynamodb, sqs, world.table, world.queue_url, CLASSES)
        start.wait()
        try:
            outcomes[reviewer] = desk.resolve("race.png", label, reviewer)
        except AlreadyResolvedError as error:
            outcomes[reviewer] = error

    threads = [threading.Thread(target=review, args=args) for args in (("alice", "bicycle"), ("bob", "motorcycle"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [name for name, outcome in outcomes.items() if not isinstance(outcome, Exception)]
    losers = [outcome for outcome in outcomes.values() if isinstance(outcome, AlreadyResolvedError)]
    assert len(winners) == 1 and len(losers) == 1
    stored = world.desk().results.get("race.png")
    assert stored is not None
    assert stored.reviewer == winners[0]
    assert stored.label == {"alice": "bicycle", "bob": "motorcycle"}[winners[0]]
    assert losers[0].record.reviewer == winners[0]
    items = world.dynamodb.scan(TableName=world.table)["Items"]
    assert [item["key"]["S"] for item in items] == ["race.png"]
    assert world.queued_keys() == []
    attributes = world.sqs.get_queue_attributes(QueueUrl=world.queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_unknown_label_is_refused(world: ReviewWorld) -> None:
    world.send_for_review("a.png")
    with pytest.raises(UnknownLabelError, match="bicycle, motorcycle, other"):
        world.desk().resolve("a.png", "truck", "alice")
    assert world.queued_keys() == ["a.png"]
    assert world.desk().results.get("a.png") is None


def test_unknown_key_is_a_clear_error(world: ReviewWorld) -> None:
    world.send_for_review("a.png")
    with pytest.raises(NotPendingError, match=r"'nope\.png' is not waiting for review"):
        world.desk().resolve("nope.png", "bicycle", "alice")
    assert world.queued_keys() == ["a.png"]


def test_an_accepted_key_is_not_pending(world: ReviewWorld) -> None:
    accepted = model_record("a.png", "bicycle", 0.99, route="accept")
    world.dynamodb.put_item(TableName=world.table, Item=accepted.to_dynamodb())
    with pytest.raises(NotPendingError):
        world.desk().resolve("a.png", "motorcycle", "alice")
