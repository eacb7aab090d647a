"""The local stack delivers a custom bus's events to its rules' SQS targets as EventBridge does: matched by the
rule's own pattern, the whole event (moto alone leaves out `account`), and the outcome bus deploys from the
template with `Ref` giving its name."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from service.local import patches
from service.local.provision import _substitute_definitions
from service.local.template import local_cloudformation_template


def install(monkeypatch: pytest.MonkeyPatch, *attributes: str) -> None:
    """Some of the local stack's replacements, exactly as `patches.install` applies them (undone after the test)."""
    for patch in patches._patches(with_faults=False):
        if patch.attribute in attributes:
            owner, name = patches._owner_and_name(patch)
            monkeypatch.setattr(owner, name, patch.replacement(getattr(owner, name)))


def subscribe(events: Any, sqs: Any, bus: str, pattern: dict[str, Any]) -> str:
    url: str = sqs.create_queue(QueueName="downstream")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="downstream", EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule="downstream", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    return url


def publish(events: Any, bus: str, detail_type: str, label: str) -> None:
    entry = {"EventBusName": bus, "Source": "scones", "DetailType": detail_type, "Detail": json.dumps({"label": label})}
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0


def received(sqs: Any, url: str) -> list[dict[str, Any]]:
    return [
        json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    ]


def test_a_rule_on_the_bus_gets_what_its_pattern_matches_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch, "Rule.send_to_targets")
    with mock_aws():
        events = boto3.client("events", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        events.create_event_bus(Name="scones-outcomes")
        pattern = {"source": ["scones"], "detail-type": ["Image Accepted"], "detail": {"label": ["motorcycle"]}}
        url = subscribe(events, sqs, "scones-outcomes", pattern)
        publish(events, "scones-outcomes", "Image Accepted", "bicycle")
        publish(events, "scones-outcomes", "Image Failed", "motorcycle")
        publish(events, "scones-outcomes", "Image Accepted", "motorcycle")
        publish(events, "default", "Image Accepted", "motorcycle")  # another bus: not this rule's
        (event,) = received(sqs, url)
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]
    assert event["account"] == "123456789012" and event["detail"] == {"label": "motorcycle"}
    assert event["time"].endswith("Z")


def test_moto_alone_leaves_out_the_account() -> None:
    """Why the local stack delivers to SQS itself (if moto is fixed, this fails and the replacement can go)."""
    with mock_aws():
        events = boto3.client("events", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        events.create_event_bus(Name="bus")
        url = subscribe(events, sqs, "bus", {"source": ["scones"]})
        publish(events, "bus", "Image Accepted", "bicycle")
        (event,) = received(sqs, url)
    assert "account" not in event


def test_the_template_deploys_the_outcome_bus_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch, "EventBus.create_from_cloudformation_json")
    with mock_aws():
        template = _substitute_definitions(local_cloudformation_template({}, "us-east-1"))
        cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        cloudformation.create_stack(
            StackName="scones",
            TemplateBody=json.dumps(template),
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        outputs = {
            o["OutputKey"]: o["OutputValue"]
            for o in cloudformation.describe_stacks(StackName="scones")["Stacks"][0]["Outputs"]
        }
        bus = boto3.client("events", region_name="us-east-1").describe_event_bus(Name=outputs["EventBusName"])
        definition = boto3.client("stepfunctions", region_name="us-east-1").list_state_machines()["stateMachines"]
        machine = boto3.client("stepfunctions", region_name="us-east-1").describe_state_machine(
            stateMachineArn=definition[0]["stateMachineArn"]
        )
    assert outputs["EventBusName"] == "scones-outcomes" and bus["Arn"] == outputs["EventBusArn"]
    published = json.loads(machine["definition"])["States"]["PublishOutcome"]["Parameters"]["Entries"][0]
    assert published["EventBusName"] == "scones-outcomes"
