"""Human review against in-process moto: pending items are durable records, listed from the index, handed out
with leases, decided by one conditional transaction; the queue only distributes the work."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from service.domain.models import Reason, ResultRecord, utc_now
from service.domain.review_items import ReviewItem
from service.review.desk import (
    AlreadyResolvedError,
    AmbiguousKeyError,
    Lease,
    LeaseHeldError,
    LeaseTooOldError,
    NotPendingError,
    ReviewDesk,
    ReviewError,
    UnknownLabelError,
)
from testkit.reviews import create_results_table, create_reviews_table
from tests.atomic import AtomicWrites

CLASSES = ("bicycle", "motorcycle")
BUCKET = "intake"


@dataclass
class ReviewWorld:
    dynamodb: Any
    sqs: Any
    s3: Any
    table: str
    reviews: str
    queue_url: str

    def desk(self, dynamodb: Any = None, sqs: Any = None, **options: Any) -> ReviewDesk:
        return ReviewDesk(
            dynamodb or self.dynamodb, sqs or self.sqs, self.table, self.reviews, self.queue_url, CLASSES, **options
        )

    def send_for_review(
        self,
        key: str,
        label: str = "bicycle",
        confidence: float = 0.6,
        reason: Reason = "low_confidence",
        age_s: float = 0.0,
        message: bool = True,
        version_id: str | None = None,
    ) -> ResultRecord:
        """What the state machine's review branch does: the durable item, then one message."""
        record = model_record(key, label, confidence, route="review", reason=reason, age_s=age_s, version=version_id)
        item = ReviewItem.for_prediction(record, audit_rate=0.5 if reason == "audit" else None)
        assert self.desk().reviews.put_pending(item)
        if message:
            body = {"bucket": item.bucket, "key": item.key, "upload_id": item.upload_id, "reason": item.reason}
            import json

            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(body))
        return record

    def queued_keys(self) -> list[str]:
        return [item.key for item in self.desk().pending(limit=1000).items]

    def queue_depth(self) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["All"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def purge(self) -> None:
        """Every message gone (expired after 14 days, or deleted by hand): the items must stay reachable."""
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return
            for message in batch:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def model_record(
    key: str,
    label: str,
    confidence: float,
    route: str = "review",
    reason: Reason = "low_confidence",
    age_s: float = 0,
    version: str | None = None,
) -> ResultRecord:
    other = "motorcycle" if label == "bicycle" else "bicycle"
    now = utc_now() - timedelta(seconds=age_s)
    return ResultRecord.model_validate(
        {
            "bucket": BUCKET,
            "key": key,
            "label": label,
            "confidence": confidence,
            "probabilities": {label: confidence, other: round(1 - confidence, 6)},
            "model_version": "test-model",
            "route": route,
            "reason": reason,
            "threshold": 0.9,
            "etag": f"etag-{key}",
            "version_id": version,
            "uploaded_at": now - timedelta(seconds=5),
            "completed_at": now,
        }
    )


@pytest.fixture
def world() -> Iterator[ReviewWorld]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        s3 = boto3.client("s3", region_name="us-east-1")
        create_results_table(dynamodb, "results")
        create_reviews_table(dynamodb, "reviews")
        queue_url = sqs.create_queue(QueueName="review", Attributes={"VisibilityTimeout": "300"})["QueueUrl"]
        s3.create_bucket(Bucket=BUCKET)
        yield ReviewWorld(dynamodb, sqs, s3, "results", "reviews", queue_url)


# ---------------------------------------------------------------------------------------------------- listing


def test_list_reads_the_index_and_leaves_the_queue_alone(world: ReviewWorld) -> None:
    world.send_for_review("b dir/vélo.png", "motorcycle", 0.72, age_s=10)
    world.send_for_review("a.png", "bicycle", 0.61, age_s=20)
    first = world.desk().pending()
    second = world.desk().pending()
    assert [i.key for i in first.items] == ["a.png", "b dir/vélo.png"]  # oldest first
    assert [(i.key, i.label, i.confidence) for i in first.items] == [
        (i.key, i.label, i.confidence) for i in second.items
    ]
    assert first.cursor is None
    assert all(i.age_seconds >= 0 and i.bucket == BUCKET for i in first.items)
    attributes = world.sqs.get_queue_attributes(QueueUrl=world.queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "2"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_sort_filters_and_pagination(world: ReviewWorld) -> None:
    world.send_for_review("a.png", "bicycle", 0.90, age_s=50)
    world.send_for_review("b.png", "motorcycle", 0.51, age_s=40)
    world.send_for_review("c.png", "bicycle", 0.70, age_s=30, reason="unrecognised")
    world.send_for_review("d.png", "motorcycle", 0.99, age_s=20, reason="audit")
    world.send_for_review("e.png", "bicycle", 0.55, age_s=10)
    desk = world.desk()
    assert [i.key for i in desk.pending(sort="uncertainty").items] == ["b.png", "e.png", "c.png", "a.png", "d.png"]
    assert [i.key for i in desk.pending(label="bicycle").items] == ["a.png", "c.png", "e.png"]
    assert [i.key for i in desk.pending(reason="audit").items] == ["d.png"]
    assert [i.key for i in desk.pending(reason="unrecognised", label="bicycle").items] == ["c.png"]
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        page = desk.pending(limit=2, cursor=cursor)
        pages.append([i.key for i in page.items])
        cursor = page.cursor
        if cursor is None:
            break
    assert [k for p in pages for k in p] == ["a.png", "b.png", "c.png", "d.png", "e.png"]
    assert all(len(p) <= 2 for p in pages)
    filtered = desk.pending(limit=1, label="motorcycle")
    assert [i.key for i in filtered.items] == ["b.png"]
    assert filtered.cursor is not None
    assert [i.key for i in desk.pending(limit=5, label="motorcycle", cursor=filtered.cursor).items] == ["d.png"]
    with pytest.raises(ReviewError, match="not a review reason"):
        desk.pending(reason="confident")


# -------------------------------------------------------------------------------------------------- resolving


def test_resolve_writes_the_human_record_beside_the_prediction(world: ReviewWorld) -> None:
    prediction = world.send_for_review("photos/x 1.png", "bicycle", 0.55)
    world.send_for_review("other.png")

    resolution = world.desk().resolve("photos/x 1.png", "motorcycle", "alice")

    assert resolution.outcome == "resolved"
    stored = world.desk().results.get("photos/x 1.png")
    assert stored is not None
    assert (stored.source, stored.label, stored.reviewer) == ("human", "motorcycle", "alice")
    assert stored.reviewed_at is not None
    assert stored.model_label == "bicycle"
    assert stored.model_confidence == pytest.approx(0.55)
    assert stored.probabilities == prediction.probabilities
    assert stored.model_version == "test-model"
    assert stored.uploaded_at == prediction.uploaded_at
    assert (stored.bucket, stored.key) == (BUCKET, "photos/x 1.png")
    assert world.queued_keys() == ["other.png"]
    assert [r.key for r in world.desk().results.query(label="motorcycle")] == ["photos/x 1.png"]


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


def test_stale_messages_are_dropped_so_the_queue_converges(world: ReviewWorld) -> None:
    for key in ("a.png", "b.png", "c.png"):
        world.send_for_review(key)
    desk = world.desk()
    desk.resolve("a.png", "bicycle", "alice")  # decided from the list: its message is still queued
    desk.resolve("b.png", "bicycle", "alice")
    assert world.queue_depth() == 3
    lease = desk.next("carol")
    assert lease is not None and lease.item.key == "c.png"
    assert world.queue_depth() == 1  # the two stale messages went on the way
    desk.resolve("c.png", "motorcycle", "carol")
    assert world.queue_depth() == 0  # the reviewer got it from the queue: its message goes with the decision
    assert desk.next("carol") is None


def test_a_decision_on_a_newer_write_becomes_the_keys_latest_record(world: ReviewWorld) -> None:
    """An earlier write of the key accepted by the model, a later one in review: the person's decision is the later
    write's record (the key's latest), and the earlier write keeps its own."""
    accepted = model_record("a.png", "bicycle", 0.99, route="accept", reason="confident", age_s=60, version="v1")
    world.dynamodb.put_item(TableName=world.table, Item=accepted.to_dynamodb())
    world.send_for_review("a.png", "bicycle", 0.52, version_id="v2")
    world.desk().resolve("a.png", "motorcycle", "alice")
    stored = world.desk().results.get("a.png")
    assert stored is not None and (stored.source, stored.label, stored.version_id) == ("human", "motorcycle", "v2")
    assert [(r.version_id, r.source) for r in world.desk().results.for_key("a.png")] == [
        ("v1", "model"),
        ("v2", "human"),
    ]


def test_an_audit_keeps_the_model_record_unless_a_person_disagrees(world: ReviewWorld) -> None:
    for key in ("agree.png", "disagree.png"):
        accepted = model_record(key, "bicycle", 0.98, route="accept", reason="confident")
        world.dynamodb.put_item(TableName=world.table, Item=accepted.to_dynamodb())
        world.send_for_review(key, "bicycle", 0.98, reason="audit")
    desk = world.desk()
    desk.resolve("agree.png", "bicycle", "alice")
    desk.resolve("disagree.png", "motorcycle", "alice")
    kept, replaced = desk.results.get("agree.png"), desk.results.get("disagree.png")
    assert kept is not None and (kept.source, kept.label) == ("model", "bicycle")
    assert replaced is not None and (replaced.source, replaced.label, replaced.model_label) == (
        "human",
        "motorcycle",
        "bicycle",
    )
    assert world.queued_keys() == []


def test_undo_within_the_window_puts_everything_back(world: ReviewWorld) -> None:
    world.send_for_review("a.png")
    accepted = model_record("audit.png", "bicycle", 0.98, route="accept", reason="confident")
    world.dynamodb.put_item(TableName=world.table, Item=accepted.to_dynamodb())
    world.send_for_review("audit.png", "bicycle", 0.98, reason="audit")
    desk = world.desk()
    desk.resolve("a.png", "motorcycle", "alice")
    desk.resolve("audit.png", "motorcycle", "alice")
    with pytest.raises(NotPendingError):
        desk.undo("a.png", "bob")
    desk.undo("a.png", "alice")
    desk.undo("audit.png", "alice")
    assert desk.results.get("a.png") is None
    restored = desk.results.get("audit.png")
    assert restored is not None and (restored.source, restored.label) == ("model", "bicycle")
    assert sorted(world.queued_keys()) == ["a.png", "audit.png"]
    assert desk.resolve("a.png", "bicycle", "bob").outcome == "resolved"
    with pytest.raises(ReviewError, match="older than"):
        desk.undo("a.png", "bob", window_s=-1)


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
    accepted = model_record("a.png", "bicycle", 0.99, route="accept", reason="confident")
    world.dynamodb.put_item(TableName=world.table, Item=accepted.to_dynamodb())
    with pytest.raises(NotPendingError):
        world.desk().resolve("a.png", "motorcycle", "alice")


def test_the_same_upload_is_recorded_once(world: ReviewWorld) -> None:
    record = world.send_for_review("a.png")
    assert not world.desk().reviews.put_pending(ReviewItem.for_prediction(record))
    newer = record.model_copy(update={"etag": "etag-2", "uploaded_at": utc_now()})
    assert world.desk().reviews.put_pending(ReviewItem.for_prediction(newer))  # a new upload of the key
    assert not world.desk().reviews.put_pending(ReviewItem.for_prediction(newer))
    # Both writes wait, each as its own item: the newer did not replace the older.
    assert sorted(i.etag for i in (p.prediction for p in world.desk().reviews.for_key("a.png"))) == [
        "etag-2",
        "etag-a.png",
    ]
    assert world.queued_keys() == ["a.png", "a.png"]


# ----------------------------------------------------------------------------------------- several writes of a key


def test_two_pending_writes_of_a_key_are_two_items_resolved_one_by_one(world: ReviewWorld) -> None:
    world.send_for_review("twice.png", "bicycle", 0.6, age_s=20, version_id="v1")
    world.send_for_review("twice.png", "motorcycle", 0.7, age_s=10, version_id="v2")
    desk = world.desk()
    listed = desk.pending().items
    assert [(i.key, i.version_id) for i in listed] == [("twice.png", "v1"), ("twice.png", "v2")]
    assert len({i.upload_id for i in listed}) == 2

    with pytest.raises(AmbiguousKeyError, match=r"2 writes of 'twice\.png' .*v1, v2.*--version-id") as raised:
        desk.resolve("twice.png", "bicycle", "alice")
    assert raised.value.exit_code == 7 and raised.value.versions == ["v1", "v2"]
    assert world.queued_keys() == ["twice.png", "twice.png"]  # nothing decided
    with pytest.raises(NotPendingError, match="version v9"):
        desk.resolve("twice.png", "bicycle", "alice", version_id="v9")

    assert desk.resolve("twice.png", "motorcycle", "alice", version_id="v2").record.version_id == "v2"
    assert [i.version_id for i in desk.pending().items] == ["v1"]
    # One write left: the key alone names it again.
    assert desk.resolve("twice.png", "bicycle", "alice").record.version_id == "v1"
    assert desk.resolve("twice.png", "bicycle", "alice").outcome == "unchanged"
    records = {r.version_id: (r.label, r.source) for r in desk.results.for_key("twice.png")}
    assert records == {"v1": ("bicycle", "human"), "v2": ("motorcycle", "human")}
    latest = desk.results.get("twice.png")
    assert latest is not None and latest.version_id == "v2"  # the key's latest write, whatever was decided last
    # Undo takes back the latest of one's own decisions, or the one named.
    assert desk.undo("twice.png", "alice", version_id="v2").version_id == "v2"
    assert desk.undo("twice.png", "alice").version_id == "v1"
    assert sorted(i.version_id or "" for i in desk.pending().items) == ["v1", "v2"]
    assert desk.results.for_key("twice.png") == []


def test_leases_of_several_writes_are_per_write(world: ReviewWorld) -> None:
    world.send_for_review("twice.png", age_s=20, version_id="v1")
    world.send_for_review("twice.png", age_s=10, version_id="v2")
    desk = world.desk()
    first, second = desk.next("alice"), desk.next("bob")
    assert first is not None and second is not None
    assert {first.item.version_id, second.item.version_id} == {"v1", "v2"}
    assert desk.next("carol") is None
    mine = first.item.version_id
    assert desk.renew("twice.png", "alice").item.version_id == mine
    assert desk.release("twice.png", "alice") == 1
    again = desk.next("carol")
    assert again is not None and again.item.version_id == mine
    assert desk.resolve("twice.png", "bicycle", "bob", version_id=second.item.version_id).outcome == "resolved"


def test_a_stale_decision_never_touches_a_newer_writes_record(world: ReviewWorld) -> None:
    """The older write waits for a person while a newer write of the key is accepted by the model; deciding the
    older one later writes the older write's record only, and each write has exactly one outcome."""
    from service.ops.accounting import take_ledger

    world.send_for_review("race.png", "bicycle", 0.6, age_s=60, version_id="v1")
    newer = model_record("race.png", "motorcycle", 0.99, route="accept", reason="confident", version="v2")
    world.dynamodb.put_item(TableName=world.table, Item=newer.to_dynamodb())
    failed_url = world.sqs.create_queue(QueueName="failed")["QueueUrl"]

    def ledger() -> list[tuple[str, str | None]]:
        taken = take_ledger(
            world.dynamodb,
            world.sqs,
            world.table,
            world.queue_url,
            failed_url,
            {"race.png"},
            reviews_table=world.reviews,
        )
        assert taken.duplicated() == {}
        return sorted((o.place, o.record.version_id if o.record else None) for o in taken.outcomes["race.png"])

    assert ledger() == [("results", "v2"), ("review", "v1")]
    world.desk().resolve("race.png", "bicycle", "alice")  # only v1 is pending: the key alone names it
    latest = world.desk().results.get("race.png")
    assert latest is not None and (latest.version_id, latest.label, latest.source) == ("v2", "motorcycle", "model")
    by_write = {r.version_id: (r.source, r.label) for r in world.desk().results.for_key("race.png")}
    assert by_write == {"v1": ("human", "bicycle"), "v2": ("model", "motorcycle")}
    stored = world.desk().results.get_write("race.png", newer.upload_id)
    assert stored == newer
    assert ledger() == [("results", "v1"), ("results", "v2")]


# ----------------------------------------------------------------------------------------------------- leases


def test_an_item_without_its_message_is_listed_handed_out_and_resolvable(world: ReviewWorld) -> None:
    world.send_for_review("lost.png", "bicycle", 0.6, age_s=30)
    world.purge()
    desk = world.desk()
    assert world.queued_keys() == ["lost.png"]
    lease = desk.next("alice")
    assert lease is not None and (lease.item.key, lease.via, lease.reviewer) == ("lost.png", "index", "alice")
    assert desk.next("bob") is None  # leased to alice
    assert desk.resolve("lost.png", "motorcycle", "alice").outcome == "resolved"
    stored = desk.results.get("lost.png")
    assert stored is not None and (stored.source, stored.reviewer) == ("human", "alice")
    assert world.queued_keys() == []


class Clock:
    """The desk's clock, moved by the test."""

    def __init__(self) -> None:
        self.at = utc_now()

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def test_an_abandoned_lease_returns_the_item(world: ReviewWorld) -> None:
    world.send_for_review("a.png")
    clock = Clock()
    desk = world.desk(now=clock)
    first = desk.next("alice", lease_seconds=1)
    assert first is not None and first.via == "queue"
    assert desk.next("bob") is None
    clock.advance(2)
    again = desk.next("bob")
    assert again is not None and (again.item.key, again.reviewer) == ("a.png", "bob")
    desk.release("a.png", "bob")
    assert (taken := desk.next("carol")) is not None and taken.item.key == "a.png"


def test_renewing_keeps_the_item(world: ReviewWorld) -> None:
    world.send_for_review("a.png")
    clock = Clock()
    desk = world.desk(now=clock)
    assert desk.next("alice", lease_seconds=1) is not None
    renewed = desk.renew("a.png", "alice", lease_seconds=60)
    clock.advance(1.5)
    assert desk.next("bob") is None
    assert renewed.expires_at > clock()
    with pytest.raises(NotPendingError):
        desk.renew("a.png", "bob")


def test_renewals_end_at_the_longest_a_lease_may_last(world: ReviewWorld) -> None:
    world.send_for_review("a.png")
    clock = Clock()
    desk = world.desk(now=clock, max_lease_age_s=100)
    taken = desk.next("alice", lease_seconds=60)
    assert taken is not None
    clock.advance(50)
    renewed = desk.renew("a.png", "alice", lease_seconds=60)
    assert renewed.expires_at == taken.item.held_until + timedelta(seconds=40)  # capped at 100 s after taking
    clock.advance(10)
    with pytest.raises(LeaseTooOldError, match="100 s"):
        desk.renew("a.png", "alice", lease_seconds=60)
    assert desk.next("bob") is None  # still alice's, until the cap
    clock.advance(41)  # the lease ended: another reviewer may take the item
    assert (bobs := desk.next("bob")) is not None and bobs.item.key == "a.png"


def test_an_ended_lease_cannot_be_renewed(world: ReviewWorld) -> None:
    world.send_for_review("a.png")
    clock = Clock()
    desk = world.desk(now=clock)
    assert desk.next("alice", lease_seconds=10) is not None
    clock.advance(11)
    with pytest.raises(NotPendingError):
        desk.renew("a.png", "alice")


def test_a_leased_item_is_decided_by_its_holder_only(world: ReviewWorld) -> None:
    world.send_for_review("k.png")
    clock = Clock()
    desk = world.desk(now=clock)
    lease = desk.next("alice")
    assert lease is not None and lease.item.key == "k.png"
    with pytest.raises(LeaseHeldError, match="held by alice until") as refused:
        desk.resolve("k.png", "motorcycle", "bob")
    assert refused.value.owner == "alice" and refused.value.until == lease.expires_at
    assert desk.resolve("k.png", "bicycle", "alice").outcome == "resolved"
    stored = desk.results.get("k.png")
    assert stored is not None and (stored.reviewer, stored.label) == ("alice", "bicycle")


def test_a_lease_that_ended_no_longer_protects_the_item(world: ReviewWorld) -> None:
    world.send_for_review("k.png")
    clock = Clock()
    desk = world.desk(now=clock)
    assert desk.next("alice", lease_seconds=30) is not None
    clock.advance(31)
    assert desk.resolve("k.png", "motorcycle", "bob").outcome == "resolved"


def test_a_reviewer_holds_at_most_the_configured_number_of_items(world: ReviewWorld) -> None:
    for n in range(7):
        world.send_for_review(f"k{n}.png", age_s=100 - n)
    desk = world.desk()
    first = desk.next("alice")
    assert first is not None and first.via in ("queue", "index")
    again = desk.next("alice")  # at the bound: the item already held, nothing more
    assert again is not None and again.via == "held" and again.item.key == first.item.key
    assert [i.key for i in desk.held("alice")] == [first.item.key]
    assert (bobs := desk.next("bob")) is not None and bobs.item.key != first.item.key
    desk.resolve(first.item.key, "bicycle", "alice")
    fresh = desk.next("alice")
    assert fresh is not None and fresh.via != "held" and fresh.item.key not in (first.item.key, bobs.item.key)
    wider = world.desk(max_leases=3)
    taken = {lease.item.key for _ in range(5) if (lease := wider.next("carol")) is not None}
    assert len(taken) == 3 and len(wider.held("carol")) == 3


@pytest.mark.parametrize("messages", [True, False])
def test_concurrent_nexts_of_one_reviewer_hold_one_item(world: ReviewWorld, messages: bool) -> None:
    for n in range(8):
        world.send_for_review(f"k{n}.png", age_s=100 - n)
    if not messages:
        world.purge()
    dynamodb = AtomicWrites(world.dynamodb)
    start = threading.Barrier(4)
    got: list[Lease] = []

    def take() -> None:
        desk = world.desk(dynamodb=dynamodb)
        start.wait()
        for _ in range(3):
            if (lease := desk.next("alice")) is not None:
                got.append(lease)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(got) == 12 and len({lease.item.key for lease in got}) == 1
    leased = [i for i in world.desk().pending(limit=100).items if i.held_by is not None]
    assert [i.held_by for i in leased] == ["alice"]


def test_an_admin_releases_anyones_lease(world: ReviewWorld) -> None:
    world.send_for_review("k.png")
    desk = world.desk()
    assert desk.next("alice") is not None
    assert desk.release("k.png", "bob") == 0  # not bob's
    assert desk.release("k.png", "root", admin=True) == 1
    assert (bobs := desk.next("bob")) is not None and bobs.item.key == "k.png"


def test_the_list_says_who_holds_each_item(world: ReviewWorld) -> None:
    world.send_for_review("a.png", age_s=10)
    world.send_for_review("b.png", age_s=5)
    desk = world.desk()
    assert (lease := desk.next("alice")) is not None and lease.item.key == "a.png"
    mine = {i.key: i for i in desk.pending(viewer="alice").items}
    theirs = {i.key: i for i in desk.pending(viewer="bob").items}
    assert (mine["a.png"].held_by, mine["a.png"].held_by_me, mine["a.png"].held_until) == (
        "alice",
        True,
        lease.expires_at,
    )
    assert (theirs["a.png"].held_by, theirs["a.png"].held_by_me) == ("alice", False)
    assert (mine["b.png"].held_by, mine["b.png"].held_by_me, mine["b.png"].held_until) == (None, False, None)


@pytest.mark.parametrize("messages", [True, False])
def test_two_concurrent_nexts_never_share_an_item(world: ReviewWorld, messages: bool) -> None:
    for n in range(6):
        world.send_for_review(f"k{n}.png", age_s=100 - n)
    if not messages:
        world.purge()  # every call falls back to the index, where the conditional lease decides
    dynamodb = AtomicWrites(world.dynamodb)
    start = threading.Barrier(2)
    got: dict[str, list[Lease]] = {"alice": [], "bob": []}

    def take(reviewer: str) -> None:
        desk = world.desk(dynamodb=dynamodb, max_leases=3)
        start.wait()
        for _ in range(3):
            lease = desk.next(reviewer)
            if lease is not None:
                got[reviewer].append(lease)

    threads = [threading.Thread(target=take, args=(name,)) for name in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    keys = [lease.item.key for leases in got.values() for lease in leases]
    assert len(keys) == len(set(keys)) == 6


@pytest.mark.parametrize("both_leased", [False, True])
def test_two_concurrent_resolves_make_one_decision(world: ReviewWorld, both_leased: bool) -> None:
    world.send_for_review("race.png", "bicycle", 0.5)
    if both_leased:
        world.purge()
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}
    dynamodb = AtomicWrites(world.dynamodb)

    def review(reviewer: str, label: str) -> None:
        desk = world.desk(dynamodb=dynamodb)
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
