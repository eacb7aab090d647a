"""Where did each uploaded object end up? The pipeline's invariant, checked from the outside.

Every uploaded object ends exactly once in one of: the results table, pending review, the failed queue.
Pending reviews are read from the reviews table (the durable store), not the review queue. An audit is an
accepted image that is also pending: it counts once, as a result.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any, Literal

from pydantic import BaseModel

from service.dal.queues import Queue
from service.dal.reviews import ReviewsTable
from service.domain.models import FailedMessage, ResultRecord

Place = Literal["results", "review", "failed"]


class Outcome(BaseModel):
    key: str
    place: Place
    record: ResultRecord | None = None
    failure: FailedMessage | None = None


class Ledger(BaseModel):
    """Outcomes by key; a key with more than one outcome breaks the invariant."""

    outcomes: dict[str, list[Outcome]] = {}

    def missing(self, keys: set[str]) -> set[str]:
        return {key for key in keys if key not in self.outcomes}

    def duplicated(self) -> dict[str, list[Outcome]]:
        return {key: found for key, found in self.outcomes.items() if len(found) > 1}

    def by_place(self, place: Place) -> list[Outcome]:
        return [o for found in self.outcomes.values() for o in found if o.place == place]


def _results(dynamodb: Any, table: str, keys: list[str]) -> list[ResultRecord]:
    found: list[ResultRecord] = []
    for start in range(0, len(keys), 100):
        request: dict[str, Any] = {table: {"Keys": [{"key": {"S": k}} for k in keys[start : start + 100]]}}
        while request:
            answer = dynamodb.batch_get_item(RequestItems=request)
            found.extend(ResultRecord.from_dynamodb(item) for item in answer["Responses"].get(table, []))
            request = answer.get("UnprocessedKeys") or {}
    return found


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
