"""Compaction: a snapshot of the kept state replaces the journal, and a crash at any point of it loses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from service.local.persistence import journal, snapshot

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


def _fill() -> dict[str, str]:
    s3, dynamodb, sqs, cognito = (boto3.client(n, region_name=REGION) for n in ("s3", "dynamodb", "sqs", "cognito-idp"))
    s3.create_bucket(Bucket="intake")
    s3.put_bucket_versioning(Bucket="intake", VersioningConfiguration={"Status": "Enabled"})
    for n in range(3):
        s3.put_object(Bucket="intake", Key="a.jpg", Body=b"v%d" % n, Metadata={"n": str(n)})
    dynamodb.create_table(
        TableName="results", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
    )  # fmt: skip
    dynamodb.put_item(TableName="results", Item={"key": {"S": "a.jpg"}, "label": {"S": "bicycle"}})
    dead = sqs.create_queue(QueueName="dead")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    review = sqs.create_queue(
        QueueName="review", Attributes={"RedrivePolicy": f'{{"deadLetterTargetArn": "{arn}", "maxReceiveCount": 5}}'}
    )["QueueUrl"]
    sent = sqs.send_message(QueueUrl=review, MessageBody="pending")["MessageId"]
    sqs.receive_message(QueueUrl=review, VisibilityTimeout=300)  # taken, not deleted: visible again after restore
    pool = cognito.create_user_pool(PoolName="reviewers")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="desk", ExplicitAuthFlows=["USER_PASSWORD_AUTH"]
    )
    cognito.admin_create_user(UserPoolId=pool, Username="ann", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username="ann", Password="Correct-Horse-9", Permanent=True)
    cognito.create_group(UserPoolId=pool, GroupName="admins")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="ann", GroupName="admins")
    return {"review": review, "dead": dead, "pool": pool, "client": client["UserPoolClient"]["ClientId"], "sent": sent}


def _state(names: dict[str, str]) -> dict[str, Any]:
    s3, dynamodb, sqs, cognito = (boto3.client(n, region_name=REGION) for n in ("s3", "dynamodb", "sqs", "cognito-idp"))
    versions = s3.list_object_versions(Bucket="intake")["Versions"]
    messages = sqs.receive_message(QueueUrl=names["review"], MaxNumberOfMessages=10, VisibilityTimeout=0)
    token = cognito.initiate_auth(
        ClientId=names["client"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann", "PASSWORD": "Correct-Horse-9"},
    )["AuthenticationResult"]["AccessToken"]  # fmt: skip
    return {
        "objects": sorted(
            (
                v["Key"],
                v["VersionId"],
                v["ETag"],
                v["LastModified"],
                s3.get_object(Bucket="intake", Key=v["Key"], VersionId=v["VersionId"])["Metadata"]["n"],
            )
            for v in versions
        ),
        "items": dynamodb.scan(TableName="results")["Items"],
        "messages": sorted((m["MessageId"], m["Body"]) for m in messages.get("Messages", [])),
        "dead letters to": sqs.get_queue_attributes(QueueUrl=names["review"], AttributeNames=["RedrivePolicy"])[
            "Attributes"
        ],
        "user": cognito.get_user(AccessToken=token)["Username"],
        "groups": [
            g["GroupName"]
            for g in cognito.admin_list_groups_for_user(UserPoolId=names["pool"], Username="ann")["Groups"]
        ],
    }


def _wipe(names: dict[str, str]) -> None:
    """The fresh state that provisioning gives after a restart: the resources, and nothing in them."""
    s3, dynamodb, sqs, cognito = (boto3.client(n, region_name=REGION) for n in ("s3", "dynamodb", "sqs", "cognito-idp"))
    for v in s3.list_object_versions(Bucket="intake")["Versions"]:
        s3.delete_object(Bucket="intake", Key=v["Key"], VersionId=v["VersionId"])
    dynamodb.delete_item(TableName="results", Key={"key": {"S": "a.jpg"}})
    sqs.purge_queue(QueueUrl=names["review"])
    cognito.admin_delete_user(UserPoolId=names["pool"], Username="ann")


def test_a_snapshot_restores_the_same_state(aws: None, tmp_path: Path) -> None:
    names = _fill()
    path = tmp_path / "journal.wal"
    assert journal.write_all(path, snapshot.records()) >= 5
    # Read before the wipe below: a restore from the snapshot gives back exactly this.
    before = _state(names)
    _wipe(names)
    assert boto3.client("dynamodb", region_name=REGION).scan(TableName="results")["Items"] == []

    for record in journal.read(path):
        snapshot.apply(record)

    after = _state(names)
    # The message taken before (not deleted) is visible again, as when its visibility timeout ends.
    assert before.pop("messages") == []
    assert after.pop("messages") == [(names["sent"], "pending")]
    assert after == before
    assert after["items"] and len(after["objects"]) == 3


class _CrashError(Exception):
    pass


def _records_then_crash(records: Iterator[Any], after: int) -> Iterator[Any]:
    for n, record in enumerate(records):
        if n == after:
            raise _CrashError
        yield record


def test_a_crash_mid_compaction_leaves_the_old_journal_whole(aws: None, tmp_path: Path) -> None:
    _fill()
    path = tmp_path / "journal.wal"
    kept = journal.Journal(path)
    for n in range(5):
        kept.wait_durable(kept.append({"kind": "http", "n": n}))

    # An error on the way: the journal is as it was, and appending goes on in it.
    with pytest.raises(_CrashError):
        kept.replace(_records_then_crash(snapshot.records(), after=2))
    assert [r["n"] for r in journal.read(path)] == [0, 1, 2, 3, 4]
    assert not path.with_suffix(".partial").exists()
    kept.wait_durable(kept.append({"kind": "http", "n": 5}))
    kept.close()
    assert [r["n"] for r in journal.read(path)] == [0, 1, 2, 3, 4, 5]

    # A process killed mid-write leaves a partial snapshot beside the journal: never read, removed at the next open.
    partial = path.with_suffix(".partial")
    partial.write_bytes(b"\x00\x00\x01\x00half a snapshot")
    reopened = journal.Journal(path)
    assert not partial.exists()
    assert [r["n"] for r in journal.read(path)] == [0, 1, 2, 3, 4, 5]

    # A compaction that completes: the snapshot alone, and appends after it.
    count = reopened.replace(snapshot.records())
    reopened.wait_durable(reopened.append({"kind": "http", "n": 6}))
    reopened.close()
    kinds = [r["kind"] for r in journal.read(path)]
    assert len(kinds) == count + 1 and set(kinds[:-1]) <= set(snapshot.KINDS) and kinds[-1] == "http"
    assert path.stat().st_mode & 0o777 == 0o600
