"""A template whose state machine role lacks its PutMetricData statement: when an outcome's event cannot be
published, the state machine's SDK-integration task that counts the miss (CountUnpublished, `aws-sdk:cloudwatch:
putMetricData`) is denied as it would be after `sam deploy`, signed with the state machine's role like its other
tasks, and the execution takes its Catch (UnpublishedNotCounted) with the outcome kept."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from service.local import faults, stack
from tests import access_audit
from tests.denials import upload_bicycle, without_statement
from tests.e2e.conftest import StackClients
from tests.e2e.test_duplicates import executions_for
from tests.outcome_bus import unpublished_count

ROLES_CHANGED = True
REMOVED = {
    "Effect": "Allow",
    "Action": "cloudwatch:PutMetricData",
    "Resource": "*",
    "Condition": {"StringEquals": {"cloudwatch:namespace": "Scones"}},
}


def without_the_metric_statement(state: Path) -> Path:
    return without_statement(state, "PipelineStateMachine", REMOVED)


STACK_TEMPLATE = without_the_metric_statement


def failed_tasks(local_stack: StackClients, execution_arn: str) -> list[dict[str, Any]]:
    """Each failed task of the execution: the state it ran in, its error and cause."""
    events = local_stack.stepfunctions.get_execution_history(executionArn=execution_arn)["events"]
    found, state = [], ""
    for event in events:
        if "stateEnteredEventDetails" in event:
            state = event["stateEnteredEventDetails"]["name"]
        if details := event.get("taskFailedEventDetails"):
            found.append({"state": state, "error": details.get("error", ""), "cause": details.get("cause", "")})
    return found


def finished(local_stack: StackClients, key: str, timeout: float = 60.0) -> dict[str, Any]:
    """The execution for `key`, once it has ended (the outcome is written before its event is published)."""
    deadline = time.monotonic() + timeout
    while True:
        (execution,) = executions_for(local_stack, key)
        if execution["status"] != "RUNNING" or time.monotonic() > deadline:
            return execution
        time.sleep(0.2)


def test_the_sdk_integration_is_denied_with_the_state_machine_role(
    local_stack: StackClients, samples_dir: Path
) -> None:
    before = unpublished_count(local_stack.cloudwatch)
    state_file = stack.state_file(local_stack.info.port)
    faults.arm(state_file, [faults.Fault(target="PutEvents", error="InternalFailure", times=3)])
    key = "denied-metric/bike.png"
    try:
        (outcome,) = upload_bicycle(local_stack, samples_dir, key).outcomes[key]
        execution = finished(local_stack, key)  # every attempt at publishing its event meets the fault
    finally:
        faults.disarm(state_file)

    assert outcome.place == "results"  # the outcome is kept: only the count of the missed event is lost
    assert execution["status"] == "SUCCEEDED"
    failed = failed_tasks(local_stack, execution["executionArn"])
    counted = [task for task in failed if task["state"] != "PublishOutcome"]
    assert [task["state"] for task in counted] == ["CountUnpublished"], counted
    # An SDK integration's error is named after the service's SDK exception; the cause is IAM's denial.
    error, cause = counted[0]["error"], counted[0]["cause"]
    assert error.lower() == "cloudwatch.cloudwatchexception", error
    assert "Status Code: 403" in cause, cause
    assert "is not authorized to perform: cloudwatch:PutMetricData" in cause, cause
    assert ":assumed-role/" in cause and "PipelineStateMachineRole" in cause, cause
    assert unpublished_count(local_stack.cloudwatch) == before

    # The access log names the role, the action and the namespace it asked for.
    assert local_stack.info.access_log
    calls = access_audit.calls(Path(local_stack.info.access_log))
    (denied,) = [c for c in calls if c["action"] == "cloudwatch:PutMetricData"]
    assert denied["allowed"] is False and "PipelineStateMachineRole" in denied["role"]
    assert denied["context"] == {"cloudwatch:namespace": ["Scones"]}
