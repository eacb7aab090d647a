"""A template whose Serialize role lacks one statement (the claim write) fails the upload path with AccessDenied:
what would happen after `sam deploy` happens on the laptop first."""

from __future__ import annotations

from pathlib import Path

from tests.denials import denied_upload, without_the_claim_statement
from tests.e2e.conftest import StackClients

#: The stack runs a role without a statement on purpose: its denials are the point.
ROLES_CHANGED = True
STACK_TEMPLATE = without_the_claim_statement


def test_an_upload_fails_once_with_access_denied_naming_the_action_and_resource(
    local_stack: StackClients, samples_dir: Path
) -> None:
    failure = denied_upload(local_stack, samples_dir, "removed/bike.png")

    assert failure.step == "Serialize"
    assert "dynamodb:PutItem" in failure.cause
    assert "IdempotencyTable" in failure.cause
