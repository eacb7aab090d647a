"""The EventBridge rule deployed from the template: which S3 events start the pipeline (matched by moto's
EventBridge pattern engine, the one the local stack delivers with)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.events.models import EventPattern

from service.local.provision import _substitute_definitions
from service.local.template import local_cloudformation_template
from tests.events import eventbridge_event


def deployed_pattern(parameters: dict[str, str]) -> tuple[str, EventPattern]:
    with mock_aws():
        template = _substitute_definitions(local_cloudformation_template(parameters, "us-east-1"))
        cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        cloudformation.create_stack(
            StackName="scones",
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        outputs = cloudformation.describe_stacks(StackName="scones")["Stacks"][0]["Outputs"]
        bucket = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "IntakeBucketName")
        # The other rule is the review metrics' schedule, which matches no event.
        (rule,) = [
            r for r in boto3.client("events", region_name="us-east-1").list_rules()["Rules"] if "EventPattern" in r
        ]
        return bucket, EventPattern.load(rule["EventPattern"])


@pytest.fixture(scope="module")
def whole_bucket() -> Iterator[tuple[str, EventPattern]]:
    yield deployed_pattern({})


@pytest.fixture(scope="module")
def prefixed() -> Iterator[tuple[str, EventPattern]]:
    yield deployed_pattern({"IntakePrefix": "incoming/"})


def matches(rule: tuple[str, EventPattern], key: str, **changes: Any) -> bool:
    bucket, pattern = rule
    event = eventbridge_event(changes.pop("bucket", bucket), key)
    event.update(changes)
    return pattern.matches_event(event)


@pytest.mark.parametrize("key", ["a.jpg", "deep/er/b.png", "with space/é+%.jpg", "no-extension", ".hidden"])
def test_uploads_anywhere_in_the_bucket_start_the_pipeline(whole_bucket: tuple[str, EventPattern], key: str) -> None:
    assert matches(whole_bucket, key)


@pytest.mark.parametrize("key", ["folder/", "deep/er/", "with space/"])
def test_folder_markers_start_nothing(whole_bucket: tuple[str, EventPattern], key: str) -> None:
    assert not matches(whole_bucket, key)


def test_other_buckets_and_other_events_start_nothing(whole_bucket: tuple[str, EventPattern]) -> None:
    assert not matches(whole_bucket, "a.jpg", bucket="someone-elses-bucket")
    assert not matches(whole_bucket, "a.jpg", **{"detail-type": "Object Deleted"})
    assert not matches(whole_bucket, "a.jpg", source="aws.ec2")


def test_with_a_prefix_only_keys_under_it_start_the_pipeline(prefixed: tuple[str, EventPattern]) -> None:
    assert matches(prefixed, "incoming/a.jpg")
    assert matches(prefixed, "incoming/deep/b é.png")
    assert not matches(prefixed, "elsewhere/a.jpg")
    assert not matches(prefixed, "incomingx.jpg")
