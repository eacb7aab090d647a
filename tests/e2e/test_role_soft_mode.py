"""`scones up --iam soft`: a call the role does not allow goes through, and the stack's log names it with the
statement that would allow it (and the access log records it as not allowed)."""

from __future__ import annotations

import json
from pathlib import Path

from service.local import stack
from tests import access_audit
from tests.denials import upload_bicycle, without_the_claim_statement
from tests.e2e.conftest import StackClients

ROLES_CHANGED = True
STACK_TEMPLATE = without_the_claim_statement
STACK_IAM = "soft"


def test_a_violation_is_logged_with_the_statement_that_would_allow_it(
    local_stack: StackClients, samples_dir: Path
) -> None:
    key = "soft/bike.png"
    ledger = upload_bicycle(local_stack, samples_dir, key)

    (outcome,) = ledger.outcomes[key]
    assert outcome.place in {"results", "review"}  # let through
    assert local_stack.info.iam == "soft"
    log = stack.log_path(local_stack.info.port).read_text(encoding="utf-8")
    lines = [line for line in log.splitlines() if "IAM violation" in line and "dynamodb:PutItem" in line]
    assert lines, log[-2000:]
    suggested = json.loads(lines[0].split("the statement that would allow it: ", 1)[1])
    assert suggested["Action"] == "dynamodb:PutItem" and "IdempotencyTable" in suggested["Resource"]
    assert local_stack.info.access_log
    recorded = access_audit.calls(Path(local_stack.info.access_log))
    assert any(c["action"] == "dynamodb:PutItem" and not c["allowed"] for c in recorded)
