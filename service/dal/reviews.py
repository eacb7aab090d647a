"""The reviews table: pending reviews (durable) and people's decisions, one item per write (the object key and
`upload_id`), read by key (every write of it), by write, or by its sparse indexes.

Every write that changes who holds or decides an item is conditional, so DynamoDB arbitrates between reviewers:
a lease is taken only from a free or expired lease, and an item is decided only while it is pending.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel

from service.dal.pages import pages
from service.domain.models import ResultRecord, format_utc
from service.domain.probe import PROBE_MARKER, is_probe
from service.domain.review_items import PENDING, ReviewItem

AGE_INDEX = "pending-by-age"
MARGIN_INDEX = "pending-by-margin"
DECIDED_BY_REVIEWER = "decided-by-reviewer"
SortOrder = Literal["age", "uncertainty"]
_INDEX_FOR: dict[str, str] = {"age": AGE_INDEX, "uncertainty": MARGIN_INDEX}
_KEYS_FOR: dict[str, tuple[str, ...]] = {
    AGE_INDEX: ("key", "upload_id", "pending", "queued_at"),
    MARGIN_INDEX: ("key", "upload_id", "pending", "margin"),
}


class ConditionFailed(Exception):  # noqa: N818 - a condition, not an error of ours
    """The item was not in the state the write required (someone else got there first).

    `failed` names, for a transaction, the positions of the writes whose condition failed (empty if unknown)."""

    def __init__(self, message: str, failed: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.failed = failed


#: Lease slots live in the reviews table under a partition key longer than any S3 key (at most 1024 bytes), so
#: they can never share a partition with an item; they have no `pending` or `status`, so no index or listing
#: sees them.
_SLOT_PREFIX = "lease-slots/" + "~" * 1024 + "/"


class LeaseSlot(BaseModel):
    """One of a reviewer's numbered lease slots: which item it last held, and a version for optimistic writes.
    The slot is taken while that item is pending and leased to the reviewer with a live lease."""

    number: int
    item_key: str
    item_upload_id: str
    version: str


def encode_cursor(start_key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(start_key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as error:
        raise ValueError("The cursor is not one this command printed.") from error
    if not isinstance(decoded, dict):
        raise ValueError("The cursor is not one this command printed.")
    return decoded


class ReviewsTable:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._client = dynamodb
        self.name = table_name

    # ------------------------------------------------------------------------------------------------ reading

    def get(self, key: str, upload_id: str) -> ReviewItem | None:
        """The item of one write of `key`."""
        item = self._client.get_item(TableName=self.name, Key=_item_key(key, upload_id), ConsistentRead=True)
        return ReviewItem.from_dynamodb(item["Item"]) if "Item" in item else None

    def for_key(self, key: str) -> list[ReviewItem]:
        """Every write of `key` that went to review, pending or decided, oldest upload first (one partition)."""
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "#key = :key",
            "ExpressionAttributeNames": {"#key": "key"},
            "ExpressionAttributeValues": {":key": {"S": key}},
            "ConsistentRead": True,
        }
        found = [ReviewItem.from_dynamodb(item) for page in pages(self._client.query, kwargs) for item in page["Items"]]
        return sorted(found, key=lambda i: (i.prediction.uploaded_at, i.queued_at))

    def page(
        self,
        limit: int,
        sort: SortOrder = "age",
        cursor: str | None = None,
        label: str | None = None,
        reason: str | None = None,
    ) -> tuple[list[ReviewItem], str | None]:
        """One page of pending items in index order, filtered; the cursor continues after its last item."""
        index = _INDEX_FOR[sort]
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": index,
            "KeyConditionExpression": "#pending = :pending",
            "ExpressionAttributeNames": {"#pending": "pending"},
            "ExpressionAttributeValues": {":pending": {"S": PENDING}},
        }
        filters = []
        if label is not None:
            filters.append("#label = :label")
            kwargs["ExpressionAttributeNames"]["#label"] = "label"
            kwargs["ExpressionAttributeValues"][":label"] = {"S": label}
        if reason is not None:
            filters.append("#reason = :reason")
            kwargs["ExpressionAttributeNames"]["#reason"] = "reason"
            kwargs["ExpressionAttributeValues"][":reason"] = {"S": reason}
        if filters:
            kwargs["FilterExpression"] = " AND ".join(filters)
        if cursor:
            kwargs["ExclusiveStartKey"] = decode_cursor(cursor)
        found: list[dict[str, Any]] = []
        while True:
            # Exactly what is missing; with a filter, a little more, since it drops some of what a page reads.
            missing = limit - len(found)
            kwargs["Limit"] = min(1000, max(2 * missing, 50)) if filters else missing
            answer = self._client.query(**kwargs)
            for item in answer["Items"]:
                if is_probe(item["key"]["S"]):
                    continue  # `scones doctor`'s probe: not for people
                found.append(item)
                if len(found) == limit:
                    return [ReviewItem.from_dynamodb(i) for i in found], _cursor_after(item, index)
            if "LastEvaluatedKey" not in answer:
                return [ReviewItem.from_dynamodb(i) for i in found], None
            kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def pending(self, sort: SortOrder = "age", page_size: int = 200) -> Iterator[ReviewItem]:
        """Every pending item in index order, read page by page as the caller goes."""
        cursor: str | None = None
        while True:
            items, cursor = self.page(page_size, sort=sort, cursor=cursor)
            yield from items
            if cursor is None:
                return

    def count_pending(self) -> int:
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": AGE_INDEX,
            "KeyConditionExpression": "#pending = :pending",
            "ExpressionAttributeNames": {"#pending": "pending", "#key": "key"},
            "ExpressionAttributeValues": {":pending": {"S": PENDING}, ":probe": {"S": PROBE_MARKER}},
            "FilterExpression": "NOT contains(#key, :probe)",
            "Select": "COUNT",
        }
        return sum(int(page["Count"]) for page in pages(self._client.query, kwargs))

    def oldest_pending(self) -> ReviewItem | None:
        items, _ = self.page(1)
        return items[0] if items else None

    def decided_count(self, reviewer: str, since: datetime) -> int:
        """How many decisions `reviewer` made from `since` on (one query of the sparse decided-by-reviewer index)."""
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": DECIDED_BY_REVIEWER,
            "Select": "COUNT",
            "KeyConditionExpression": "decided_by = :by AND decided_at >= :since",
            "ExpressionAttributeValues": {":by": {"S": reviewer}, ":since": {"S": format_utc(since)}},
        }
        return sum(int(page["Count"]) for page in pages(self._client.query, kwargs))

    def decided(self) -> list[ReviewItem]:
        """Every item a person decided (a scan: for stats and threshold suggestions, not for the desk's hot path)."""
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "FilterExpression": "#status = :decided",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":decided": {"S": "decided"}},
        }
        return [ReviewItem.from_dynamodb(item) for page in pages(self._client.scan, kwargs) for item in page["Items"]]

    # ------------------------------------------------------------------------------------------------ writing

    def put_pending(self, item: ReviewItem) -> bool:
        """The state machine's write, for seeding and tests: once per write of the key. False if already there."""
        try:
            self._client.put_item(
                TableName=self.name,
                Item=item.to_dynamodb(),
                ConditionExpression="attribute_not_exists(#key)",
                ExpressionAttributeNames={"#key": "key"},
            )
        except ClientError as error:
            if _code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def lease_slots(self, owner: str) -> list[LeaseSlot]:
        """`owner`'s lease slots (one strongly consistent query of their own partition)."""
        answer = self._client.query(
            TableName=self.name,
            KeyConditionExpression="#key = :key",
            ExpressionAttributeNames={"#key": "key"},
            ExpressionAttributeValues={":key": {"S": _SLOT_PREFIX + owner}},
            ConsistentRead=True,
        )
        return [
            LeaseSlot(
                number=int(i["upload_id"]["S"]),
                item_key=i["item_key"]["S"],
                item_upload_id=i["item_upload_id"]["S"],
                version=i["version"]["S"],
            )
            for i in answer["Items"]
        ]

    def lease(
        self,
        item: ReviewItem,
        owner: str,
        now: datetime,
        until: datetime,
        receipt: str | None,
        slot: int,
        seen_version: str | None,
    ) -> ReviewItem:
        """Takes the lease on a pending item whose lease is free or expired, into `owner`'s slot `slot`, as one
        transaction: the slot must still be as `owner` last read it (`seen_version`, None for a slot never used),
        so two requests of one reviewer cannot both fill it. ConditionFailed.failed says which write lost:
        0 the slot (re-read the slots), 1 the item (someone else took it)."""
        names = {"#pending": "pending", "#owner": "lease_owner", "#expires": "lease_expires_at"}
        values: dict[str, Any] = {
            ":pending": {"S": PENDING},
            ":owner": {"S": owner},
            ":now": {"S": format_utc(now)},
            ":until": {"S": format_utc(until)},
        }
        update = "SET #owner = :owner, #expires = :until, lease_started_at = :now"
        if receipt is not None:
            update += ", lease_receipt = :receipt"
            values[":receipt"] = {"S": receipt}
        else:
            update += " REMOVE lease_receipt"
        slot_item = {
            "key": {"S": _SLOT_PREFIX + owner},
            "upload_id": {"S": str(slot)},
            "item_key": {"S": item.key},
            "item_upload_id": {"S": item.upload_id},
            "version": {"S": uuid.uuid4().hex},
        }
        put: dict[str, Any] = {"TableName": self.name, "Item": slot_item}
        if seen_version is None:
            put["ConditionExpression"] = "attribute_not_exists(#key)"
            put["ExpressionAttributeNames"] = {"#key": "key"}
        else:
            put["ConditionExpression"] = "version = :seen"
            put["ExpressionAttributeValues"] = {":seen": {"S": seen_version}}
        take = {
            "TableName": self.name,
            "Key": _item_key(item.key, item.upload_id),
            "UpdateExpression": update,
            "ConditionExpression": "#pending = :pending AND (attribute_not_exists(#expires) OR #expires <= :now)",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        self._transact([{"Put": put}, {"Update": take}])
        return item.model_copy(
            update={
                "lease_owner": owner,
                "lease_expires_at": until,
                "lease_started_at": now,
                "lease_receipt": receipt,
            }
        )

    def renew(self, item: ReviewItem, owner: str, now: datetime, until: datetime) -> ReviewItem:
        """Extends `owner`'s live lease (an ended one is taken again with a new lease, through a slot)."""
        return self._update(
            item,
            "SET lease_expires_at = :until",
            "#pending = :pending AND lease_owner = :owner AND lease_expires_at > :now",
            {"#pending": "pending"},
            {
                ":pending": {"S": PENDING},
                ":owner": {"S": owner},
                ":now": {"S": format_utc(now)},
                ":until": {"S": format_utc(until)},
            },
        )

    def release(self, item: ReviewItem, owner: str | None) -> ReviewItem:
        """Ends the lease `owner` holds (None: whoever holds it, for an admin)."""
        condition = "#pending = :pending AND lease_owner = :owner"
        values: dict[str, Any] = {":pending": {"S": PENDING}}
        if owner is None:
            condition = "#pending = :pending AND attribute_exists(lease_owner)"
        else:
            values[":owner"] = {"S": owner}
        return self._update(
            item,
            "REMOVE lease_owner, lease_expires_at, lease_receipt, lease_started_at",
            condition,
            {"#pending": "pending"},
            values,
        )

    def decide(
        self, item: ReviewItem, label: str, reviewer: str, at: datetime, results_table: str, record: ResultRecord | None
    ) -> None:
        """One transaction: the item leaves the pending indexes with the decision on it, and (unless the decision
        leaves the results table as it is) the results record is written. Both happen or neither. Only the holder
        of a live lease may decide a leased item."""
        decide = {
            "Update": {
                "TableName": self.name,
                "Key": _item_key(item.key, item.upload_id),
                "UpdateExpression": (
                    "SET #status = :decided, decided_label = :label, decided_by = :by, decided_at = :at "
                    "REMOVE #pending, lease_owner, lease_expires_at, lease_receipt, lease_started_at"
                ),
                "ConditionExpression": (
                    "#pending = :pending AND upload_id = :upload AND "
                    "(attribute_not_exists(lease_expires_at) OR lease_expires_at <= :at OR lease_owner = :by)"
                ),
                "ExpressionAttributeNames": {"#status": "status", "#pending": "pending"},
                "ExpressionAttributeValues": {
                    ":decided": {"S": "decided"},
                    ":label": {"S": label},
                    ":by": {"S": reviewer},
                    ":at": {"S": format_utc(at)},
                    ":pending": {"S": PENDING},
                    ":upload": {"S": item.upload_id},
                },
            }
        }
        writes: list[dict[str, Any]] = [decide]
        if record is not None:
            writes.append({"Put": {"TableName": results_table, "Item": record.to_dynamodb()}})
        self._transact(writes)

    def undo(
        self, item: ReviewItem, reviewer: str, results_table: str, restore: ResultRecord | None, delete_result: bool
    ) -> None:
        """Back to pending, as one transaction with the results table put back as it was before the decision."""
        reopen = {
            "Update": {
                "TableName": self.name,
                "Key": _item_key(item.key, item.upload_id),
                "UpdateExpression": (
                    "SET #status = :pendingstatus, #pending = :pending REMOVE decided_label, decided_by, decided_at"
                ),
                "ConditionExpression": "#status = :decided AND decided_by = :by AND decided_at = :at",
                "ExpressionAttributeNames": {"#status": "status", "#pending": "pending"},
                "ExpressionAttributeValues": {
                    ":pendingstatus": {"S": "pending"},
                    ":pending": {"S": PENDING},
                    ":decided": {"S": "decided"},
                    ":by": {"S": reviewer},
                    ":at": {"S": format_utc(item.decided_at) if item.decided_at else ""},
                },
            }
        }
        writes: list[dict[str, Any]] = [reopen]
        if restore is not None:
            writes.append({"Put": {"TableName": results_table, "Item": restore.to_dynamodb()}})
        elif delete_result:
            writes.append(
                {
                    "Delete": {
                        "TableName": results_table,
                        "Key": _item_key(item.key, item.upload_id),
                        "ConditionExpression": "reviewer = :by",
                        "ExpressionAttributeValues": {":by": {"S": reviewer}},
                    }
                }
            )
        self._transact(writes)

    def _transact(self, writes: list[dict[str, Any]]) -> None:
        try:
            self._client.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if _code(error) in ("TransactionCanceledException", "ConditionalCheckFailedException"):
                reasons = error.response.get("CancellationReasons") or []
                failed = tuple(n for n, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed")
                raise ConditionFailed(str(error), failed) from error
            raise

    def _update(
        self, item: ReviewItem, update: str, condition: str, names: dict[str, str], values: dict[str, Any]
    ) -> ReviewItem:
        try:
            answer = self._client.update_item(
                TableName=self.name,
                Key=_item_key(item.key, item.upload_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _code(error) == "ConditionalCheckFailedException":
                raise ConditionFailed(item.key) from error
            raise
        return ReviewItem.from_dynamodb(answer["Attributes"])


def _item_key(key: str, upload_id: str) -> dict[str, Any]:
    """The primary key of one write's item (the results table is keyed the same way)."""
    return {"key": {"S": key}, "upload_id": {"S": upload_id}}


def _cursor_after(item: dict[str, Any], index: str) -> str:
    return encode_cursor({name: item[name] for name in _KEYS_FOR[index]})


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
