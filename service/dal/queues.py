"""The SQS queues (review, failed, the rule's dead-letter queue): JSON messages, peeked or consumed."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from service.domain.models import FailedMessage, ResultRecord
from service.domain.probe import is_probe


@dataclass(frozen=True, slots=True)
class Received:
    """One message as received: its body, and the handle that deletes it or changes its visibility."""

    message_id: str
    receipt_handle: str
    body: dict[str, Any]


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

    def receive(self, visibility_timeout: int, limit: int | None = None, wait_seconds: int = 0) -> Iterator[Received]:
        """Messages as the queue hands them out, each hidden from other readers for `visibility_timeout` seconds,
        until the queue has no visible message left (or `limit` were received). With `wait_seconds`, long polling:
        every server is asked (a short poll samples some, and may answer nothing while messages exist)."""
        count = 0
        while limit is None or count < limit:
            batch = self._sqs.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=10 if limit is None else min(10, limit - count),
                VisibilityTimeout=visibility_timeout,
                WaitTimeSeconds=wait_seconds,
            ).get("Messages", [])
            if not batch:
                return
            for message in batch:
                count += 1
                yield Received(
                    message_id=message["MessageId"],
                    receipt_handle=message["ReceiptHandle"],
                    body=json.loads(message["Body"]),
                )

    def release(self, receipt_handles: Iterable[str]) -> None:
        """Makes received messages visible again at once."""
        for handle in receipt_handles:
            self._sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=handle, VisibilityTimeout=0)

    def delete(self, receipt_handle: str) -> None:
        self._sqs.delete_message(QueueUrl=self.url, ReceiptHandle=receipt_handle)

    def peek(self, limit: int = 1000, wait_seconds: int = 0) -> list[dict[str, Any]]:
        """Every visible message's body, made visible again at once so nothing is consumed."""
        bodies: dict[str, dict[str, Any]] = {}
        held: list[str] = []
        try:
            for message in self.receive(visibility_timeout=30, wait_seconds=wait_seconds):
                held.append(message.receipt_handle)
                bodies.setdefault(message.message_id, message.body)
                if len(bodies) >= limit:
                    break
        finally:
            self.release(held)
        return list(bodies.values())[:limit]

    def messages(self) -> Iterator[dict[str, Any]]:
        yield from self.peek()

    def drain(self) -> list[dict[str, Any]]:
        """Every message's body, consumed: for throwaway stacks (benchmarks), where peeking thousands of messages
        one visibility change at a time would cost more than the run itself."""
        bodies = {m.message_id: m.body for m in self.receive(visibility_timeout=3600)}
        return list(bodies.values())


def review_records(queue: Queue) -> list[ResultRecord]:
    return [ResultRecord.model_validate(body) for body in queue.peek()]


def failed_messages(queue: Queue) -> list[FailedMessage]:
    """The failures people look at (a `scones doctor` probe's, which the doctor removes, is not one of them)."""
    return [FailedMessage.model_validate(body) for body in queue.peek() if not is_probe(str(body.get("key", "")))]
