"""The results table: one record per classified write (the object key and `upload_id`), read by key (every write
of it, or the latest), by the label/time index or by scan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from service.dal.pages import pages
from service.domain.dynamodb_json import to_attribute
from service.domain.models import ResultRecord, format_utc
from service.domain.probe import is_probe

# boto3's condition builder is imported by the queries that use it: importing any part of boto3 loads all of it,
# and the review API's function imports this module but its first request (the pending list) never queries.
if TYPE_CHECKING:
    from boto3.dynamodb.conditions import ConditionBase

LABEL_INDEX = "by-label"


class ResultsTable:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._client = dynamodb
        self._table_name = table_name

    def get(self, key: str) -> ResultRecord | None:
        """The record of the key's latest classified write (what the key "is" now), if any."""
        found = self.for_key(key)
        return found[-1] if found else None

    def get_write(self, key: str, upload_id: str) -> ResultRecord | None:
        """The record of one write of `key`."""
        item = self._client.get_item(
            TableName=self._table_name, Key={"key": {"S": key}, "upload_id": {"S": upload_id}}, ConsistentRead=True
        )
        return ResultRecord.from_dynamodb(item["Item"]) if "Item" in item else None

    def for_key(self, key: str) -> list[ResultRecord]:
        """Every classified write of `key`, oldest upload first (one partition: one query)."""
        kwargs: dict[str, Any] = {
            "TableName": self._table_name,
            "KeyConditionExpression": "#key = :key",
            "ExpressionAttributeNames": {"#key": "key"},
            "ExpressionAttributeValues": {":key": {"S": key}},
            "ConsistentRead": True,
        }
        found = [
            ResultRecord.from_dynamodb(item) for page in pages(self._client.query, kwargs) for item in page["Items"]
        ]
        return sorted(found, key=lambda r: (r.uploaded_at, r.completed_at))

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
        from boto3.dynamodb.conditions import Attr

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
        from boto3.dynamodb.conditions import Key

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
        from boto3.dynamodb.conditions import ConditionExpressionBuilder

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
            kwargs["ExpressionAttributeValues"] = {name: to_attribute(value) for name, value in values.items()}
        # `scones doctor`'s probes are nobody's results (a key read directly, with for_key, still finds them).
        return [
            ResultRecord.from_dynamodb(item)
            for page in pages(reader, kwargs)
            for item in page["Items"]
            if not is_probe(item["key"]["S"])
        ]

    def model_confidences(self) -> list[tuple[str, float]]:
        """(route, the model's confidence) of every record: a person's record keeps the model's beside its own."""
        kwargs: dict[str, Any] = {
            "TableName": self._table_name,
            "ProjectionExpression": "#key, #route, confidence, model_confidence",
            "ExpressionAttributeNames": {"#key": "key", "#route": "route"},
        }
        found: list[tuple[str, float]] = []
        for page in pages(self._client.scan, kwargs):
            for item in page["Items"]:
                if is_probe(item["key"]["S"]):
                    continue
                value = item.get("model_confidence") or item.get("confidence") or {"N": "0"}
                found.append((item.get("route", {}).get("S", "accept"), float(value["N"])))
        return found

    def count(self) -> int:
        return sum(
            page["Count"] for page in pages(self._client.scan, {"TableName": self._table_name, "Select": "COUNT"})
        )


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
