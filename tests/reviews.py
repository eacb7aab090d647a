"""The reviews table exactly as infra/template.yaml declares it, created in moto for tests and benchmarks."""

from __future__ import annotations

from typing import Any

from service.local.template import load_template


def create_reviews_table(dynamodb: Any, name: str) -> None:
    props = load_template()["Resources"]["ReviewsTable"]["Properties"]
    dynamodb.create_table(
        TableName=name,
        BillingMode=props["BillingMode"],
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
    )
