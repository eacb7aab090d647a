"""Reading what the pipeline wrote: the results table, the review queue and the failed queue."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, ConditionExpressionBuilder, Key
from boto3.dynamodb.types import TypeSerializer

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
        labels: Sequence[str] | None = None,
    ) -> list[ResultRecord]:
        """Records matching every given condition, oldest first.

        A label, or a time range together with `labels` (every label the table can hold), reads the label/time
        index: one query per label partition, no scan. Anything else scans the table with a filter.
        """
        filters: list[ConditionBase] = []
        if min_confidence is not None:
            filters.append(Attr("confidence").gte(_decimal(min_confidence)))
        if max_confidence is not None:
            filters.append(Attr("confidence").lte(_decimal(max_confidence)))
        if source is not None:
            filters.append(Attr("source").eq(source))
        if label is not None:
            partitions = [label]
        elif since is not None or until is not None:
            partitions = list(labels or [])
        else:
            partitions = []
        if partitions:
            found = (r for part in partitions for r in self._read_index(part, since, until, filters))
            return sorted(found, key=lambda r: r.completed_at)
        if since is not None:
            filters.append(Attr("completed_at").gte(_iso(since)))
        if until is not None:
            filters.append(Attr("completed_at").lte(_iso(until)))
        return sorted(self._read(self._client.scan, filters), key=lambda r: r.completed_at)

    def _read_index(
        self, label: str, since: datetime | None, until: datetime | None, filters: list[ConditionBase]
    ) -> list[ResultRecord]:
        condition = Key("label").eq(label)
        if since is not None and until is not None:
            condition &= Key("completed_at").between(_iso(since), _iso(until))
        elif since is not None:
            condition &= Key("completed_at").gte(_iso(since))
        elif until is not None:
            condition &= Key("completed_at").lte(_iso(until))
        return self._read(self._client.query, filters, key_condition=condition)

    def _read(
        self, reader: Any, filters: list[ConditionBase], key_condition: ConditionBase | None = None
    ) -> list[ResultRecord]:
        """Every page of a query (with a key condition, on the label index) or a scan, through the client
        itself, so that it uses the client's endpoint and credentials."""
        builder = ConditionExpressionBuilder()
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        kwargs: dict[str, Any] = {"TableName": self._table_name}
        for parameter, condition, is_key in (
            ("KeyConditionExpression", key_condition, True),
            ("FilterExpression", _all_of(filters), False),
        ):
            if condition is None:
                continue
            built = builder.build_expression(condition, is_key_condition=is_key)
            kwargs[parameter] = built.condition_expression
            names.update(built.attribute_name_placeholders)
            values.update(built.attribute_value_placeholders)
        if key_condition is not None:
            kwargs["IndexName"] = LABEL_INDEX
        if names:
            kwargs["ExpressionAttributeNames"] = names
        if values:
            serializer = TypeSerializer()
            kwargs["ExpressionAttributeValues"] = {name: serializer.serialize(v) for name, v in values.items()}
        records = []
        while True:
            page = reader(**kwargs)
            records.extend(ResultRecord.from_dynamodb(item) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return records
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

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


def _all_of(conditions: list[ConditionBase]) -> ConditionBase | None:
    if not conditions:
        return None
    combined = conditions[0]
    for extra in conditions[1:]:
        combined &= extra
    return combined


def _iso(moment: datetime) -> str:
    return format_utc(moment)


def _decimal(value: float) -> Any:
    from decimal import Decimal

    return Decimal(str(value))
