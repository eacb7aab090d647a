"""Delivers EventBridge events to Step Functions targets, which moto's EventBridge does not do, and to SQS targets
whole (moto's default input template leaves out the event's `account`).

The rule's own event pattern decides (moto's matcher), so an object the rule would not match starts nothing.
Delivery is asynchronous, as on AWS: the S3 PUT returns before the execution starts. The start waits its turn in
`service.local.backlog` and runs on one of its threads; it calls the Step Functions backend directly (the call
StartExecution makes), since both live in this process. The event is passed on as it
came (S3's events are shaped in `service.local.s3events`): a redelivery must carry the same sequencer.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.events.models import EventMessageType, Rule

from service.local import backlog

log = logging.getLogger(__name__)

_region = "us-east-1"


def _as_delivered(event: EventMessageType) -> dict[str, Any]:
    """A copy for the target; moto writes the time of events it makes itself as a number, EventBridge as ISO."""
    delivered: dict[str, Any] = dict(copy.deepcopy(event))
    moment = delivered.get("time")
    if isinstance(moment, int | float):
        delivered["time"] = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return delivered


def _start_execution(state_machine_arn: str, event: dict[str, Any], role_arn: str | None = None) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    from service.iam import access as iam_access

    if role_arn:
        # EventBridge starts the execution with the target's role.
        principal = iam_access.Principal(role_arn, "events-rule")
        denied = iam_access.check(principal, "states:StartExecution", [state_machine_arn])
        if denied is not None:
            message = iam_access.denial_message(principal, *denied)
            log.error("could not start %s for event %s: %s", state_machine_arn, event.get("id"), message)
            return

    backend = stepfunctions_parser_backends[DEFAULT_ACCOUNT_ID][_region]
    try:
        # A unique name per delivery, as EventBridge gives (StartExecution rejects a reused name).
        backend.start_execution(state_machine_arn, name=str(uuid.uuid4()), execution_input=json.dumps(event))
    except Exception:
        log.exception("could not start %s for event %s", state_machine_arn, event.get("id"))


#: The order of an event's fields as EventBridge delivers it.
_EVENT_FIELDS = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")


def _send_to_queue(rule: Rule, target: dict[str, Any], event: EventMessageType) -> None:
    """An SQS target without an input transformer gets the whole event, as on AWS (moto's default template drops
    `account`)."""
    from moto.sqs import sqs_backends

    delivered = _as_delivered(event)
    delivered.setdefault("version", "0")
    delivered.setdefault("account", rule.account_id)
    body = {name: delivered[name] for name in _EVENT_FIELDS if name in delivered}
    queue = target["Arn"].rsplit(":", 1)[-1]
    try:
        sqs_backends[rule.account_id][rule.region_name].send_message(queue_name=queue, message_body=json.dumps(body))
    except Exception:
        # On AWS a target that cannot take the event is retried, then dropped (or sent to the target's
        # dead-letter queue); either way the rule's other targets still get it.
        log.exception("could not deliver event %s to %s", delivered.get("id"), target["Arn"])


def _is_plain_queue(target: dict[str, Any]) -> bool:
    return ":sqs:" in target["Arn"] and "InputTransformer" not in target and "SqsParameters" not in target


def delivering_to_step_functions(original: Callable[..., None]) -> Callable[..., None]:
    """Wraps moto's `Rule.send_to_targets`: state machine and plain SQS targets are delivered here, the others left
    to moto."""

    def send_to_targets(self: Rule, original_event: EventMessageType, transform_input: bool = True) -> None:
        # A scheduled rule (the review metrics every 5 minutes) matches no event on AWS; moto's empty pattern would
        # match every one. Schedules do not fire locally: their handlers are tested on their own.
        if self.scheduled_expression and not self.event_pattern.get_pattern():
            return
        if not self.event_pattern.matches_event(original_event):
            return
        others = []
        for target in self.targets:
            if ":states:" in target["Arn"] and ":stateMachine:" in target["Arn"]:
                # Blocks only while the backlog is full: the write that caused the event waits for room.
                job = functools.partial(
                    _start_execution, target["Arn"], _as_delivered(original_event), target.get("RoleArn")
                )
                backlog.current().submit(job)
            elif _is_plain_queue(target):
                _send_to_queue(self, target, original_event)
            else:
                others.append(target)
        if others:
            rule = copy.copy(self)
            rule.targets = others
            original(rule, original_event, transform_input)

    return send_to_targets


def configure(region: str) -> None:
    global _region
    _region = region
