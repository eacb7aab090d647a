"""The request context of a principal's call: the condition keys IAM sets for it, which a statement's `Condition`
is evaluated against (service/iam/policy.py).

Global keys (IAM's "AWS global condition context keys"), for a role's temporary credentials:

- `aws:PrincipalArn` the role's ARN (not the session's), `aws:PrincipalAccount`, `aws:PrincipalType`
  (`AssumedRole`), `aws:userid` (`<role name>:<session>`: IAM puts the role's unique id first, the local IAM's
  ids are not the deployed ones, so the name stands in), `aws:RequestedRegion`;
- `aws:SecureTransport` is `true`: the calls checked are the template's functions and state machine, whose SDK
  clients reach AWS's endpoints over TLS; the local endpoint is plain HTTP only because it is a loopback stand-in
  for them, so a policy requiring TLS must not deny locally what it allows on AWS;
- `aws:ViaAWSService` is `false` (each principal signs its own calls: no forward access session), and
  `aws:CurrentTime` / `aws:EpochTime`.

Service keys: those the template's conditions name (`cloudwatch:namespace`, from PutMetricData's Namespace).
Keys not set here (aws:SourceIp, aws:TokenIssueTime, aws:MultiFactorAuthPresent, aws:ResourceTag/..., aws:SourceArn
and aws:SourceAccount, which only service principals carry) are absent from the context, as a key the request
does not have: a condition on one does not hold, except a negated or `...IfExists` one (docs/local-stack.md).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from service.iam.resources import parameter

Context = dict[str, list[str]]

#: Service-specific condition keys: (IAM action) -> {key: request parameter}.
_SERVICE_KEYS: dict[str, dict[str, str]] = {
    "cloudwatch:PutMetricData": {"cloudwatch:namespace": "Namespace"},
}


def global_keys(role_arn: str, session_name: str, account: str, region: str) -> Context:
    now = time.time()
    return {
        "aws:PrincipalArn": [role_arn],
        "aws:PrincipalAccount": [account],
        "aws:PrincipalType": ["AssumedRole"],
        "aws:userid": [f"{role_arn.rsplit('/', 1)[-1]}:{session_name}"],
        "aws:RequestedRegion": [region],
        "aws:SecureTransport": ["true"],
        "aws:ViaAWSService": ["false"],
        "aws:CurrentTime": [datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:EpochTime": [str(int(now))],
    }


def service_keys(action: str, request: Any) -> Context:
    """The action's own condition keys that the request carries (a parameter it does not send: no key)."""
    found: Context = {}
    for key, name in _SERVICE_KEYS.get(action, {}).items():
        value = parameter(request, name)
        if value is not None:
            found[key] = [value]
    return found


def region_of(arn: str, default: str = "us-east-1") -> str:
    """The region an ARN names (the 4th field), for a call checked without a request (an internal delivery)."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else default
