"""An ended EXPRESS execution keeps no interpreter and none of its states' large data, and only the last few are
kept at all: what the local stack holds per image stays bounded however many run (service/local/retention.py)."""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.stepfunctions.parser.asl.eval.environment import Environment

from service.local import patches, retention

ROLE = "arn:aws:iam::123456789012:role/pipeline"
#: A state's output as large as the image's encoded pixels.
PIXELS = "p" * 12_000
DEFINITION = {
    "StartAt": "Serialize",
    "States": {
        "Serialize": {"Type": "Pass", "Result": {"pixels": PIXELS}, "ResultPath": "$.image", "Next": "Classify"},
        "Classify": {"Type": "Pass", "ResultPath": "$.prediction", "Result": {"label": "bicycle"}, "End": True},
    },
}
KEPT = 3


@pytest.fixture
def stepfunctions(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("SCONES_LOCAL_EXECUTIONS_KEPT", str(KEPT))
    for patch in patches._patches(with_faults=False):
        # The retention patches, and the program copied from its parsed form (service/local/speedups.py).
        if patch.module == "moto.stepfunctions.parser.backend.execution" or patch.attribute.endswith("entrypoint"):
            owner, name = patches._owner_and_name(patch)
            monkeypatch.setattr(owner, name, patch.replacement(getattr(owner, name)))
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield boto3.client("stepfunctions", region_name="us-east-1")


def until(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {seconds:g} s")
        time.sleep(0.05)


def listed(client: Any, machine: str) -> list[str]:
    return [e["executionArn"] for e in client.list_executions(stateMachineArn=machine)["executions"]]


def ended(client: Any, arns: list[str]) -> None:
    until(
        lambda: all(client.describe_execution(executionArn=arn)["status"] != "RUNNING" for arn in arns),
        "the executions did not end",
    )


def test_ended_express_executions_keep_a_small_history_and_only_the_last_few_are_kept(stepfunctions: Any) -> None:
    machine = stepfunctions.create_state_machine(
        name="pipeline", definition=json.dumps(DEFINITION), roleArn=ROLE, type="EXPRESS"
    )["stateMachineArn"]
    arns = []
    for i in range(10):
        arn = stepfunctions.start_execution(stateMachineArn=machine, name=f"image-{i}", input='{"key": "x.png"}')
        arns.append(arn["executionArn"])
        ended(stepfunctions, arns[-1:])  # one at a time, as the bound is checked when each ends

    # An execution is retired just after its status turns final, on the thread that ran it: wait for the last one.
    until(lambda: len(listed(stepfunctions, machine)) <= KEPT, "the oldest executions were not dropped", seconds=10)
    assert sorted(listed(stepfunctions, machine)) == sorted(arns[-KEPT:])
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, Environment)]  # no interpreter outlives its run

    events = stepfunctions.get_execution_history(executionArn=arns[-1])["events"]
    assert [e["type"] for e in events][:2] == ["ExecutionStarted", "PassStateEntered"]
    data = [
        d[field]
        for e in events
        for d in e.values()
        if isinstance(d, dict)
        for field in ("input", "output")
        if field in d
    ]
    assert data and max(len(d) for d in data) <= retention.HISTORY_DATA_LIMIT
    exited = next(e["stateExitedEventDetails"] for e in events if e["type"] == "PassStateExited")
    assert exited["outputDetails"] == {"truncated": True}
    assert json.loads(stepfunctions.describe_execution(executionArn=arns[-1])["output"])["image"]["pixels"] == PIXELS
