"""Reading what the pipeline wrote: the results table, the review queue and the failed queue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from service.models import FailedMessage, ResultRecord, format_utc

LABEL_INDEX = "by-label"


class ResultsTable:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._client = dynamodb
        self._table_name = table_name

    def get(self, key: str) -> ResultRecord | None:
        item = self._client.get_item(TableName=self._table_name, Key={"key": {"S": key}}, ConsistentRead=True)
        return ResultRecord.from_dynamodb(item["Item"]) if "Item" in item else None

    def query(
        self,
        label: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        min_confidence: float | None = None,
        max_confidence: float | None = None,
        source: str | None = None,
    ) -> list[ResultRecord]:
        """With a label, reads the label/time index (no scan); without one, the whole table is scanned."""
        import boto3

        table = boto3.resource(
            "dynamodb",
            region_name=self._client.meta.region_name,
            endpoint_url=self._client.meta.endpoint_url,
        ).Table(self._table_name)
        filters = []
        if min_confidence is not None:
            filters.append(Attr("confidence").gte(_decimal(min_confidence)))
        if max_confidence is not None:
            filters.append(Attr("confidence").lte(_decimal(max_confidence)))
        if source is not None:
            filters.append(Attr("source").eq(source))
        kwargs: dict[str, Any] = {}
        if label is not None:
            condition = Key("label").eq(label)
            if since is not None and until is not None:
                condition &= Key("completed_at").between(_iso(since), _iso(until))
            elif since is not None:
                condition &= Key("completed_at").gte(_iso(since))
            elif until is not None:
                condition &= Key("completed_at").lte(_iso(until))
            kwargs.update(IndexName=LABEL_INDEX, KeyConditionExpression=condition)
            reader = table.query
        else:
            if since is not None:
                filters.append(Attr("completed_at").gte(_iso(since)))
            if until is not None:
                filters.append(Attr("completed_at").lte(_iso(until)))
            reader = table.scan
        if filters:
            combined = filters[0]
            for extra in filters[1:]:
                combined &= extra
            kwargs["FilterExpression"] = combined
        records = []
        while True:
            page = reader(**kwargs)
            records.extend(ResultRecord.model_validate(json.loads(json.dumps(i, default=float))) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted(records, key=lambda r: r.completed_at)

    def count(self) -> int:
        total, kwargs = 0, {"TableName": self._table_name, "Select": "COUNT"}
        while True:
            page = self._client.scan(**kwargs)
            total += page["Count"]
            if "LastEvaluatedKey" not in page:
                return total
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


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


def review_records(queue: Queue) -> list[ResultRecord]:
    return [ResultRecord.model_validate(body) for body in queue.peek()]


def failed_messages(queue: Queue) -> list[FailedMessage]:
    return [FailedMessage.model_validate(body) for body in queue.peek()]


def _iso(moment: datetime) -> str:
    return format_utc(moment)


def _decimal(value: float) -> Any:
    from decimal import Decimal

    return Decimal(str(value))
