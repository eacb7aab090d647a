"""Moving a stack's kept state to another stack through the AWS APIs (`scones export DIR`, `scones import DIR`):
the way across a scones or moto version whose journal cannot be replayed.

What goes across: the intake bucket's objects (every version, oldest first, with content type and metadata), the
results and reviews tables' items, the review, failed and rule dead-letter queues' messages, the user pool's groups
and users with their attributes and groups. What cannot: S3 version ids and SQS message ids are drawn anew by the
stack that imports (the old version ids in items and messages are rewritten to the new ones, and so is the bucket
name), and passwords, which Cognito's API never gives out: every imported user gets one temporary password and must
choose a new one at the first sign-in (FORCE_CHANGE_PASSWORD). Uploads that had no outcome yet at export are not
re-run (the pipeline's claims are not exported; `scones backfill` runs them).
"""

from __future__ import annotations

import contextlib
import json
import secrets
from pathlib import Path
from typing import Any

from service.dal.stack import StackInfo

#: The queues that go across, by their field in the stack's status.
QUEUES = ("review_queue_url", "failed_queue_url", "rule_dead_letter_queue_url")
TABLES = ("results_table", "reviews_table")
INDEX = "export.json"


def _clients(info: StackInfo) -> tuple[Any, Any, Any, Any]:
    return info.client("s3"), info.client("dynamodb"), info.client("sqs"), info.client("cognito-idp")


def export(info: StackInfo, directory: Path, versions: dict[str, str]) -> dict[str, Any]:
    """Writes the stack's kept state into `directory`; returns what was written, by kind."""
    s3, dynamodb, sqs, cognito = _clients(info)
    bodies = directory / "objects"
    bodies.mkdir(parents=True, exist_ok=True)
    objects = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=info.intake_bucket):
        for version in page.get("Versions", []):
            objects.append(version)
    # Oldest first, so that the latest version is the latest again once imported.
    objects.sort(key=lambda v: (v["Key"], v["LastModified"], not v["IsLatest"]))
    listed = []
    for n, version in enumerate(objects):
        got = s3.get_object(Bucket=info.intake_bucket, Key=version["Key"], VersionId=version["VersionId"])
        (bodies / f"{n:08}").write_bytes(got["Body"].read())
        listed.append(
            {
                "key": version["Key"],
                "version_id": version["VersionId"],
                "file": f"objects/{n:08}",
                "content_type": got.get("ContentType"),
                "metadata": got.get("Metadata", {}),
            }
        )
    tables = {}
    for field in TABLES:
        name = getattr(info, field)
        if name:
            pages = dynamodb.get_paginator("scan").paginate(TableName=name)
            tables[field] = [item for page in pages for item in page["Items"]]
    queues = {}
    for field in QUEUES:
        url = getattr(info, field)
        if url:
            queues[field] = _read_queue(sqs, url)
    groups, users = [], []
    if info.user_pool_id:
        for page in cognito.get_paginator("list_groups").paginate(UserPoolId=info.user_pool_id):
            groups += [{"name": g["GroupName"], "description": g.get("Description")} for g in page["Groups"]]
        for page in cognito.get_paginator("list_users").paginate(UserPoolId=info.user_pool_id):
            for user in page["Users"]:
                member_of = cognito.admin_list_groups_for_user(UserPoolId=info.user_pool_id, Username=user["Username"])
                users.append(
                    {
                        "username": user["Username"],
                        "attributes": [a for a in user["Attributes"] if a["Name"] != "sub"],
                        "enabled": user.get("Enabled", True),
                        "groups": [g["GroupName"] for g in member_of["Groups"]],
                    }
                )
    index = {
        "versions": versions,
        "intake_bucket": info.intake_bucket,
        "objects": listed,
        "tables": tables,
        "queues": queues,
        "groups": groups,
        "users": users,
    }
    (directory / INDEX).write_text(json.dumps(index, indent=1), encoding="utf-8")
    return {
        "objects": len(listed),
        "items": sum(map(len, tables.values())),
        "messages": sum(map(len, queues.values())),
        "users": len(users),
        "groups": len(groups),
    }


def _read_queue(sqs: Any, url: str) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    handles = []
    while True:
        answer = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=120, MessageAttributeNames=["All"]
        )
        messages = answer.get("Messages", [])
        if not messages:
            break
        for message in messages:
            found[message["MessageId"]] = {"body": message["Body"], "attributes": message.get("MessageAttributes", {})}
            handles.append(message["ReceiptHandle"])
    # Left as they were: visible to the stack's own consumers again.
    for start in range(0, len(handles), 10):
        sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": h, "VisibilityTimeout": 0}
                for n, h in enumerate(handles[start : start + 10])
            ],
        )
    return list(found.values())


def _rewrite(value: Any, renamed: dict[str, str]) -> Any:
    text = json.dumps(value)
    for old, new in renamed.items():
        text = text.replace(old, new)
    return json.loads(text)


def load(info: StackInfo, directory: Path, password: str | None = None) -> dict[str, Any]:
    """Loads what `export` wrote into the stack; returns what was loaded, by kind, and the users' temporary
    password."""
    s3, dynamodb, sqs, cognito = _clients(info)
    index = json.loads((directory / INDEX).read_text(encoding="utf-8"))
    renamed: dict[str, str] = {}
    if index["intake_bucket"] != info.intake_bucket:
        renamed[index["intake_bucket"]] = info.intake_bucket
    # The uploads were classified already: their S3 events must not run the pipeline again.
    notifications = s3.get_bucket_notification_configuration(Bucket=info.intake_bucket)
    notifications.pop("ResponseMetadata", None)
    s3.put_bucket_notification_configuration(Bucket=info.intake_bucket, NotificationConfiguration={})
    try:
        for entry in index["objects"]:
            extra = {"ContentType": entry["content_type"]} if entry.get("content_type") else {}
            put = s3.put_object(
                Bucket=info.intake_bucket,
                Key=entry["key"],
                Body=(directory / entry["file"]).read_bytes(),
                Metadata=entry["metadata"],
                **extra,
            )
            if put.get("VersionId"):
                renamed[entry["version_id"]] = put["VersionId"]
    finally:
        s3.put_bucket_notification_configuration(Bucket=info.intake_bucket, NotificationConfiguration=notifications)
    items = 0
    for field, found in index["tables"].items():
        table = getattr(info, field)
        if not table:
            continue
        for item in found:
            dynamodb.put_item(TableName=table, Item=_rewrite(item, renamed))
            items += 1
    messages = 0
    for field, found in index["queues"].items():
        url = getattr(info, field)
        if not url:
            continue
        for message in found:
            extra = {"MessageAttributes": message["attributes"]} if message["attributes"] else {}
            sqs.send_message(QueueUrl=url, MessageBody=_rewrite(message["body"], renamed), **extra)
            messages += 1
    temporary = password or f"Imported-{secrets.token_urlsafe(9)}-1a"
    if info.user_pool_id:
        for group in index["groups"]:
            extra = {"Description": group["description"]} if group.get("description") else {}
            with contextlib.suppress(cognito.exceptions.GroupExistsException):  # the template made it
                cognito.create_group(UserPoolId=info.user_pool_id, GroupName=group["name"], **extra)
        for user in index["users"]:
            cognito.admin_create_user(
                UserPoolId=info.user_pool_id,
                Username=user["username"],
                UserAttributes=user["attributes"],
                TemporaryPassword=temporary,
                MessageAction="SUPPRESS",
            )
            for group in user["groups"]:
                cognito.admin_add_user_to_group(
                    UserPoolId=info.user_pool_id, Username=user["username"], GroupName=group
                )
            if not user["enabled"]:
                cognito.admin_disable_user(UserPoolId=info.user_pool_id, Username=user["username"])
    return {
        "objects": len(index["objects"]),
        "items": items,
        "messages": messages,
        "users": len(index["users"]),
        "groups": len(index["groups"]),
        "temporary_password": temporary if index["users"] else None,
    }
