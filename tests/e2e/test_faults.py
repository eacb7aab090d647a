"""Injected faults: transient ones are retried with backoff, the rest end in the failed queue with their cause,
and the stack keeps serving."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from service.dal.results import ResultsTable
from service.local import faults, stack
from tests.e2e.conftest import StackClients
from tests.e2e.test_cli import scones
from tests.e2e.test_pipeline import wait

# Everything is accepted, so a good image always ends in the results table (the PutItem path).
STACK_PARAMETERS = {"ConfidenceThreshold": "0.0", "RecognitionThreshold": "0.0"}


def run_image(local_stack: StackClients, samples_dir: Path, key: str) -> Any:
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=(samples_dir / "motorcycle-2.png").read_bytes()
    )
    ledger = wait(local_stack, {key}, timeout=60)
    (outcome,) = ledger.outcomes[key]
    return outcome


def failed_attempts(local_stack: StackClients, key: str) -> list[str]:
    """The errors of the failed task attempts in the execution that processed `key`."""
    client = local_stack.stepfunctions
    for execution in client.list_executions(stateMachineArn=local_stack.info.state_machine_arn)["executions"]:
        history = client.get_execution_history(executionArn=execution["executionArn"])["events"]
        if any(key in e.get("executionStartedEventDetails", {}).get("input", "") for e in history):
            return [
                details["error"]
                for e in history
                for name in ("lambdaFunctionFailedEventDetails", "taskFailedEventDetails")
                if (details := e.get(name))
            ]
    raise AssertionError(f"no execution for {key}")


@pytest.fixture
def arm(local_stack: StackClients):
    state_file = stack.state_file(local_stack.info.port)

    def arm_faults(*planned: faults.Fault) -> None:
        faults.arm(state_file, list(planned))

    yield arm_faults
    faults.disarm(state_file)


@pytest.mark.parametrize(
    ("target", "error", "step"),
    [
        ("Classify", "ModelUnavailable", "Classify"),  # the endpoint's 5xx / throttling
        ("Classify", "Lambda.TooManyRequestsException", "Classify"),  # Lambda throttled the invoke
        ("Classify", "Sandbox.Timedout", "Classify"),  # a slow endpoint made the function time out
        ("PutItem", "ProvisionedThroughputExceededException", "StoreResult"),
    ],
)
def test_transient_faults_are_retried_then_the_image_succeeds(
    local_stack: StackClients, samples_dir: Path, arm: Any, target: str, error: str, step: str
) -> None:
    arm(faults.Fault(target=target, error=error, times=2))
    key = f"faults/transient {target} {error}.png"
    outcome = run_image(local_stack, samples_dir, key)
    assert outcome.place == "results"
    attempts = failed_attempts(local_stack, key)
    assert len([a for a in attempts if error in a]) == 2, attempts


@pytest.mark.parametrize(
    ("target", "error", "step", "times"),
    [
        ("Classify", "ModelUnavailable", "Classify", 10),  # transient, but it never recovers
        ("Filter", "RuntimeError", "Filter", 1),  # a crash: not retried
        ("Serialize", "Sandbox.Timedout", "Serialize", 1),  # the function ran out of time
        ("PutItem", "ProvisionedThroughputExceededException", "StoreResult", 10),
    ],
)
def test_persistent_faults_end_in_the_failed_queue_and_the_next_image_succeeds(
    local_stack: StackClients, samples_dir: Path, arm: Any, target: str, error: str, step: str, times: int
) -> None:
    arm(faults.Fault(target=target, error=error, message=f"injected {error}", times=times))
    key = f"faults/persistent {target} {error}.png"
    outcome = run_image(local_stack, samples_dir, key)
    assert outcome.place == "failed"
    assert outcome.failure.step == step
    assert error in outcome.failure.error
    assert outcome.failure.cause
    faults.disarm(stack.state_file(local_stack.info.port))
    after = run_image(local_stack, samples_dir, f"faults/after {target} {error}.png")
    assert after.place == "results"


def test_failed_objects_are_listed_and_redriven_after_a_fix(
    local_stack: StackClients, samples_dir: Path, arm: Any
) -> None:
    key = "faults/redrive me.png"
    arm(faults.Fault(target="Filter", error="RuntimeError", message="the filter is broken", times=1))
    assert run_image(local_stack, samples_dir, key).place == "failed"
    listed = scones(local_stack, "failed", "list", "--json").stdout.splitlines()
    assert key in {json.loads(line)["key"] for line in listed}

    scones(local_stack, "failed", "redrive", key)  # the fault fired once: the cause is fixed

    ledger = wait(local_stack, {key})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and [o.place for o in ledger.outcomes[key]] != ["results"]:
        time.sleep(0.5)
        ledger = wait(local_stack, {key})
    assert [o.place for o in ledger.outcomes[key]] == ["results"]
    listed = scones(local_stack, "failed", "list", "--json").stdout.splitlines()
    assert key not in {json.loads(line)["key"] for line in listed}


def test_a_new_upload_of_the_same_key_gets_its_own_record(local_stack: StackClients, samples_dir: Path) -> None:
    key = "faults/replaced.png"
    bucket = local_stack.info.intake_bucket
    local_stack.s3.put_object(Bucket=bucket, Key=key, Body=(samples_dir / "bicycle-1.png").read_bytes())
    first = wait(local_stack, {key}).outcomes[key][0].record
    assert first is not None
    local_stack.s3.put_object(Bucket=bucket, Key=key, Body=(samples_dir / "motorcycle-3.png").read_bytes())
    deadline = time.monotonic() + 30
    outcomes = wait(local_stack, {key}).outcomes[key]
    while time.monotonic() < deadline and len(outcomes) < 2:
        time.sleep(0.3)
        outcomes = wait(local_stack, {key}).outcomes[key]
    # Both writes auto-accepted: two records, one per write; the key's latest is the second write's.
    assert [o.place for o in outcomes] == ["results", "results"]
    assert {o.record.etag for o in outcomes if o.record} - {first.etag}
    latest = ResultsTable(local_stack.dynamodb, local_stack.info.results_table).get(key)
    assert latest is not None and latest.etag != first.etag
