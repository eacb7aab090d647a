"""The local stack evaluates a role's current policies: a change to them takes effect on the next call, however
many calls were answered (and cached) before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from service.iam import access as iam_access

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/claims"
TRUST = {
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
}
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE}]}


@pytest.fixture
def iam() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("iam", region_name="us-east-1")


def test_a_changed_policy_takes_effect_on_the_next_call(iam: Any) -> None:
    client = iam
    role = client.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    client.put_role_policy(RoleName="fn", PolicyName="claims", PolicyDocument=json.dumps(POLICY))
    issued = iam_access.role_credentials(role["Arn"], "fn")
    principal = iam_access.principal_of(issued.access_key_id)
    assert principal is not None and principal.role_arn == role["Arn"]

    for _ in range(3):  # answered from the cache after the first
        assert iam_access.decide(principal, "dynamodb:PutItem", TABLE).allowed
    assert not iam_access.decide(principal, "dynamodb:PutItem", TABLE + "-other").allowed

    client.delete_role_policy(RoleName="fn", PolicyName="claims")
    verdict = iam_access.decide(principal, "dynamodb:PutItem", TABLE)
    assert not verdict.allowed
    assert "is not authorized to perform: dynamodb:PutItem on resource: " + TABLE in iam_access.denial_message(
        principal, "dynamodb:PutItem", TABLE, verdict
    )


def test_keys_the_local_sts_did_not_issue_are_the_operators(iam: Any) -> None:
    assert iam_access.principal_of("local") is None
    assert iam_access.principal_of("AKIAIOSFODNN7EXAMPLE") is None
    assert iam_access.principal_of("ASIANOTISSUEDBYSTS00") is None
