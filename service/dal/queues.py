"""The SQS queues (review, failed, the rule's dead-letter queue): JSON messages, peeked or consumed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from service.domain.models import FailedMessage, ResultRecord


class Queue:
    """An SQS queue of JSON messages, read without consuming them (peek) or consumed one by one."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self.url = queue_url

    def depth(self) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def peek(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Every visible message's body, made visible again at once so nothing is consumed."""
        bodies: dict[str, dict[str, Any]] = {}
        handles: list[str] = []
        try:
            while len(bodies) < limit:
                batch = self._sqs.receive_message(
                    QueueUrl=self.url, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=0
                ).get("Messages", [])
                if not batch:
                    break
                for message in batch:
                    handles.append(message["ReceiptHandle"])
                    bodies.setdefault(message["MessageId"], json.loads(message["Body"]))
        finally:
            for handle in handles:
                self._sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=handle, VisibilityTimeout=0)
        return list(bodies.values())[:limit]

    def messages(self) -> Iterator[dict[str, Any]]:
        yield from self.peek()

    def drain(self) -> list[dict[str, Any]]:
        """Every message's body, consumed: for throwaway stacks (benchmarks), where peeking thousands of messages
        one visibility change at a time would cost more than the run itself."""
        bodies: dict[str, dict[str, Any]] = {}
        while True:
            batch = self._sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, VisibilityTimeout=3600, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return list(bodies.values())
            for message in batch:
                bodies.setdefault(message["MessageId"], json.loads(message["Body"]))


def review_records(queue: Queue) -> list[ResultRecord]:
    return [ResultRecord.model_validate(body) for body in queue.peek()]


def failed_messages(queue: Queue) -> list[FailedMessage]:
    return [FailedMessage.model_validate(body) for body in queue.peek()]
