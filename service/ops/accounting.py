"""Where did each uploaded object end up? The pipeline's invariant, checked from the outside.

Every write of a key (key + version) ends exactly once in one of: the results table, pending review, the failed
queue. Both tables hold one item per write, so two uploads of one key are two outcomes, each named by its write
(`upload_id`). Pending reviews are read from the reviews table (the durable store), not the review queue. An
audit is an accepted image that is also pending: it counts once, as a result. Failed messages name the key but
not the write (a Serialize failure may come before the write is known), so they are counted per key.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any, Literal

from pydantic import BaseModel

from service.dal.queues import Queue
from service.dal.results import ResultsTable
from service.dal.reviews import ReviewsTable
from service.domain.models import FailedMessage, ResultRecord

Place = Literal["results", "review", "failed"]


class Outcome(BaseModel):
    key: str
    place: Place
    record: ResultRecord | None = None
    failure: FailedMessage | None = None

    @property
    def write(self) -> str | None:
        """Which write of the key this outcome belongs to (None: a failure, which does not say)."""
        return self.record.upload_id if self.record is not None else None


class Ledger(BaseModel):
    """Outcomes by key, each naming its write; a write with more than one outcome breaks the invariant."""

    outcomes: dict[str, list[Outcome]] = {}

    def missing(self, keys: set[str]) -> set[str]:
        return {key for key in keys if key not in self.outcomes}

    def duplicated(self) -> dict[str, list[Outcome]]:
        """Keys of which one write has two outcomes (two failures of a key count as one write twice)."""
        found: dict[str, list[Outcome]] = {}
        for key, outcomes in self.outcomes.items():
            writes = [o.write for o in outcomes]
            if len(writes) != len(set(writes)):
                found[key] = outcomes
        return found

    def writes(self, key: str) -> list[str | None]:
        return [o.write for o in self.outcomes.get(key, [])]

    def by_place(self, place: Place) -> list[Outcome]:
        return [o for found in self.outcomes.values() for o in found if o.place == place]


def _results(dynamodb: Any, table: str, keys: list[str]) -> list[ResultRecord]:
    """Every write's record of each key: one query of the key's partition each."""
    results = ResultsTable(dynamodb, table)
    return [record for key in keys for record in results.for_key(key)]


def take_ledger(
    dynamodb: Any,
    sqs: Any,
    results_table: str,
    review_url: str,
    failed_url: str,
    keys: set[str],
    consume: bool = False,
    reviews_table: str | None = None,
) -> Ledger:
    """One look at the three destinations (the failed queue is peeked, or with `consume` drained). Without
    `reviews_table` (a stack from before the reviews table) the review queue stands in for pending reviews."""
    outcomes: dict[str, list[Outcome]] = defaultdict(list)
    for record in _results(dynamodb, results_table, sorted(keys)):
        outcomes[record.key].append(Outcome(key=record.key, place="results", record=record))

    def bodies(url: str) -> list[dict[str, Any]]:
        queue = Queue(sqs, url)
        return queue.drain() if consume else queue.peek(limit=100_000)

    if reviews_table is not None:
        for item in ReviewsTable(dynamodb, reviews_table).pending():
            if item.key in keys and item.reason != "audit":
                outcomes[item.key].append(Outcome(key=item.key, place="review", record=item.prediction))
    else:
        for body in bodies(review_url):
            record = ResultRecord.model_validate(body)
            if record.key in keys:
                outcomes[record.key].append(Outcome(key=record.key, place="review", record=record))
    for body in bodies(failed_url):
        failure = FailedMessage.model_validate(body)
        if failure.key in keys:
            outcomes[failure.key].append(Outcome(key=failure.key, place="failed", failure=failure))
    return Ledger(outcomes=dict(outcomes))


def wait_until_accounted(
    dynamodb: Any,
    sqs: Any,
    results_table: str,
    review_url: str,
    failed_url: str,
    keys: set[str],
    timeout: float = 60.0,
    poll: float = 0.5,
    reviews_table: str | None = None,
) -> Ledger:
    """Polls until every key has an outcome (or the timeout passes); returns the last ledger."""
    deadline = time.monotonic() + timeout
    while True:
        ledger = take_ledger(dynamodb, sqs, results_table, review_url, failed_url, keys, reviews_table=reviews_table)
        if not ledger.missing(keys) or time.monotonic() >= deadline:
            return ledger
        time.sleep(poll)
