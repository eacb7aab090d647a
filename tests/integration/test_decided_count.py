"""A reviewer's decisions of a day are counted from the reviews table's sparse decided-by-reviewer index (as the
template declares it), not by scanning the table's history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from moto import mock_aws

from service.dal.reviews import ReviewsTable
from testkit.reviews import create_reviews_table, seeded_item

MIDNIGHT = datetime(2026, 12, 7, tzinfo=UTC)


@mock_aws
def test_each_reviewer_counts_their_own_decisions_since_a_moment() -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    create_reviews_table(client, "reviews")
    table = ReviewsTable(client, "reviews")
    decided = [
        ("ann@example.com", MIDNIGHT + timedelta(hours=9)),
        ("ann@example.com", MIDNIGHT + timedelta(hours=10)),
        ("ann@example.com", MIDNIGHT - timedelta(minutes=1)),  # yesterday
        ("bob@example.com", MIDNIGHT + timedelta(hours=9)),
    ]
    for n, (reviewer, moment) in enumerate(decided):
        item = seeded_item(n, "intake").model_copy(
            update={"status": "decided", "decided_label": "bicycle", "decided_by": reviewer, "decided_at": moment}
        )
        assert table.put_pending(item)
    assert table.put_pending(seeded_item(9, "intake"))  # still pending: not in the index at all

    assert table.decided_count("ann@example.com", MIDNIGHT) == 2
    assert table.decided_count("ann@example.com", MIDNIGHT - timedelta(days=1)) == 3
    assert table.decided_count("bob@example.com", MIDNIGHT) == 1
    assert table.decided_count("cy@example.com", MIDNIGHT) == 0
