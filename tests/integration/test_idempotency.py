"""Claims of uploads: the first execution wins, its own retries pass, a duplicate delivery stops."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from moto import mock_aws

from service.dal.claims import claim, upload_id
from service.domain.errors import DuplicateDelivery
from service.domain.models import ObjectRef
from tests.atomic import AtomicWrites

TABLE = "claims"
REF = ObjectRef(bucket="intake", key="a b/vélo.png", etag="e1", version_id="v1")


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "upload_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "upload_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def test_a_second_delivery_of_the_same_upload_is_refused(dynamodb: Any) -> None:
    claim(dynamodb, TABLE, REF, "0055AED6DCD90281E5", "execution-1")
    with pytest.raises(DuplicateDelivery, match="already being processed"):
        claim(dynamodb, TABLE, REF, "0055AED6DCD90281E5", "execution-2")


def test_a_retry_of_the_claiming_execution_passes(dynamodb: Any) -> None:
    claim(dynamodb, TABLE, REF, "01", "execution-1")
    claim(dynamodb, TABLE, REF, "01", "execution-1")
    item = dynamodb.get_item(TableName=TABLE, Key={"upload_id": {"S": upload_id(REF, "01")}})["Item"]
    assert item["execution"] == {"S": "execution-1"}
    assert int(item["expires_at"]["N"]) > 0


def test_a_new_upload_of_the_same_key_is_a_new_claim(dynamodb: Any) -> None:
    claim(dynamodb, TABLE, REF, "01", "execution-1")
    claim(dynamodb, TABLE, REF.model_copy(update={"version_id": "v2"}), "02", "execution-2")  # re-uploaded
    unversioned = REF.model_copy(update={"version_id": "null"})
    claim(dynamodb, TABLE, unversioned, "01", "execution-3")
    claim(dynamodb, TABLE, unversioned, "02", "execution-4")  # unversioned, re-uploaded: a later sequencer
    claim(dynamodb, TABLE, unversioned.model_copy(update={"etag": "e2"}), "01", "execution-5")  # new content


def test_a_version_is_one_write_whatever_the_sequencer(dynamodb: Any) -> None:
    # A backfill of a version cannot know S3's sequencer; it must still meet S3's own event for that version.
    claim(dynamodb, TABLE, REF, "0055AED6DCD90281E5", "execution-live")
    with pytest.raises(DuplicateDelivery):
        claim(dynamodb, TABLE, REF, "BACKFILL", "execution-backfill")


def test_a_redrive_is_a_claim_of_its_own_and_its_redelivery_is_not(dynamodb: Any) -> None:
    claim(dynamodb, TABLE, REF, "01", "execution-1")
    claim(dynamodb, TABLE, REF, "01", "execution-redrive", attempt="R1")
    with pytest.raises(DuplicateDelivery):
        claim(dynamodb, TABLE, REF, "01", "execution-redrive-again", attempt="R1")


def test_concurrent_deliveries_have_exactly_one_winner(dynamodb: Any) -> None:
    atomic = AtomicWrites(dynamodb)

    def attempt(execution: str) -> bool:
        try:
            claim(atomic, TABLE, REF, "07", execution)
        except DuplicateDelivery:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, [f"execution-{i}" for i in range(8)]))
    assert outcomes.count(True) == 1
