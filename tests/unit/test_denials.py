"""A denied read is AccessDenied, never "not found": S3 answers 403 for a missing key when the role may not list."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from service.dal.objects import read_object_capped, resolve_key
from service.domain.errors import AccessDenied, ObjectNotFound


def _s3() -> tuple[object, Stubber]:
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    return client, Stubber(client)


def test_a_403_on_head_is_denied_not_a_missing_key() -> None:
    client, stub = _s3()
    stub.add_client_error("head_object", service_error_code="403", http_status_code=403)
    with stub, pytest.raises(AccessDenied) as raised:
        resolve_key(client, "b", ["a+b.png", "a b.png"], "v1", None)
    assert "s3:GetObjectVersion" in str(raised.value) and "arn:aws:s3:::b/a+b.png" in str(raised.value)


def test_a_404_on_head_moves_on_to_the_next_candidate() -> None:
    client, stub = _s3()
    stub.add_client_error("head_object", service_error_code="404", http_status_code=404)
    stub.add_client_error("head_object", service_error_code="404", http_status_code=404)
    with stub, pytest.raises(ObjectNotFound):
        resolve_key(client, "b", ["a+b.png", "a b.png"], None, "etag")


def test_a_denied_get_names_the_action_and_the_object() -> None:
    client, stub = _s3()
    message = "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: s3:GetObject on resource: x"
    stub.add_client_error(
        "get_object", service_error_code="AccessDenied", service_message=message, http_status_code=403
    )
    with stub, pytest.raises(AccessDenied) as raised:
        read_object_capped(client, "b", "k.png", 1000)
    assert "s3:GetObject on arn:aws:s3:::b/k.png" in str(raised.value) and "assumed-role/r" in str(raised.value)
    assert raised.value.code == "AccessDenied"
