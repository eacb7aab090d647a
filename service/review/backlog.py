"""The review backlog as two numbers for CloudWatch: how many items wait, and how long the oldest has."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from service.dal.clients import client
from service.dal.reviews import ReviewsTable


class Backlog(BaseModel):
    pending: int
    oldest_age_seconds: float


def review_backlog(reviews_table: str, dynamodb: Any | None = None, now: datetime | None = None) -> Backlog:
    """Two reads of the pending index: a count and its first item."""
    table = ReviewsTable(dynamodb or client("dynamodb"), reviews_table)
    oldest = table.oldest_pending()
    age = ((now or datetime.now(UTC)) - oldest.queued_at).total_seconds() if oldest else 0.0
    return Backlog(pending=table.count_pending(), oldest_age_seconds=max(0.0, age))
