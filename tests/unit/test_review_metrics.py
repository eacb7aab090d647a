"""The scheduled review metrics function: the pending count and the oldest pending age, from the index."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from service.dal.clients import client
from testkit.reviews import create_reviews_table, seeded_item


def test_publishes_the_backlog(capsys: pytest.CaptureFixture[str]) -> None:
    with mock_aws():
        client.cache_clear()
        dynamodb: Any = boto3.client("dynamodb", region_name="us-east-1")
        create_reviews_table(dynamodb, "scones-reviews-test")
        from handlers import review_metrics
        from service.review.desk import ReviewDesk
        from tests.unit.test_handlers import context

        empty = review_metrics.handler({}, context("review-metrics"))
        assert empty == {"pending": 0, "oldest_age_seconds": 0.0}
        items = [seeded_item(n, "intake") for n in range(30)]
        desk = ReviewDesk(dynamodb, None, "results", "scones-reviews-test", "", ("bicycle", "motorcycle"))
        for item in items:
            assert desk.reviews.put_pending(item)
        answer = review_metrics.handler({"source": "aws.events"}, context("review-metrics"))
        assert answer["pending"] == 30
        assert answer["oldest_age_seconds"] == pytest.approx(100_000, abs=60)
        emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
        names = {m["Name"] for e in emitted for d in e["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
        assert {"PendingReviews", "OldestPendingReviewAge"} <= names
    client.cache_clear()
