"""EventBridge delivers at least once: a duplicate delivery must not give an upload a second outcome."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import executions_for, wait

# Everything goes to review: a duplicate would show as a second review message.
STACK_PARAMETERS = {"ConfidenceThreshold": "1.0"}


def test_the_same_event_delivered_twice_gives_one_review_message(local_stack: StackClients, samples_dir: Path) -> None:
    key = "duplicates/delivered twice.png"
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=(samples_dir / "bicycle-3.png").read_bytes()
    )
    assert [o.place for o in wait(local_stack, {key}).outcomes[key]] == ["review"]
    (first,) = executions_for(local_stack, key)

    # EventBridge delivering the very same event again starts a second execution with the same input.
    second = local_stack.stepfunctions.start_execution(
        stateMachineArn=local_stack.info.state_machine_arn, name="redelivery-1", input=first["input"]
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = local_stack.stepfunctions.describe_execution(executionArn=second["executionArn"])["status"]
        if status != "RUNNING":
            break
        time.sleep(0.2)
    assert status == "SUCCEEDED"
    history = local_stack.stepfunctions.get_execution_history(executionArn=second["executionArn"])["events"]
    assert any(e.get("lambdaFunctionFailedEventDetails", {}).get("error") == "DuplicateDelivery" for e in history)
    assert any(e.get("stateEnteredEventDetails", {}).get("name") == "AlreadyProcessed" for e in history)

    assert [o.place for o in wait(local_stack, {key}).outcomes[key]] == ["review"]


def test_a_new_upload_of_the_same_key_is_processed_again(local_stack: StackClients, samples_dir: Path) -> None:
    key = "duplicates/uploaded twice.png"
    bucket = local_stack.info.intake_bucket
    local_stack.s3.put_object(Bucket=bucket, Key=key, Body=(samples_dir / "bicycle-1.png").read_bytes())
    first = wait(local_stack, {key}).outcomes[key]
    local_stack.s3.put_object(Bucket=bucket, Key=key, Body=(samples_dir / "motorcycle-1.png").read_bytes())
    deadline = time.monotonic() + 30
    outcomes = first
    first_etag = first[0].record.etag if first[0].record else None
    while time.monotonic() < deadline and len(outcomes) < 2:
        time.sleep(0.3)
        outcomes = wait(local_stack, {key}).outcomes[key]
    # Two uploads, both processed: each write has its own pending review, the first is not replaced.
    assert [o.place for o in outcomes] == ["review", "review"]
    etags = [o.record.etag for o in outcomes if o.record]
    assert first_etag in etags and len(set(etags)) == 2
    assert len(executions_for(local_stack, key)) == 2
