"""Sample events as S3 and EventBridge deliver them."""

from __future__ import annotations

from typing import Any


def eventbridge_event(
    bucket: str, key: str, size: int = 10, etag: str = "abc", version_id: str | None = None
) -> dict[str, Any]:
    obj: dict[str, Any] = {"key": key, "size": size, "etag": etag, "sequencer": "01"}
    if version_id is not None:
        obj["version-id"] = version_id
    return {
        "version": "0",
        "id": "5d0f8bb2-1a3e-4e4b-8c0f-0f0e7a9c8e51",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2026-11-22T10:00:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": obj,
            "request-id": "R",
            "requester": "123456789012",
            "source-ip-address": "10.0.0.1",
            "reason": "PutObject",
        },
    }


def s3_records_event(bucket: str, encoded_key: str, records: int = 1) -> dict[str, Any]:
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2026-11-22T10:00:00.000Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "EXAMPLE"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "R", "x-amz-id-2": "I"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "c",
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": "EXAMPLE"}, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": encoded_key, "size": 10, "eTag": "abc", "sequencer": "01"},
        },
    }
    return {"Records": [record] * records}
