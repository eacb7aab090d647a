"""The claims table Serialize needs (it refuses to start without one), for tests that run it against moto."""

from __future__ import annotations

import boto3

CLAIMS_TABLE = "scones-claims-test"


def create_claims_table(region: str = "us-east-1") -> None:
    """Inside `mock_aws()`: the table the template declares, as Serialize's conditional claim needs it."""
    boto3.client("dynamodb", region_name=region).create_table(
        TableName=CLAIMS_TABLE,
        KeySchema=[{"AttributeName": "upload_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "upload_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
