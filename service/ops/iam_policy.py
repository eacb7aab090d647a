"""Whether a role's identity policies allow an action on a resource: IAM's evaluation of Allow and Deny statements
(Action/NotAction, Resource/NotResource, `*` and `?` wildcards; actions case-insensitive, resources not).

Used where IAM's own dry run (SimulatePrincipalPolicy) is not offered: the local stack's IAM has the roles and their
policies as the template deployed them, but no simulator. What this does not evaluate is said in its answer: a
statement with a Condition is never taken as allowing (its context is unknown here), and permission boundaries,
session policies, resource policies and SCPs are not read.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any, Literal
from urllib.parse import unquote

from pydantic import BaseModel

Verdict = Literal["allowed", "explicitDeny", "implicitDeny"]


class Evaluation(BaseModel):
    verdict: Verdict
    #: The policy (name or ARN) whose statement decided, when one did.
    policy: str | None = None


@cache
def _pattern(glob: str, case_insensitive: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if case_insensitive else re.DOTALL)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _matches_any(patterns: list[str], value: str, case_insensitive: bool) -> bool:
    return any(_pattern(p, case_insensitive).match(value) for p in patterns)


def statement_applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    if "Action" in statement:
        action_ok = _matches_any(_listed(statement["Action"]), action, True)
    else:
        action_ok = not _matches_any(_listed(statement.get("NotAction")), action, True)
    if "Resource" in statement:
        resource_ok = _matches_any(_listed(statement["Resource"]), resource, False)
    else:
        resource_ok = not _matches_any(_listed(statement.get("NotResource")), resource, False)
    return action_ok and resource_ok


def evaluate(documents: dict[str, dict[str, Any]], action: str, resource: str) -> Evaluation:
    """An explicit Deny wins, then any Allow; else the implicit deny."""
    allowed_by: str | None = None
    for name, document in documents.items():
        for statement in _listed_statements(document):
            if not statement_applies(statement, action, resource):
                continue
            if statement.get("Effect") == "Deny":
                return Evaluation(verdict="explicitDeny", policy=name)
            if statement.get("Effect") == "Allow" and not statement.get("Condition") and allowed_by is None:
                allowed_by = name
    return Evaluation(verdict="allowed", policy=allowed_by) if allowed_by else Evaluation(verdict="implicitDeny")


def _listed_statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _document(value: Any) -> dict[str, Any]:
    """IAM returns policy documents URL-encoded; boto3 decodes them, some emulations do not."""
    if isinstance(value, dict):
        return value
    text = str(value)
    return dict(json.loads(text if text.lstrip().startswith("{") else unquote(text)))


def role_policies(iam: Any, role_name: str) -> dict[str, dict[str, Any]]:
    """Every identity policy of a role, inline (by name) and attached (by ARN), as documents."""
    documents: dict[str, dict[str, Any]] = {}
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
        for name in page["PolicyNames"]:
            answer = iam.get_role_policy(RoleName=role_name, PolicyName=name)
            documents[name] = _document(answer["PolicyDocument"])
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
        for attached in page["AttachedPolicies"]:
            arn = attached["PolicyArn"]
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            answer = iam.get_policy_version(PolicyArn=arn, VersionId=version)
            documents[arn] = _document(answer["PolicyVersion"]["Document"])
    return documents
