"""Watching the outcome bus as a subscriber does: a rule on the bus with an SQS queue as its target.

`scones events` makes its own short-lived subscription (a queue and a rule, both named scones-events-<id>) and
removes it when it stops: nothing stays behind to be paid for, and events published while nobody watches are not
kept (downstream systems own their durable subscriptions, as the docs' "Outcome events" page shows).
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from pydantic import ValidationError

from service.domain.outcome_events import SOURCE, OutcomeEvent


class EventTap:
    """A temporary rule (source "scones" unless told, optionally some detail-types) on `bus`, delivering to its own
    queue."""

    def __init__(
        self, events: Any, sqs: Any, bus: str, detail_types: list[str] | None = None, source: str = SOURCE
    ) -> None:
        self._events = events
        self._sqs = sqs
        self._bus = bus
        self._pattern: dict[str, Any] = {"source": [source]}
        if detail_types:
            self._pattern["detail-type"] = detail_types
        self.name = f"scones-events-{uuid.uuid4().hex[:12]}"
        self._queue_url: str | None = None
        self._rule_made = False

    def __enter__(self) -> EventTap:
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _open(self) -> None:
        self._queue_url = self._sqs.create_queue(
            QueueName=self.name, Attributes={"SqsManagedSseEnabled": "true", "MessageRetentionPeriod": "3600"}
        )["QueueUrl"]
        queue_arn = self._sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self._rule_made = True  # before the call: a stop that lands while it returns still removes the rule
        rule_arn = self._events.put_rule(
            Name=self.name,
            EventBusName=self._bus,
            EventPattern=json.dumps(self._pattern),
            State="ENABLED",
            Description="scones events: a temporary subscription, removed when the command stops.",
        )["RuleArn"]
        # Only this rule may send to this queue.
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
                }
            ],
        }
        self._sqs.set_queue_attributes(QueueUrl=self._queue_url, Attributes={"Policy": json.dumps(policy)})
        self._events.put_targets(Rule=self.name, EventBusName=self._bus, Targets=[{"Id": "tap", "Arn": queue_arn}])

    def receive(self, wait_seconds: int = 1) -> list[OutcomeEvent]:
        """The events delivered since the last call (each once: they are deleted as they are read)."""
        assert self._queue_url is not None, "the tap is not open"
        found: list[OutcomeEvent] = []
        while True:
            messages = self._sqs.receive_message(
                QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
            ).get("Messages", [])
            if not messages:
                return found
            for message in messages:
                # Not an outcome event: the pattern admits only ours, so someone's hand-made test event.
                with contextlib.suppress(ValidationError):
                    found.append(OutcomeEvent.model_validate_json(message["Body"]))
                self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
            wait_seconds = 0

    def follow(self, idle_seconds: float | None = None) -> Iterator[OutcomeEvent]:
        """Events as they come; with `idle_seconds`, stops after that long without one."""
        last = time.monotonic()
        while idle_seconds is None or time.monotonic() - last < idle_seconds:
            batch = self.receive(wait_seconds=1)
            if batch:
                last = time.monotonic()
            yield from batch

    def close(self) -> None:
        if self._rule_made:
            with contextlib.suppress(self._events.exceptions.ResourceNotFoundException):
                self._events.remove_targets(Rule=self.name, EventBusName=self._bus, Ids=["tap"])
                self._events.delete_rule(Name=self.name, EventBusName=self._bus)
            self._rule_made = False
        if self._queue_url:
            self._sqs.delete_queue(QueueUrl=self._queue_url)
            self._queue_url = None
