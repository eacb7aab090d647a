"""Evaluates identity policies the way IAM does for one principal: actions AND resources, with wildcards.

Two callers, where IAM's own evaluation is not at hand: the local stack's enforcement (service/iam/access.py)
and `scones doctor`'s roles check on the local stack (moto has no SimulatePrincipalPolicy). Permission boundaries,
session policies, resource policies and SCPs are not read.

moto's own check (moto/iam/access_control.py) matches actions only ("Resource and Condition parts" are a TODO), so
a role allowed `dynamodb:PutItem` on one table could write every table. The maintained libraries on PyPI either
expand and minimise policies without evaluating a request (policyuniverse), or evaluate it but match ARNs without
case (principalmapper, unreleased since 2022), where IAM compares resources case-sensitively. The rules are few, so
they are written here, to the letter of IAM's evaluation logic for identity policies within one account:

- an explicit Deny in any statement wins; else an Allow is needed; else the request is implicitly denied;
- `Action`/`NotAction` match case-insensitively, `Resource`/`NotResource` case-sensitively, `*` and `?` as
  wildcards (multi-part ARNs included: `*` spans colons and slashes);
- a statement with a `Condition` applies only when every condition holds for the request's context
  (service/iam/context.py builds it): the string, ARN, boolean, numeric and date operators, their `Not` and
  `...IfExists` forms, `Null`, and the `ForAnyValue:` / `ForAllValues:` qualifiers, with IAM's rule for a key the
  request does not have. Binary and IP-address operators are not known: a condition using one does not hold, so
  an Allow is never granted on a condition that was not checked (and a Deny on one does not apply: docs/local-stack.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import unquote

Document = Mapping[str, Any]


@lru_cache(maxsize=4096)
def _pattern(glob: str, case_sensitive: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    # `*` spans any character, a newline in an object key included.
    return re.compile(f"^{regex}$", re.DOTALL if case_sensitive else re.IGNORECASE | re.DOTALL)


def matches(glob: str, value: str, case_sensitive: bool = True) -> bool:
    return _pattern(glob, case_sensitive).match(value) is not None


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _moment(text: str) -> float | None:
    """A date condition's value: ISO 8601, or epoch seconds (IAM takes both)."""
    from datetime import UTC, datetime

    number = _number(text)
    if number is not None:
        return number
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


_ORDER = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}


def _one_value(base: str, wanted: list[str], value: str) -> bool | None:
    """Whether one context value matches any wanted value under the (positive form of the) operator; None for an
    operator this evaluator does not know."""
    if base.startswith("String") or base.startswith("Arn"):
        # ARN operators take wildcards whether they are "Equals" or "Like".
        like = base.endswith("Like") or base.startswith("Arn")
        ignore_case = base.endswith("IgnoreCase")
        return any(
            matches(w, value, case_sensitive=not ignore_case)
            if like
            else (w.lower() == value.lower() if ignore_case else w == value)
            for w in wanted
        )
    if base == "Bool":
        return any(value.lower() == w.lower() for w in wanted)
    for family, parse in (("Numeric", _number), ("Date", _moment)):
        if base.startswith(family) and base[len(family) :] in _ORDER:
            compare = _ORDER[base[len(family) :]]
            have = parse(value)
            return have is not None and any((limit := parse(w)) is not None and compare(have, limit) for w in wanted)
    return None


def _negated(base: str) -> tuple[bool, str]:
    """(negated, positive form): StringNotEquals -> (True, StringEquals), NumericNotEquals, DateNotEquals..."""
    for family in ("String", "Arn", "Numeric", "Date"):
        if base.startswith(family + "Not"):
            return True, family + base[len(family) + 3 :]
    return False, base


def _condition(operator: str, wanted: list[str], values: list[str] | None) -> bool:
    """One key's condition, as IAM's "Condition operators" page words it: a key the request does not have fails
    a positive operator and passes a negated one, `...IfExists` passes it; `Null` tests presence;
    `ForAnyValue:` / `ForAllValues:` compare each of a multi-valued key's values. An unknown operator fails."""
    qualifier, _, name = operator.rpartition(":")
    if name == "Null":
        return (values is None) == (wanted[0].lower() == "true")
    base = name.removesuffix("IfExists")
    negated, positive = _negated(base)
    if values is None:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return name.endswith("IfExists") or negated
    hits = [_one_value(positive, wanted, v) for v in values]
    if any(hit is None for hit in hits):
        return False
    if qualifier == "ForAllValues":
        # Every value of the request's set is among the wanted ones (the negated form: none is).
        return all(not hit for hit in hits) if negated else all(hits)
    found = any(hits)
    return not found if negated else found


def _condition_holds(conditions: Mapping[str, Mapping[str, Any]], context: Mapping[str, list[str]]) -> bool:
    lowered = {key.lower(): values for key, values in context.items()}
    for operator, tests in conditions.items():
        for key, wanted_value in tests.items():
            wanted = [str(w).lower() if isinstance(w, bool) else str(w) for w in _listed(wanted_value)]
            if not _condition(operator, wanted, lowered.get(key.lower())):
                return False
    return True


def condition_keys(found: Iterable[Statement]) -> frozenset[str]:
    """Every condition key the statements name, lower-cased (keys are case-insensitive)."""
    return frozenset(
        key.lower()
        for statement in found
        for tests in dict(statement.body.get("Condition") or {}).values()
        for key in tests
    )


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a policy, with where it came from (the policy's name)."""

    policy: str
    body: Mapping[str, Any]

    @property
    def effect(self) -> str:
        return str(self.body.get("Effect", ""))

    def applies(self, action: str, resource: str, context: Mapping[str, list[str]]) -> bool:
        body = self.body
        if "Action" in body:
            if not any(matches(a, action, case_sensitive=False) for a in _listed(body["Action"])):
                return False
        elif "NotAction" in body:
            if any(matches(a, action, case_sensitive=False) for a in _listed(body["NotAction"])):
                return False
        else:
            return False
        if "Resource" in body:
            if not any(matches(r, resource) for r in _listed(body["Resource"])):
                return False
        elif "NotResource" in body:
            if any(matches(r, resource) for r in _listed(body["NotResource"])):
                return False
        else:
            return False
        return "Condition" not in body or _condition_holds(body["Condition"], context)

    def describe(self) -> str:
        return f"{self.policy}: {json.dumps(dict(self.body), sort_keys=True)}"


def _document(document: Document | str) -> Document:
    """IAM's API returns policy documents URL-encoded; boto3 decodes them, some emulations do not."""
    if not isinstance(document, str):
        return document
    return dict(json.loads(document if document.lstrip().startswith("{") else unquote(document)))


def statements(policies: Mapping[str, Document | str]) -> list[Statement]:
    """Every statement of the given policy documents (by policy name), as dicts, JSON or URL-encoded JSON."""
    found: list[Statement] = []
    for name, document in policies.items():
        found += [Statement(name, body) for body in _listed(_document(document).get("Statement", []))]
    return found


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    #: The statement that decided: the explicit Deny, or an Allow; None for an implicit deny.
    statement: Statement | None = None

    @property
    def decision(self) -> Literal["allowed", "explicitDeny", "implicitDeny"]:
        """As IAM's simulator words it (EvalDecision)."""
        if self.allowed:
            return "allowed"
        return "explicitDeny" if self.statement is not None else "implicitDeny"

    @property
    def reason(self) -> str:
        if self.allowed:
            return "allowed"
        return "explicitly denied" if self.statement is not None else "no identity-based policy allows it"


def evaluate(
    found: Iterable[Statement], action: str, resource: str, context: Mapping[str, list[str]] | None = None
) -> Verdict:
    context = context or {}
    allow: Statement | None = None
    for statement in found:
        if not statement.applies(action, resource, context):
            continue
        if statement.effect == "Deny":
            return Verdict(False, statement)
        if statement.effect == "Allow" and allow is None:
            allow = statement
    return Verdict(allow is not None, allow)


def allowing_statement(action: str, resource: str) -> dict[str, Any]:
    """The smallest statement that would allow the request (what soft mode suggests)."""
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def role_policies(iam: Any, role_name: str) -> dict[str, Document | str]:
    """Every identity policy of a role, read from IAM (a boto3 client): inline by name, attached by ARN."""
    documents: dict[str, Document | str] = {}
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
        for name in page["PolicyNames"]:
            documents[name] = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
        for attached in page["AttachedPolicies"]:
            arn = attached["PolicyArn"]
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            documents[arn] = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    return documents
