"""Human review: the pending items (durable, in the reviews table), handed out with leases, decided once.

The reviews table says what is pending; the SQS review queue only distributes the work. Listing reads the
table's sparse indexes, never the queue. `next` receives a message with a visibility lease (so two reviewers do
not get the same item at once) and records the lease on the item with a conditional write; when the queue yields
nothing, it takes the oldest pending item whose lease is free from the index, so an item whose message expired
or was deleted is still handed out. Resolving is one transaction, whatever the number of pending items: the
condition that the item is still pending lets exactly one decision win, and the results record is written with
it. Messages of items already decided are dropped when received, so the queue converges to the pending items.

Every write of a key that needs a person is an item of its own (the table's key is the object key and the write's
`upload_id`). The commands name an item by its key; when several writes of one key wait at once, the key alone is
ambiguous and `version_id` (the S3 version, or for an unversioned bucket the item's `upload_id`) picks one.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from service.dal.results import ResultsTable
from service.dal.reviews import ConditionFailed, ReviewsTable, SortOrder
from service.domain.models import OTHER_LABEL, Reason, ResultRecord, format_utc, utc_now
from service.domain.outcome_entries import reviewed_entry, undone_entry
from service.domain.probe import is_probe
from service.domain.review_items import ReviewItem
from service.review.stats import (
    MIN_REVIEWED,
    ReviewStats,
    ThresholdSuggestion,
    review_stats,
    suggest_threshold,
)
from service.runtime.outcome_publisher import OutcomePublisher

MAX_REVIEWER_LENGTH = 128
MAX_KEY_LENGTH = 1024  # S3's own limit on key length, in bytes
#: How long an item handed out by `next` stays with its reviewer unless renewed.
DEFAULT_LEASE_S = 600
#: How many items one reviewer may hold at once, so that nobody empties the queue for the others.
DEFAULT_MAX_LEASES = 1
#: The longest one lease may last, renewals included: an item is not kept from the others for ever.
DEFAULT_MAX_LEASE_AGE_S = 3600
#: A decision can be taken back this long after it was made (the page's undo).
UNDO_WINDOW_S = 10.0
#: Messages `next` looks at before it falls back to the index (stale ones are deleted on the way).
MAX_MESSAGES_PER_NEXT = 20
#: Pending items `next` considers in the index when the queue yields nothing.
FALLBACK_SCAN = 500
REVIEW_REASONS: tuple[Reason, ...] = ("low_confidence", "unrecognised", "audit")


class ReviewError(Exception):
    """A review action that cannot be done, with a sentence for the reviewer."""

    exit_code = 1


class UnknownLabelError(ReviewError):
    exit_code = 2


class NotPendingError(ReviewError):
    exit_code = 4


class AmbiguousKeyError(ReviewError):
    """Several writes of the key wait for review: the key alone does not say which one is meant."""

    exit_code = 7

    def __init__(self, key: str, items: list[ReviewItem]) -> None:
        self.versions = [i.write_name for i in items]
        super().__init__(
            f"{len(items)} writes of {key!r} are waiting for review (versions: {', '.join(self.versions)}); "
            "choose one with --version-id."
        )


class LeaseHeldError(ReviewError):
    """Another reviewer holds a live lease on the item."""

    exit_code = 8

    def __init__(self, key: str, owner: str, until: datetime) -> None:
        self.owner = owner
        self.until = until
        super().__init__(f"{key!r} is held by {owner} until {format_utc(until)}.")


class LeaseTooOldError(ReviewError):
    """A renewal past the longest a lease may last."""

    exit_code = 9


class _SlotLostError(Exception):
    """Another request of the same reviewer filled the slot this one was about to fill."""


class AlreadyResolvedError(ReviewError):
    """Someone else (or the same person, differently) decided this item first."""

    exit_code = 3

    def __init__(self, record: ResultRecord) -> None:
        self.record = record
        when = format_utc(record.reviewed_at) if record.reviewed_at else "an unknown time"
        version = f" (version {record.version_id})" if record.version_id else ""
        super().__init__(
            f"{record.key!r}{version} was already resolved by {record.reviewer or 'someone'} at {when} "
            f"as {record.label}."
        )


class PendingItem(BaseModel):
    """One item waiting for review, as the list and the web page show it."""

    bucket: str
    key: str
    version_id: str | None = Field(default=None, description="The S3 version of the write waiting for review.")
    upload_id: str = Field(description="Which write of the key (its item's sort key); names it when unversioned.")
    label: str = Field(description="The model's predicted label.")
    confidence: float
    probabilities: dict[str, float]
    model_version: str
    reason: Reason
    recognition: float | None = None
    threshold: float
    uploaded_at: datetime
    queued_at: datetime = Field(description="When the pipeline sent it to review.")
    age_seconds: float = Field(description="How long it has waited for review.")
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    held_by: str | None = Field(default=None, description="Who holds a live lease on the item (None: nobody).")
    held_until: datetime | None = Field(default=None, description="When that lease ends unless renewed.")
    held_by_me: bool | None = Field(
        default=None, description="The lease is the asking reviewer's own (None where nobody is asking)."
    )

    @classmethod
    def of(cls, item: ReviewItem, now: datetime, viewer: str | None = None) -> PendingItem:
        p = item.prediction
        leased = item.leased_at(now)
        owner = item.lease_owner if leased else None
        return cls(
            bucket=item.bucket,
            key=item.key,
            version_id=p.version_id,
            upload_id=item.upload_id,
            label=item.label,
            confidence=item.confidence,
            probabilities=p.probabilities,
            model_version=p.model_version,
            reason=item.reason,
            recognition=p.recognition,
            threshold=p.threshold,
            uploaded_at=p.uploaded_at,
            queued_at=item.queued_at,
            age_seconds=max(0.0, (now - item.queued_at).total_seconds()),
            lease_owner=owner,
            lease_expires_at=item.lease_expires_at if leased else None,
            held_by=owner,
            held_until=item.lease_expires_at if leased else None,
            held_by_me=None if viewer is None else owner == viewer,
        )


class PendingPage(BaseModel):
    items: list[PendingItem]
    cursor: str | None = Field(description="Pass back to continue after the last item; None at the end.")


class Lease(BaseModel):
    """An item handed to one reviewer until `expires_at` (renewable)."""

    item: PendingItem
    reviewer: str
    expires_at: datetime
    via: Literal["queue", "index", "held"] = Field(
        description="From the review queue, the index when it was empty, or `held`: the reviewer already holds "
        "as many items as they may, and this is the one they have held longest."
    )


class Resolution(BaseModel):
    """What a resolve did: `resolved` wrote the decision; `unchanged` found the same decision already there."""

    outcome: Literal["resolved", "unchanged"]
    record: ResultRecord
    removed_messages: int


class ReviewDesk:
    """The reviews table, the review queue and the results table, seen by one reviewer."""

    def __init__(
        self,
        dynamodb: Any,
        sqs: Any,
        results_table: str,
        reviews_table: str,
        review_queue_url: str,
        classes: tuple[str, ...],
        outcomes: OutcomePublisher | None = None,
        now: Callable[[], datetime] = utc_now,
        max_leases: int = DEFAULT_MAX_LEASES,
        max_lease_age_s: int = DEFAULT_MAX_LEASE_AGE_S,
    ) -> None:
        #: The clock every lease and decision is read against (tests pass their own).
        self._now = now
        self.max_leases = max(1, max_leases)
        self.max_lease_age_s = max_lease_age_s
        #: Where each committed decision is announced (`Image Reviewed`); None publishes nothing.
        self._outcomes = outcomes
        self._sqs = sqs
        self._queue_url = review_queue_url
        self._results_table = results_table
        self.classes = classes
        self.labels = (*classes, OTHER_LABEL)
        self.results = ResultsTable(dynamodb, results_table)
        self.reviews = ReviewsTable(dynamodb, reviews_table)

    # ------------------------------------------------------------------------------------------------ listing

    def pending(
        self,
        limit: int = 100,
        cursor: str | None = None,
        sort: SortOrder = "age",
        label: str | None = None,
        reason: str | None = None,
        viewer: str | None = None,
    ) -> PendingPage:
        """A page of pending items from the index (oldest first, or closest to 0.5 first); nothing is consumed."""
        if reason is not None and reason not in REVIEW_REASONS:
            raise ReviewError(f"{reason!r} is not a review reason; choose one of: {', '.join(REVIEW_REASONS)}.")
        try:
            items, after = self.reviews.page(limit, sort=sort, cursor=cursor, label=label, reason=reason)
        except ValueError as error:
            raise ReviewError(str(error)) from error
        now = self._now()
        return PendingPage(items=[PendingItem.of(i, now, viewer) for i in items], cursor=after)

    # -------------------------------------------------------------------------------------------- measuring

    def stats(self) -> ReviewStats:
        """From people's decisions (the reviews table) and the model's accepted records (the results table)."""
        decided = self.reviews.decided()
        pending = list(self.reviews.pending())
        records = self.results.model_confidences()
        # A person's record in the results table came through review: only the model's own are accepted.
        accepted = sum(route == "accept" for route, _ in records)
        not_audits = sum(p.reason != "audit" for p in pending)
        return review_stats(decided, len(pending), not_audits, accepted, pending[0] if pending else None)

    def suggest_threshold(self, target_precision: float, min_reviewed: int = MIN_REVIEWED) -> ThresholdSuggestion:
        decided = self.reviews.decided()
        confidences = [c for _, c in self.results.model_confidences()]
        confidences += [p.confidence for p in self.reviews.pending() if p.reason != "audit"]
        return suggest_threshold(decided, confidences, target_precision, min_reviewed)

    # ------------------------------------------------------------------------------------------------- leases

    def next(self, reviewer: str, lease_seconds: int = DEFAULT_LEASE_S) -> Lease | None:
        """The next item for `reviewer`, leased to them: from the queue, else the oldest free pending item. A
        reviewer who already holds `max_leases` items gets the one they have held longest back (`via` "held")."""
        reviewer = self._check_reviewer(reviewer)
        for _ in range(5):  # a concurrent request of the same reviewer filled the slot: read the slots again
            now = self._now()
            held, slot, seen = self._slots(reviewer, now)
            if len(held) >= self.max_leases:
                oldest = min(held, key=lambda i: i.lease_started_at or now)
                assert oldest.lease_expires_at is not None
                return Lease(
                    item=PendingItem.of(oldest, now, reviewer),
                    reviewer=reviewer,
                    expires_at=oldest.lease_expires_at,
                    via="held",
                )
            try:
                return self._take(reviewer, lease_seconds, slot, seen)
            except _SlotLostError:
                continue
        raise ReviewError("Too many requests for the next item at once; try again.")

    def held(self, reviewer: str) -> list[ReviewItem]:
        """The items `reviewer` holds a live lease on."""
        return self._slots(reviewer, self._now())[0]

    def _slots(self, reviewer: str, now: datetime) -> tuple[list[ReviewItem], int, str | None]:
        """The items `reviewer` holds now, and a free slot to take another in: its number and the version read
        (None for a slot never used). A slot is taken while its item is pending with `reviewer`'s live lease."""
        held: dict[tuple[str, str], ReviewItem] = {}
        live: set[int] = set()
        versions: dict[int, str] = {}
        for slot in self.reviews.lease_slots(reviewer):
            versions[slot.number] = slot.version
            item = self.reviews.get(slot.item_key, slot.item_upload_id)
            if item is not None and item.status == "pending" and item.lease_owner == reviewer and item.leased_at(now):
                held[(item.key, item.upload_id)] = item
                live.add(slot.number)
        free = next((n for n in range(self.max_leases) if n not in live), 0)
        return list(held.values()), free, versions.get(free)

    def _take(self, reviewer: str, lease_seconds: int, slot: int, seen: str | None) -> Lease | None:
        for _ in range(MAX_MESSAGES_PER_NEXT):
            messages = self._sqs.receive_message(
                QueueUrl=self._queue_url, MaxNumberOfMessages=1, VisibilityTimeout=lease_seconds, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                break
            leased = self._lease_from_message(messages[0], reviewer, lease_seconds, slot, seen)
            if leased is not None:
                return leased
        return self._lease_from_index(reviewer, lease_seconds, slot, seen)

    def _lease_from_message(
        self, message: dict[str, Any], reviewer: str, lease_seconds: int, slot: int, seen: str | None
    ) -> Lease | None:
        body = _json_object(message["Body"])
        receipt = message["ReceiptHandle"]
        key, upload = body.get("key"), body.get("upload_id")
        valid = isinstance(key, str) and key and isinstance(upload, str) and upload
        item = self.reviews.get(str(key), str(upload)) if valid else None
        if item is None or item.status != "pending" or is_probe(item.key):
            self._delete_message(receipt)  # stale (decided, or never recorded), or `scones doctor`'s probe
            return None
        now = self._now()
        until = now + timedelta(seconds=lease_seconds)
        try:
            leased = self.reviews.lease(item, reviewer, now, until, receipt, slot, seen)
        except ConditionFailed as error:
            if 0 in error.failed:
                self._change_visibility(receipt, 0)  # not ours to keep: back to the queue at once
                raise _SlotLostError from error
            # Someone holds it (handed out from the index while this message was invisible): keep the message
            # out of sight until their lease ends, then it comes back if they abandon the item.
            current = self.reviews.get(item.key, item.upload_id)
            if current is not None and current.lease_expires_at is not None and current.status == "pending":
                wait = max(0, min(43_200, int((current.lease_expires_at - now).total_seconds()) + 1))
                self._change_visibility(receipt, wait)
            elif current is None or current.status != "pending":
                self._delete_message(receipt)
            return None
        return Lease(item=PendingItem.of(leased, now, reviewer), reviewer=reviewer, expires_at=until, via="queue")

    def _lease_from_index(self, reviewer: str, lease_seconds: int, slot: int, seen: str | None) -> Lease | None:
        now = self._now()
        seen_items = 0
        for item in self.reviews.pending():
            seen_items += 1
            if seen_items > FALLBACK_SCAN:
                return None
            if item.leased_at(now):
                continue
            until = now + timedelta(seconds=lease_seconds)
            try:
                leased = self.reviews.lease(item, reviewer, now, until, None, slot, seen)
            except ConditionFailed as error:
                if 0 in error.failed:
                    raise _SlotLostError from error
                continue  # another reviewer took it a moment ago
            return Lease(item=PendingItem.of(leased, now, reviewer), reviewer=reviewer, expires_at=until, via="index")
        return None

    def renew(
        self, key: str, reviewer: str, lease_seconds: int = DEFAULT_LEASE_S, version_id: str | None = None
    ) -> Lease:
        """Extends `reviewer`'s live lease on `key` (the page renews while it shows the item), at most to
        `max_lease_age_s` after the lease was taken."""
        now = self._now()
        held = [i for i in self._writes(key, version_id) if i.status == "pending" and i.lease_owner == reviewer]
        if len(held) > 1:
            raise AmbiguousKeyError(key, held)
        if held and held[0].leased_at(now):
            limit = (held[0].lease_started_at or now) + timedelta(seconds=self.max_lease_age_s)
            current = held[0].lease_expires_at
            if limit <= now or (current is not None and current >= limit):
                raise LeaseTooOldError(
                    f"The lease on {key!r} has lasted the longest a lease may ({self.max_lease_age_s} s); "
                    "decide the item or release it."
                )
            until = min(now + timedelta(seconds=lease_seconds), limit)
        try:
            if not held or not held[0].leased_at(now):
                raise ConditionFailed(key)
            item = self.reviews.renew(held[0], reviewer, now, until)
        except ConditionFailed as error:
            raise NotPendingError(f"{key!r} is not leased to {reviewer} (decided, or the lease ended).") from error
        if item.lease_receipt:
            self._change_visibility(item.lease_receipt, max(0, int((until - now).total_seconds())))
        return Lease(item=PendingItem.of(item, now, reviewer), reviewer=reviewer, expires_at=until, via="queue")

    def release(self, key: str, reviewer: str, version_id: str | None = None, admin: bool = False) -> int:
        """Gives back at once every item of `key` (or of its write `version_id`) leased to `reviewer` (with
        `admin`, leased to anyone); their messages become visible again. Returns how many were released."""
        released = 0
        for held in self._writes(key, version_id):
            if held.status != "pending" or held.lease_owner is None:
                continue
            if held.lease_owner != reviewer and not admin:
                continue
            try:
                self.reviews.release(held, reviewer if held.lease_owner == reviewer else None)
            except ConditionFailed:
                continue
            released += 1
            if held.lease_receipt:
                self._change_visibility(held.lease_receipt, 0)
        return released

    # ---------------------------------------------------------------------------------------------- resolving

    def check_label(self, label: str) -> str:
        if label not in self.labels:
            raise UnknownLabelError(f"{label!r} is not a label here; choose one of: {', '.join(self.labels)}.")
        return label

    def resolve(
        self, key: str, label: str, reviewer: str, version_id: str | None = None, reviewer_sub: str | None = None
    ) -> Resolution:
        """Record `reviewer`'s `label` for `key` (its write `version_id` when several wait): one conditional
        transaction, whatever else is pending.

        Raises UnknownLabelError, NotPendingError (the key, or that write, is not waiting for review and has no
        human decision), AmbiguousKeyError (several writes of the key wait and no version was given) or
        AlreadyResolvedError (a different decision is already recorded). Repeating one's own decision is a no-op.
        The decision goes to this write's own results record: it never touches another write's.
        """
        self.check_label(label)
        reviewer = self._check_reviewer(reviewer)
        if not key or len(key.encode("utf-8")) > MAX_KEY_LENGTH:
            raise NotPendingError("The key must be 1 to 1024 bytes.")
        writes = self._writes(key, version_id)
        waiting = [i for i in writes if i.status == "pending"]
        if len(waiting) > 1:
            raise AmbiguousKeyError(key, waiting)
        if not waiting:
            done = [i for i in writes if i.status == "decided"]
            if done:
                # Repeating a decision: the latest one is what the reviewer most likely repeats.
                return self._already_decided(max(done, key=_decided_order), label, reviewer)
            raise NotPendingError(f"{_named(key, version_id)} is not waiting for review.")
        item = waiting[0]
        now = self._now()
        if item.leased_at(now) and item.lease_owner != reviewer:
            assert item.lease_owner is not None and item.lease_expires_at is not None
            raise LeaseHeldError(key, item.lease_owner, item.lease_expires_at)
        decided = human_record(item.prediction, label, reviewer, now, reviewer_sub)
        # An audit the person agrees with leaves the model's accepted record as it is.
        keeps_model_record = item.reason == "audit" and label == item.label
        try:
            self.reviews.decide(
                item, label, reviewer, now, self._results_table, None if keeps_model_record else decided
            )
        except ConditionFailed:
            current = self.reviews.get(item.key, item.upload_id)
            live = current is not None and current.status == "pending" and current.leased_at(now)
            if (
                live
                and current
                and current.lease_owner != reviewer
                and current.lease_owner
                and current.lease_expires_at
            ):
                raise LeaseHeldError(key, current.lease_owner, current.lease_expires_at) from None
            if current is None or current.status != "decided":
                raise NotPendingError(f"{key!r} changed while it was being resolved; try again.") from None
            return self._already_decided(current, label, reviewer)
        if self._outcomes is not None:
            self._outcomes.publish(reviewed_entry(decided, label, reviewer, audit=item.reason == "audit"))
        removed = 0
        if item.lease_receipt and item.lease_owner == reviewer:
            removed = self._delete_message(item.lease_receipt)
        return Resolution(
            outcome="resolved", record=item.prediction if keeps_model_record else decided, removed_messages=removed
        )

    def undo(
        self, key: str, reviewer: str, window_s: float = UNDO_WINDOW_S, version_id: str | None = None
    ) -> PendingItem:
        """Takes back `reviewer`'s latest decision on `key` (or on its write `version_id`) if it is at most
        `window_s` old: the item is pending again and that write's results record is as it was before."""
        mine = [
            i
            for i in self._writes(key, version_id)
            if i.status == "decided" and i.decided_by == reviewer and i.decided_at is not None
        ]
        if not mine:
            raise NotPendingError(f"{_named(key, version_id)} has no decision of {reviewer}'s to undo.")
        item = max(mine, key=_decided_order)
        assert item.decided_at is not None
        if (self._now() - item.decided_at).total_seconds() > window_s:
            raise ReviewError(f"The decision on {key!r} is older than {window_s:.0f} s and stays.")
        kept_model_record = item.reason == "audit" and item.decided_label == item.label
        restore = item.prediction if item.reason == "audit" and not kept_model_record else None
        try:
            self.reviews.undo(item, reviewer, self._results_table, restore, delete_result=item.reason != "audit")
        except ConditionFailed as error:
            raise ReviewError(f"The decision on {key!r} changed meanwhile; nothing was undone.") from error
        if self._outcomes is not None:
            # Downstream kept the decision: tell them it no longer holds (named by its Image Reviewed's outcome_id).
            taken_back = decision_record(item)
            self._outcomes.publish(undone_entry(taken_back, reviewer, item.reason == "audit", self._now()))
        reopened = self.reviews.get(item.key, item.upload_id)
        assert reopened is not None
        return PendingItem.of(reopened, self._now(), reviewer)

    def _already_decided(self, item: ReviewItem, label: str, reviewer: str) -> Resolution:
        winner = decision_record(item)
        if _same_decision(winner, label, reviewer):
            return Resolution(outcome="unchanged", record=winner, removed_messages=0)
        raise AlreadyResolvedError(winner)

    def _writes(self, key: str, version_id: str | None) -> list[ReviewItem]:
        """The items of `key` (one per write that went to review), or only the write `version_id` names."""
        items = self.reviews.for_key(key)
        if version_id is None:
            return items
        return [i for i in items if version_id in (i.version_id, i.upload_id)]

    @staticmethod
    def _check_reviewer(reviewer: str) -> str:
        reviewer = reviewer.strip()
        if not reviewer or len(reviewer) > MAX_REVIEWER_LENGTH:
            raise ReviewError(f"The reviewer name must be 1 to {MAX_REVIEWER_LENGTH} characters.")
        return reviewer

    # ------------------------------------------------------------------------------------------------ the queue

    def _delete_message(self, receipt: str) -> int:
        try:
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=receipt)
        except ClientError:
            return 0  # the receipt expired (the message went back to the queue): it is dropped when next received
        return 1

    def _change_visibility(self, receipt: str, seconds: int) -> None:
        # A receipt no longer valid is harmless: the item's own lease still holds.
        with contextlib.suppress(ClientError):
            self._sqs.change_message_visibility(
                QueueUrl=self._queue_url, ReceiptHandle=receipt, VisibilityTimeout=seconds
            )


def human_record(
    prediction: ResultRecord, label: str, reviewer: str, at: datetime | None = None, reviewer_sub: str | None = None
) -> ResultRecord:
    """The results item for a person's decision: their label, the model's prediction beside it.

    `confidence` is 1.0: it describes `label`, which a person chose; the model's own confidence and
    probabilities stay in `model_confidence` and `probabilities`. `completed_at` is the decision time, so the
    record sorts into the label/time index when it entered the results.
    """
    now = at or utc_now()
    return prediction.model_copy(
        update={
            "label": label,
            "confidence": 1.0,
            "source": "human",
            "route": "review",
            "reviewer": reviewer,
            "reviewer_sub": reviewer_sub,
            "reviewed_at": now,
            "completed_at": now,
            "model_label": prediction.label,
            "model_confidence": prediction.confidence,
        }
    )


def decision_record(item: ReviewItem) -> ResultRecord:
    """The decision on a decided item, as a results record (what the loser of a race is shown)."""
    return human_record(item.prediction, item.decided_label or "?", item.decided_by or "someone", item.decided_at)


def _decided_order(item: ReviewItem) -> datetime:
    return item.decided_at or item.queued_at


def _named(key: str, version_id: str | None) -> str:
    return f"{key!r} (version {version_id})" if version_id else repr(key)


def _same_decision(record: ResultRecord, label: str, reviewer: str) -> bool:
    return record.source == "human" and record.label == label and record.reviewer == reviewer


def _json_object(text: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
