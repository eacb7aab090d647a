"""A template whose state machine role lacks its PutItem statement: the image's outcome write is denied, and the
upload lands once in the failed queue as AccessDenied, naming the action and the table."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import wait
from tests.e2e.test_role_statement_removed import without_statement

ROLES_CHANGED = True
REMOVED = {
    "Effect": "Allow",
    "Action": "dynamodb:PutItem",
    "Resource": [{"Fn::GetAtt": ["ResultsTable", "Arn"]}, {"Fn::GetAtt": ["ReviewsTable", "Arn"]}],
}


def without_the_outcome_writes(state: Path) -> Path:
    return without_statement(state, "PipelineStateMachine", REMOVED)


STACK_TEMPLATE = without_the_outcome_writes


def test_a_denied_direct_integration_fails_the_upload_once_as_access_denied(
    local_stack: StackClients, samples_dir: Path
) -> None:
    key = "denied-outcome/bike.png"
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=(samples_dir / "bicycle-1.png").read_bytes()
    )
    ledger = wait(local_stack, {key})

    assert ledger.duplicated() == {}
    (outcome,) = ledger.outcomes[key]
    assert outcome.place == "failed" and outcome.failure is not None
    assert outcome.failure.error == "AccessDenied"
    assert outcome.failure.step in {"StoreResult", "RecordReview"}
    assert "dynamodb:PutItem" in outcome.failure.cause
    assert ("ResultsTable" in outcome.failure.cause) or ("ReviewsTable" in outcome.failure.cause)
