"""Which outcome belongs to the write a backfill lists: only the current write's outcomes make it skip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.domain.models import FailedMessage, ResultRecord
from service.ops.accounting import Ledger, Outcome
from service.ops.backfill import StoredObject, outcome_for

WRITTEN = datetime(2026, 11, 22, 10, 0, 0, 500_000, tzinfo=UTC)


def stored(version_id: str | None = "v2", etag: str = "e2") -> StoredObject:
    return StoredObject(key="k.png", version_id=version_id, etag=etag, size=10, last_modified=WRITTEN)


def record(version_id: str | None, etag: str | None) -> Outcome:
    result = ResultRecord(
        bucket="b", key="k.png", label="bicycle", confidence=0.9, probabilities={"bicycle": 0.9, "motorcycle": 0.1},
        model_version="m", route="review", threshold=1.0, etag=etag, version_id=version_id, uploaded_at=WRITTEN,
    )  # fmt: skip
    return Outcome(key="k.png", place="review", record=result)


def failure(at: datetime) -> Outcome:
    failed = FailedMessage(bucket="b", key="k.png", error="ObjectTooLarge", cause="c", step="Serialize", failed_at=at)
    return Outcome(key="k.png", place="failed", failure=failed)


def test_a_record_of_the_same_version_counts_and_one_of_an_older_version_does_not() -> None:
    assert outcome_for(stored(), [record("v2", "e2")]) is not None
    assert outcome_for(stored(), [record("v1", "e2")]) is None  # same bytes, an earlier write


def test_unversioned_the_etag_decides() -> None:
    assert outcome_for(stored("null"), [record("null", "e2")]) is not None
    assert outcome_for(stored("null"), [record("null", "e1")]) is None


def test_a_failure_counts_when_it_came_after_the_write() -> None:
    assert outcome_for(stored(), [failure(WRITTEN + timedelta(seconds=2))]) is not None
    assert outcome_for(stored(), [failure(WRITTEN.replace(microsecond=0))]) is not None  # S3 times are whole seconds
    assert outcome_for(stored(), [failure(WRITTEN - timedelta(minutes=5))]) is None


def test_the_ledger_counts_outcomes_per_write_of_a_key() -> None:
    """Two writes of one key, each with its outcome, are no duplicate; one write with two outcomes is."""
    two_writes = Ledger(outcomes={"k.png": [record("v1", "e1"), record("v2", "e2")]})
    assert two_writes.duplicated() == {}
    assert two_writes.writes("k.png") == [record("v1", "e1").write, record("v2", "e2").write]
    once_twice = Ledger(outcomes={"k.png": [record("v1", "e1"), record("v1", "e1")]})
    assert set(once_twice.duplicated()) == {"k.png"}
    two_failures = Ledger(outcomes={"k.png": [failure(WRITTEN), failure(WRITTEN)]})
    assert set(two_failures.duplicated()) == {"k.png"}  # a failure does not name its write: counted per key


def test_backfill_skips_a_write_pending_review_and_runs_the_other_write() -> None:
    """The key's older write is pending review, the current write (v2) has nothing: v2 is not skipped; once
    v2 has its own pending review, it is."""
    older_pending = [record("v1", "e1")]
    assert outcome_for(stored(), older_pending) is None
    assert outcome_for(stored(), [*older_pending, record("v2", "e2")]) is not None
