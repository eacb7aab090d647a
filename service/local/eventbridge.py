"""Delivers EventBridge events to Step Functions targets, which moto's EventBridge does not do.

The rule's own event pattern decides (moto's matcher), so an object the rule would not match starts nothing.
Delivery is asynchronous, as on AWS: the S3 PUT returns before the execution starts.
"""

from __future__ import annotations

import copy
import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
from moto.events.models import Rule

log = logging.getLogger(__name__)

_original_send_to_targets = Rule.send_to_targets
_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="eventbridge")
_endpoint_url = ""
_region = "us-east-1"


def _as_delivered(event: dict[str, Any]) -> dict[str, Any]:
    """Shape moto's S3 event as EventBridge delivers it on AWS (ISO time, `etag`)."""
    delivered = copy.deepcopy(event)
    if isinstance(delivered.get("time"), int | float):
        delivered["time"] = datetime.fromtimestamp(delivered["time"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    obj = delivered.get("detail", {}).get("object", {})
    if "eTag" in obj:
        obj["etag"] = obj.pop("eTag")
    delivered["id"] = str(uuid.uuid4())
    return delivered


def _start_execution(state_machine_arn: str, event: dict[str, Any]) -> None:
    client = boto3.client("stepfunctions", endpoint_url=_endpoint_url, region_name=_region)
    try:
        # A unique name per delivery, as EventBridge gives (StartExecution rejects a reused name).
        client.start_execution(stateMachineArn=state_machine_arn, name=str(uuid.uuid4()), input=json.dumps(event))
    except Exception:
        log.exception("could not start %s for event %s", state_machine_arn, event.get("id"))


def _send_to_targets(self: Rule, original_event: dict[str, Any], transform_input: bool = True) -> None:
    if not self.event_pattern.matches_event(original_event):
        return
    others = []
    for target in self.targets:
        if ":states:" in target["Arn"] and ":stateMachine:" in target["Arn"]:
            _executor.submit(_start_execution, target["Arn"], _as_delivered(original_event))
        else:
            others.append(target)
    if others:
        rule = copy.copy(self)
        rule.targets = others
        _original_send_to_targets(rule, original_event, transform_input)


def install(endpoint_url: str, region: str) -> None:
    global _endpoint_url, _region
    _endpoint_url, _region = endpoint_url, region
    Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]
