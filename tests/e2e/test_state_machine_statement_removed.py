"""A template whose state machine role lacks its PutItem statement: the image's outcome write is denied, and the
upload lands once in the failed queue as AccessDenied, naming the action and the table."""

from __future__ import annotations

from pathlib import Path

from tests.denials import denied_upload, without_statement
from tests.e2e.conftest import StackClients

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
    failure = denied_upload(local_stack, samples_dir, "denied-outcome/bike.png")

    assert failure.step in {"StoreResult", "RecordReview"}
    assert "dynamodb:PutItem" in failure.cause
    assert ("ResultsTable" in failure.cause) or ("ReviewsTable" in failure.cause)
