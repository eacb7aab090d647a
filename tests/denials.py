"""A stack whose template lacks one statement of a role, and what an upload then meets: the run's request is
denied, as it would be after `sam deploy`."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from service.domain.models import FailedMessage
from service.domain.paths import TEMPLATE_PATH
from service.ops.accounting import Ledger
from service.ops.template_file import load_template
from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import wait

#: Serialize's claim write, on the idempotency table.
CLAIM_STATEMENT = {
    "Effect": "Allow",
    "Action": "dynamodb:PutItem",
    "Resource": {"Fn::GetAtt": ["IdempotencyTable", "Arn"]},
}


def without_statement(state: Path, resource: str, removed: dict[str, object]) -> Path:
    """A copy of infra/template.yaml (with the files it names) minus one statement of one resource's policies."""
    template = load_template()
    policies = template["Resources"][resource]["Properties"]["Policies"]
    kept = []
    for policy in policies:
        statements = policy.get("Statement") if isinstance(policy, dict) else None
        if isinstance(statements, list) and removed in statements:
            remaining = [s for s in statements if s != removed]
            if remaining:
                kept.append({**policy, "Statement": remaining})
            continue
        kept.append(policy)
    assert kept != policies, "the statement this test removes is in the template"
    template["Resources"][resource]["Properties"]["Policies"] = kept
    folder = state / "template"
    shutil.copytree(TEMPLATE_PATH.parent / "statemachine", folder / "statemachine")
    path = folder / "template.yaml"
    path.write_text(yaml.safe_dump(template, sort_keys=False), encoding="utf-8")
    return path


def without_the_claim_statement(state: Path) -> Path:
    return without_statement(state, "SerializeFunction", CLAIM_STATEMENT)


def upload_bicycle(local_stack: StackClients, samples_dir: Path, key: str) -> Ledger:
    """Uploads a bicycle under `key` and waits for its outcome."""
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=(samples_dir / "bicycle-1.png").read_bytes()
    )
    return wait(local_stack, {key})


def denied_upload(local_stack: StackClients, samples_dir: Path, key: str) -> FailedMessage:
    """An upload that must land once, in the failed queue, as AccessDenied: its failure."""
    ledger = upload_bicycle(local_stack, samples_dir, key)
    assert ledger.duplicated() == {}
    (outcome,) = ledger.outcomes[key]
    assert outcome.place == "failed" and outcome.failure is not None
    assert outcome.failure.error == "AccessDenied"
    return outcome.failure
