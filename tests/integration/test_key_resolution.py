"""Which key an EventBridge event means is asked of the bucket: as delivered, then form-decoded, by version/ETag.

AWS does not document whether EventBridge's `detail.object.key` is the key as uploaded or URL-encoded; every
key here is resolved from both shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest
from aws_lambda_powertools.utilities.parser import parse
from moto import mock_aws

from service.dal.objects import resolve_key
from service.domain.errors import ObjectNotFound
from service.pipeline.events import ObjectCreatedEvent, key_candidates, object_ref
from tests.events import eventbridge_event

KEYS = ["plain.jpg", "with space/photo 1.jpg", "a+b.jpg", "a b.jpg", "100%/50% off.png", "vélo/été ☀ +1.jpeg"]


def resolve(s3: Any, bucket: str, delivered_key: str, version_id: str | None, etag: str) -> str:
    event = parse(eventbridge_event(bucket, delivered_key, etag=etag, version_id=version_id), ObjectCreatedEvent)
    ref = object_ref(event)
    return resolve_key(s3, bucket, key_candidates(event), ref.version_id, ref.etag)


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("s3", region_name="us-east-1")


def upload(s3: Any, bucket: str, key: str, body: bytes) -> tuple[str | None, str]:
    answer = s3.put_object(Bucket=bucket, Key=key, Body=body)
    return answer.get("VersionId"), answer["ETag"].strip('"')


@pytest.mark.parametrize("versioned", [True, False])
@pytest.mark.parametrize("encode", [False, True], ids=["as-uploaded", "url-encoded"])
def test_every_key_resolves_from_either_shape(s3: Any, versioned: bool, encode: bool) -> None:
    bucket = "intake"
    s3.create_bucket(Bucket=bucket)
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    # `a+b.jpg` and `a b.jpg` both in the bucket: the form-decoded "a+b.jpg" is "a b.jpg", so only the
    # version (or, unversioned, the ETag: the contents differ) tells them apart.
    written = {key: upload(s3, bucket, key, f"content of {key}".encode()) for key in KEYS}
    for key, (version_id, etag) in written.items():
        delivered = quote_plus(key, safe="/") if encode else key
        assert resolve(s3, bucket, delivered, version_id, etag) == key


def test_the_version_decides_when_both_keys_have_the_same_content(s3: Any) -> None:
    s3.create_bucket(Bucket="intake")
    s3.put_bucket_versioning(Bucket="intake", VersioningConfiguration={"Status": "Enabled"})
    plus_version, etag = upload(s3, "intake", "a+b.jpg", b"same")
    space_version, same_etag = upload(s3, "intake", "a b.jpg", b"same")
    assert etag == same_etag
    assert resolve(s3, "intake", "a+b.jpg", plus_version, etag) == "a+b.jpg"
    assert resolve(s3, "intake", "a+b.jpg", space_version, etag) == "a b.jpg"


def test_neither_candidate_holding_the_write_is_object_not_found(s3: Any) -> None:
    s3.create_bucket(Bucket="intake")
    upload(s3, "intake", "a b.jpg", b"first")
    with pytest.raises(ObjectNotFound, match=r"Neither 'a\+b.jpg' nor 'a b.jpg'"):
        resolve(s3, "intake", "a+b.jpg", None, "0" * 32)  # replaced since: another ETag


def test_a_key_that_decoding_leaves_alone_is_not_looked_up(s3: Any) -> None:
    # One candidate: the read that follows reports a missing object itself, at no extra request.
    assert resolve(s3, "no-such-bucket", "plain.jpg", None, "e") == "plain.jpg"
