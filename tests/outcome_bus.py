"""The outcome bus as a downstream system sees it: a queue of its own behind a rule on the bus, and the count of
the events that could not be published."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from service.domain.outcome_events import NOT_PUBLISHED_METRIC

#: The id of the subscriber's queue among the rule's targets.
TARGET_ID = "queue"


def subscribe(events: Any, sqs: Any, bus: str, name: str) -> str:
    """A queue named `name` and a rule of that name sending it every scones event, as `aws events put-rule` and
    `put-targets` make them; returns the queue's URL."""
    queue_url = str(sqs.create_queue(QueueName=name)["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": ["scones"]}))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": TARGET_ID, "Arn": arn}])
    return queue_url


def unpublished_count(cloudwatch: Any) -> float:
    """How many outcome events were given up on (the metric the publisher writes), over the last hour."""
    points = cloudwatch.get_metric_statistics(
        Namespace="Scones",
        MetricName=NOT_PUBLISHED_METRIC,
        Dimensions=[{"Name": "service", "Value": "scones"}],
        StartTime=datetime.now(UTC) - timedelta(hours=1),
        EndTime=datetime.now(UTC) + timedelta(minutes=5),
        Period=3600,
        Statistics=["Sum"],
    )["Datapoints"]
    return sum(point["Sum"] for point in points)
