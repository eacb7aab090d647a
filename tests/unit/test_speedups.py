"""The local stack's faster DynamoDB and SQS paths (service/local/speedups.py) return exactly what moto's own do.

Each scenario runs twice in moto, once as moto ships and once with the replacements installed, and every answer
and the final state are compared.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from service.local import patches, speedups
from testkit.reviews import create_results_table, create_reviews_table, seeded_item

REPLACED_HERE = ("moto.dynamodb", "moto.sqs")
BASE = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def install_speedups(monkeypatch: pytest.MonkeyPatch) -> None:
    """The DynamoDB and SQS replacements, exactly as `patches.install` applies them (undone after the test)."""
    for patch in patches._patches(with_faults=False):
        if patch.module.startswith(REPLACED_HERE):
            owner, name = patches._owner_and_name(patch)
            monkeypatch.setattr(owner, name, patch.replacement(getattr(owner, name)))


def both_ways(monkeypatch: pytest.MonkeyPatch, scenario: Callable[[], Any]) -> tuple[Any, Any]:
    with mock_aws():
        as_moto = scenario()
    install_speedups(monkeypatch)
    with mock_aws():
        sped_up = scenario()
    return as_moto, sped_up


def dynamodb() -> Any:
    client = boto3.client("dynamodb", region_name="us-east-1")
    create_reviews_table(client, "reviews")
    create_results_table(client, "results")
    return client


def seed(client: Any, count: int) -> list[dict[str, Any]]:
    """Pending items, some decided (out of the sparse indexes), several writes of some keys."""
    items = []
    for n in range(count):
        seeded = seeded_item(n % 40, "b")
        # Fixed times: both runs must write the same items.
        queued = BASE - timedelta(seconds=(n * 7919) % 1000)
        prediction = seeded.prediction.model_copy(update={"uploaded_at": queued, "completed_at": queued})
        item = seeded.model_copy(
            update={"upload_id": f"v{n // 40}|etag|{n}", "queued_at": queued, "prediction": prediction}
        )
        raw = item.to_dynamodb()
        if n % 7 == 0:
            raw.pop("pending")
            raw["status"] = {"S": "decided"}
        items.append(raw)
    for start in range(0, len(items), 25):
        chunk = [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]
        client.batch_write_item(RequestItems={"reviews": chunk})
    return items


def test_queries_on_the_table_and_its_indexes_answer_exactly_as_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    def scenario() -> list[Any]:
        client = dynamodb()
        seed(client, 200)
        answers: list[Any] = []
        pending = {":p": {"S": "pending"}}
        for index in ("pending-by-age", "pending-by-margin"):
            for forward in (True, False):
                kwargs: dict[str, Any] = {
                    "TableName": "reviews", "IndexName": index, "KeyConditionExpression": "pending = :p",
                    "ExpressionAttributeValues": pending, "Limit": 17, "ScanIndexForward": forward,
                }  # fmt: skip
                for _ in range(50):  # every page, through the cursors (12 of them)
                    page = client.query(**kwargs)
                    answers.append(page)
                    if "LastEvaluatedKey" not in page:
                        break
                    kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        answers.append(
            client.query(
                TableName="reviews",
                IndexName="pending-by-margin",
                KeyConditionExpression="pending = :p AND margin < :m",
                FilterExpression="#r = :r",
                ExpressionAttributeNames={"#r": "reason"},
                ExpressionAttributeValues={**pending, ":m": {"N": "0.2"}, ":r": {"S": "audit"}},
            )
        )
        for key in ("seed/00003 photo.png", "seed/00039 photo.png", "no such key"):
            for forward in (True, False):
                answers.append(
                    client.query(
                        TableName="reviews",
                        KeyConditionExpression="#k = :k",
                        ExpressionAttributeNames={"#k": "key"},
                        ExpressionAttributeValues={":k": {"S": key}},
                        ScanIndexForward=forward,
                        ConsistentRead=True,
                    )
                )
            answers.append(
                client.query(
                    TableName="reviews",
                    KeyConditionExpression="#k = :k AND begins_with(upload_id, :v)",
                    ExpressionAttributeNames={"#k": "key"},
                    ExpressionAttributeValues={":k": {"S": key}, ":v": {"S": "v2"}},
                    Limit=1,
                )
            )
        answers.append(sorted(json.dumps(i, sort_keys=True) for i in client.scan(TableName="reviews")["Items"]))
        return [_without_metadata(a) for a in answers]

    as_moto, sped_up = both_ways(monkeypatch, scenario)
    assert len(as_moto) > 30 and any(a.get("Items") for a in as_moto if isinstance(a, dict))
    assert sped_up == as_moto


def test_transactions_commit_and_roll_back_exactly_as_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    def scenario() -> list[Any]:
        client = dynamodb()
        items = seed(client, 80)
        answers: list[Any] = []
        target = {"key": items[1]["key"], "upload_id": items[1]["upload_id"]}
        decide = {
            "Update": {
                "TableName": "reviews", "Key": target,
                "UpdateExpression": "SET #s = :d REMOVE pending", "ConditionExpression": "pending = :p",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":d": {"S": "decided"}, ":p": {"S": "pending"}},
            }
        }  # fmt: skip
        record = {"key": target["key"], "upload_id": target["upload_id"], "label": {"S": "bicycle"}}
        put = {"Put": {"TableName": "results", "Item": {**record, "completed_at": {"S": "2026-01-01"}}}}
        other = {"key": items[2]["key"], "upload_id": items[2]["upload_id"]}
        touch_other = {
            "Update": {
                "TableName": "reviews", "Key": other, "UpdateExpression": "SET lease_owner = :o",
                "ExpressionAttributeValues": {":o": {"S": "x"}},
            }
        }  # fmt: skip
        for transaction in (
            [decide, put],  # commits
            [touch_other, decide, put],  # the decision's condition fails now: everything rolls back
            [{"Delete": {"TableName": "results", "Key": {"key": target["key"], "upload_id": target["upload_id"]}}}],
            [{"Put": {"TableName": "results", "Item": {"label": {"S": "no key"}}}}],  # malformed
        ):
            try:
                answers.append(_without_metadata(client.transact_write_items(TransactItems=transaction)))
            except ClientError as error:
                answers.append((error.response["Error"], error.response.get("CancellationReasons")))
            for table in ("reviews", "results"):
                answers.append(sorted(json.dumps(i, sort_keys=True) for i in client.scan(TableName=table)["Items"]))
        return answers

    as_moto, sped_up = both_ways(monkeypatch, scenario)
    assert any(isinstance(a, tuple) for a in as_moto)  # the rollbacks happened
    assert sped_up == as_moto


def test_index_queries_between_writes_of_every_kind_answer_exactly_as_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kept index order follows puts, in-place updates, deletes, batch writes, PartiQL and transactions (the
    committed and the rolled back): every page of every index query, between the writes, is moto's own."""

    def scenario() -> list[Any]:
        client = dynamodb()
        items = seed(client, 160)
        answers: list[Any] = []

        def pages() -> None:
            pending = {":p": {"S": "pending"}}
            for index in ("pending-by-age", "pending-by-margin", "decided-by-reviewer"):
                for limit, forward, reason in (
                    (9, True, None),
                    (9, True, "audit"),
                    (25, False, None),
                    (None, True, None),
                ):
                    kwargs: dict[str, Any] = {"TableName": "reviews", "IndexName": index, "ScanIndexForward": forward}
                    if index == "decided-by-reviewer":
                        kwargs |= {
                            "KeyConditionExpression": "decided_by = :b AND decided_at >= :t",
                            "ExpressionAttributeValues": {":b": {"S": "ann"}, ":t": {"S": "2026-01-02"}},
                        }
                    else:
                        kwargs |= {"KeyConditionExpression": "pending = :p", "ExpressionAttributeValues": pending}
                    if reason is not None:
                        kwargs["FilterExpression"] = "#r = :r"
                        kwargs["ExpressionAttributeNames"] = {"#r": "reason"}
                        kwargs["ExpressionAttributeValues"] = {
                            **kwargs["ExpressionAttributeValues"],
                            ":r": {"S": reason},
                        }
                    if limit is not None:
                        kwargs["Limit"] = limit
                    for _ in range(40):
                        page = client.query(**kwargs)
                        answers.append(_without_metadata(page))
                        if "LastEvaluatedKey" not in page:
                            break
                        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
                counted = client.query(
                    TableName="reviews",
                    IndexName=index,
                    Select="COUNT",
                    KeyConditionExpression=kwargs["KeyConditionExpression"],
                    ExpressionAttributeValues={
                        k: v for k, v in kwargs["ExpressionAttributeValues"].items() if k != ":r"
                    },
                )
                answers.append(counted["Count"])

        def key_of(raw: dict[str, Any]) -> dict[str, Any]:
            return {"key": raw["key"], "upload_id": raw["upload_id"]}

        pages()
        # An item decided in place (out of both pending indexes, into the reviewer's), one re-queued later.
        for n in (1, 2, 3):
            client.update_item(
                TableName="reviews", Key=key_of(items[n]),
                UpdateExpression="SET decided_by = :b, decided_at = :t REMOVE pending",
                ExpressionAttributeValues={":b": {"S": "ann"}, ":t": {"S": f"2026-01-0{n + 1}"}},
            )  # fmt: skip
        client.update_item(
            TableName="reviews", Key=key_of(items[4]), UpdateExpression="SET queued_at = :q, margin = :m",
            ExpressionAttributeValues={":q": {"S": "2000-01-01T00:00:00Z"}, ":m": {"N": "0.0001"}},
        )  # fmt: skip
        pages()
        client.put_item(TableName="reviews", Item={**items[5], "queued_at": {"S": "1999-01-01T00:00:00Z"}})
        client.put_item(
            TableName="reviews", Item={**items[0], "upload_id": {"S": "a new write"}, "pending": {"S": "pending"}}
        )
        client.delete_item(TableName="reviews", Key=key_of(items[6]))
        client.batch_write_item(RequestItems={"reviews": [
            {"DeleteRequest": {"Key": key_of(items[8])}},
            {"PutRequest": {"Item": {**items[9], "margin": {"N": "0.00001"}}}},
        ]})  # fmt: skip
        client.update_item(
            TableName="reviews", Key=key_of(items[2]), UpdateExpression="SET pending = :p REMOVE decided_by",
            ExpressionAttributeValues={":p": {"S": "pending"}},
        )  # fmt: skip
        client.execute_statement(
            Statement="UPDATE reviews SET queued_at = '1998-01-01' WHERE \"key\" = ? AND upload_id = ?",
            Parameters=[items[10]["key"], items[10]["upload_id"]],
        )
        pages()
        touch = {"Update": {"TableName": "reviews", "Key": key_of(items[11]), "UpdateExpression": "REMOVE pending"}}
        refused = {
            "Update": {
                "TableName": "reviews", "Key": key_of(items[12]), "UpdateExpression": "REMOVE pending",
                "ConditionExpression": "attribute_not_exists(#k)", "ExpressionAttributeNames": {"#k": "key"},
            }
        }  # fmt: skip
        with pytest.raises(ClientError):
            client.transact_write_items(TransactItems=[touch, refused])  # rolled back: item 11 still pending
        pages()
        client.transact_write_items(TransactItems=[touch])
        pages()
        return answers

    as_moto, sped_up = both_ways(monkeypatch, scenario)
    counts = [a for a in as_moto if isinstance(a, int)]
    assert len(as_moto) > 100 and len(set(counts)) > 3  # the writes moved items in and out of the indexes
    assert sped_up == as_moto


def test_queue_counts_and_receives_answer_exactly_as_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    def scenario() -> list[Any]:
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="review", Attributes={"VisibilityTimeout": "300"})["QueueUrl"]
        for n in range(30):
            sqs.send_message(QueueUrl=url, MessageBody=str(n), DelaySeconds=900 if n % 5 == 0 else 0)
        answers: list[Any] = []
        for _ in range(12):  # some leased (in flight), some delayed, the rest visible
            received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=600)
            answers.append(sorted(m["Body"] for m in received.get("Messages", [])))
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        answers.append({k: v for k, v in attributes.items() if k.startswith("Approximate")})
        return answers

    as_moto, sped_up = both_ways(monkeypatch, scenario)
    assert as_moto[-1]["ApproximateNumberOfMessagesDelayed"] == "6"
    assert sped_up == as_moto


def test_every_speedup_is_installed_by_the_local_stack() -> None:
    replaced = {p.replacement for p in patches._patches(with_faults=False)}
    expected = {
        speedups.query, speedups.all_items, speedups.sorted_items, speedups.transact_write_items, speedups.copy_module,
        speedups.queue_messages, speedups.queue_not_visible, speedups.queue_delayed, speedups.retention_check,
        speedups.table_put_item, speedups.table_delete_item, speedups.backend_update_item,
    }  # fmt: skip
    assert expected <= replaced


def _without_metadata(answer: Any) -> Any:
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"} if isinstance(answer, dict) else answer


def test_every_execution_gets_its_own_copy_of_the_parsed_program() -> None:
    from types import SimpleNamespace

    from moto.stepfunctions.parser.asl.component.program.program import Program

    definition = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"n": 1}, "End": True}}})
    worker: Any = SimpleNamespace(
        _evaluation_details=SimpleNamespace(state_machine_details=SimpleNamespace(definition=definition))
    )
    first, second = speedups.entrypoint(worker), speedups.entrypoint(worker)
    assert isinstance(first, Program) and isinstance(second, Program)
    assert first is not second and first.states is not second.states
    assert vars(first.states).keys() == vars(second.states).keys()
