"""A template whose Serialize role lacks one statement (the claim write) fails the upload path with AccessDenied:
what would happen after `sam deploy` happens on the laptop first."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from service.domain.paths import TEMPLATE_PATH
from service.ops.template_file import load_template
from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import wait

#: The stack runs a role without a statement on purpose: its denials are the point.
ROLES_CHANGED = True
REMOVED = {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}}


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
    return without_statement(state, "SerializeFunction", REMOVED)


STACK_TEMPLATE = without_the_claim_statement


def test_an_upload_fails_once_with_access_denied_naming_the_action_and_resource(
    local_stack: StackClients, samples_dir: Path
) -> None:
    key = "removed/bike.png"
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=(samples_dir / "bicycle-1.png").read_bytes()
    )
    ledger = wait(local_stack, {key})

    assert ledger.duplicated() == {}
    (outcome,) = ledger.outcomes[key]
    assert outcome.place == "failed" and outcome.failure is not None
    assert (outcome.failure.error, outcome.failure.step) == ("AccessDenied", "Serialize")
    assert "dynamodb:PutItem" in outcome.failure.cause
    assert "IdempotencyTable" in outcome.failure.cause
