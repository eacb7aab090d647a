"""The template's CloudWatch alarms, created on the local stack from their own properties.

moto's CloudFormation skips `AWS::CloudWatch::Alarm` (a warning; the stack still completes), so a deployed stack has
alarms and a local one would have none. The properties of an alarm resource are PutMetricAlarm's parameters; their
intrinsics (`Ref` of the state machine, the topic or a parameter, `GetAtt` of a queue's name) are resolved by moto's
own CloudFormation, against the deployed stack. Names follow CloudFormation's `<stack>-<LogicalId>-<SUFFIX>`.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

ALARM_TYPE = "AWS::CloudWatch::Alarm"
_INTEGERS = {"Period", "EvaluationPeriods", "DatapointsToAlarm"}
_FLOATS = {"Threshold"}


def alarm_name(stack_name: str, logical_id: str) -> str:
    suffix = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(12))
    return f"{stack_name}-{logical_id}-{suffix}"


def put_metric_alarm_parameters(properties: dict[str, Any]) -> dict[str, Any]:
    """Resolved CloudFormation properties as PutMetricAlarm takes them (CloudFormation passes numbers as text)."""

    def typed(name: str, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: typed(k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [typed(name, v) for v in value]
        if name in _INTEGERS:
            return int(value)
        if name in _FLOATS:
            return float(value)
        if name == "ReturnData" and isinstance(value, str):
            return value.lower() == "true"
        return value

    return {name: typed(name, value) for name, value in properties.items()}


def create_alarms(cloudwatch: Any, template: dict[str, Any], stack_name: str, region: str) -> list[str]:
    """Creates every alarm of the deployed template whose condition holds; returns their names."""
    from moto.cloudformation.models import cloudformation_backends
    from moto.cloudformation.parsing import clean_json
    from moto.core import DEFAULT_ACCOUNT_ID

    backend = cloudformation_backends[DEFAULT_ACCOUNT_ID][region]
    stack = next(s for s in backend.stacks.values() if s.name == stack_name and s.status == "CREATE_COMPLETE")
    resources = stack.resource_map
    created = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != ALARM_TYPE:
            continue
        condition = resource.get("Condition")
        if condition and not resources.lazy_condition_map[condition]:
            continue
        properties = put_metric_alarm_parameters(clean_json(resource.get("Properties", {}), resources))
        properties.setdefault("AlarmName", alarm_name(stack_name, logical_id))
        cloudwatch.put_metric_alarm(**properties)
        created.append(properties["AlarmName"])
    return created
