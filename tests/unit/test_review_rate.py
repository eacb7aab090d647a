"""One review rate: `scones results --stats` and `scones review stats` compute it alike, from the same stack."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.cli.results import selected, summarize
from service.domain.models import Reason, ResultRecord, Route, utc_now
from service.domain.review_items import ReviewItem
from service.domain.review_rate import review_rate
from service.review.stats import review_stats


def record(key: str, route: Route, reason: Reason, label: str = "bicycle") -> ResultRecord:
    now = utc_now()
    return ResultRecord(
        bucket="b", key=key, label=label, confidence=0.99 if route == "accept" else 0.6,
        probabilities={label: 0.99}, model_version="m", route=route, threshold=0.9, reason=reason,
        uploaded_at=now, completed_at=now,
    )  # fmt: skip


def pending(key: str, reason: Reason = "low_confidence", label: str = "bicycle") -> ReviewItem:
    audit_rate = 0.1 if reason == "audit" else None
    return ReviewItem.for_prediction(record(key, "review", reason, label), audit_rate=audit_rate)


def test_the_rate_is_sent_to_review_over_classified() -> None:
    assert review_rate(accepted=5, sent_to_review=2) == pytest.approx(2 / 7)
    assert review_rate(accepted=0, sent_to_review=0) is None
    with pytest.raises(ValueError, match="negative"):
        review_rate(accepted=-1, sent_to_review=0)


def test_five_accepted_and_two_waiting_is_the_same_rate_for_both_commands() -> None:
    """Nobody has decided yet: the results table holds only the model's records; two items wait."""
    accepted = [record(f"a{i}", "accept", "confident") for i in range(5)]
    waiting = [pending("w1"), pending("w2", "unrecognised")]
    from_results = summarize(accepted, pending_review=2, waiting=waiting)
    from_desk = review_stats([], pending=2, pending_not_audits=2, accepted=5, oldest=waiting[0])
    assert from_results.review_rate == from_desk.review_rate == pytest.approx(2 / 7)
    assert (from_results.accepted, from_results.sent_to_review) == (5, 2)


def test_audits_count_as_accepted_whether_confirmed_overridden_or_pending() -> None:
    records = [
        record("a", "accept", "confident"),
        record("confirmed", "accept", "audit"),
        record("overridden", "review", "audit"),  # a person's record after an audit: the model had accepted it
        record("decided", "review", "low_confidence"),
    ]
    summary = summarize(records, pending_review=1, waiting=[pending("audit-waiting", "audit")])
    assert (summary.accepted, summary.sent_to_review) == (3, 1)
    assert summary.review_rate == pytest.approx(1 / 4)


def test_pending_items_follow_the_selection() -> None:
    item = pending("w", label="motorcycle")
    now = utc_now()
    assert selected(item, None, None, None)
    assert not selected(item, "bicycle", None, None)
    assert selected(item, "motorcycle", now - timedelta(hours=1), now + timedelta(hours=1))
    assert not selected(item, None, now + timedelta(minutes=1), None)
