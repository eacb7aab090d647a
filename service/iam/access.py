"""Every principal of the stack holds its own role: requests signed with credentials the local STS issued are
authorised against that role's current policies, with resource matching (service/iam/policy.py).

- Each Lambda function runs with credentials of its role (the role on the deployed function), and the state
  machine's tasks with the state machine's role, both issued by the local STS (AssumeRole), as on AWS.
- Any other credentials are the operator's: the CLI, the tests, and any AWS client a user points at the stack keep
  full access with whatever keys they use, as before (the local stack has no account to protect; what it checks is
  the template's roles).
- `enforce` (the default) answers a request the role does not allow with AccessDenied; `soft` lets it through and
  logs it with the statement that would allow it.
- Every principal's request is appended to an access log (one JSON line: role, action, resource, allowed), which
  the tests check against the template's own policies.

moto's check (`INITIAL_NO_AUTH_ACTION_COUNT`) would evaluate actions only and refuse every unknown key (the
operator's too): `authorize` replaces it (service/local/patches.py).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

from moto.core import DEFAULT_ACCOUNT_ID

from service.iam import context as iam_context
from service.iam import policy as iam_policy
from service.iam import resources as iam_resources

log = logging.getLogger("scones.iam")

Mode = Literal["enforce", "soft"]
MODES: tuple[Mode, ...] = ("enforce", "soft")
ACCOUNT = DEFAULT_ACCOUNT_ID
PARTITION = "aws"
#: Issued credentials are renewed this long before they expire.
_RENEW_BEFORE_S = 300
_CREDENTIAL_SECONDS = 3600
_MAX_VERDICTS = 20_000

_mode: Mode = "enforce"
_log_path: Path | None = None
_lock = threading.Lock()
_log_lock = threading.Lock()
_log_file: TextIO | None = None
_issued: dict[str, tuple[float, Credentials]] = {}
_statements: dict[tuple[str, str], list[iam_policy.Statement]] = {}
_verdicts: dict[tuple[str, str, str, str, tuple[tuple[str, tuple[str, ...] | None], ...]], iam_policy.Verdict] = {}
#: The condition keys each parsed statement list names (by the list's id), lower-cased.
_condition_keys: dict[int, frozenset[str]] = {}


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    role_arn: str


@dataclass(frozen=True, slots=True)
class Principal:
    role_arn: str
    session_name: str

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:sts::{ACCOUNT}:assumed-role/{self.role_name}/{self.session_name}"


def configure(mode: Mode, log_path: Path | None) -> None:
    global _mode, _log_path, _log_file
    if mode not in MODES:
        raise ValueError(f"IAM mode must be one of {', '.join(MODES)}, not {mode!r}.")
    with _log_lock:
        if _log_file is not None:
            _log_file.close()
        _mode, _log_path, _log_file = mode, log_path, None


def mode() -> Mode:
    return _mode


def role_credentials(role_arn: str, session_name: str) -> Credentials:
    """Credentials of the role, from the local STS (AssumeRole), reused until shortly before they expire."""
    from moto.sts.models import sts_backends

    with _lock:
        found = _issued.get(role_arn)
        if found is not None and found[0] - time.time() > _RENEW_BEFORE_S:
            return found[1]
        sts = sts_backends[ACCOUNT][PARTITION]
        role = sts.assume_role(
            region_name="us-east-1",
            role_session_name=session_name[:64],
            role_arn=role_arn,
            policy="",
            duration=_CREDENTIAL_SECONDS,
            external_id="",
        )
        issued = Credentials(role.access_key_id, role.secret_access_key, role.session_token, role_arn)
        _issued[role_arn] = (time.time() + _CREDENTIAL_SECONDS, issued)
        return issued


def principal_of(access_key_id: str) -> Principal | None:
    """The assumed role behind a key the local STS issued; None for any other key (the operator)."""
    if not access_key_id.startswith("ASIA"):
        return None
    from moto.sts.models import sts_backends

    assumed = sts_backends[ACCOUNT][PARTITION].get_assumed_role_from_access_key(access_key_id)
    if assumed is None:
        return None
    return Principal(role_arn=assumed.role_arn, session_name=assumed.session_name)


def _documents(role_name: str) -> dict[str, Any] | None:
    """The role's current policies (inline and attached), by name; None if the role is gone."""
    from moto.iam.models import iam_backends

    iam = iam_backends[ACCOUNT][PARTITION]
    role = next((r for r in iam.roles.values() if r.name == role_name), None)
    if role is None:
        return None
    documents: dict[str, Any] = dict(role.policies)
    for arn, managed in role.managed_policies.items():
        version = next((v for v in managed.versions if v.is_default), None)
        if version is not None:
            documents[arn] = version.document
    return documents


def statements_of(role_name: str) -> list[iam_policy.Statement]:
    """The role's statements, parsed once per version of its policies (a changed policy is read again)."""
    documents = _documents(role_name) or {}
    fingerprint = repr(sorted(documents.items(), key=lambda item: item[0]))
    key = (role_name, fingerprint)
    found = _statements.get(key)
    if found is None:
        found = iam_policy.statements(documents)
        with _lock:
            for stale in [k for k in _statements if k[0] == role_name]:
                del _condition_keys[id(_statements.pop(stale))]
            for stale_verdict in [k for k in _verdicts if k[0] == role_name]:
                del _verdicts[stale_verdict]
            _statements[key] = found
            _condition_keys[id(found)] = iam_policy.condition_keys(found)
    return found


def decide(
    principal: Principal, action: str, resource: str, context: Mapping[str, list[str]] | None = None
) -> iam_policy.Verdict:
    """The role's verdict on the request; `context` defaults to the global keys of a call in the resource's region."""
    found = statements_of(principal.role_name)
    if context is None:
        context = iam_context.global_keys(
            principal.role_arn, principal.session_name, ACCOUNT, iam_context.region_of(resource)
        )
    # A verdict depends on the context only through the keys the role's conditions name (most roles: none, so
    # the cache is not defeated by the clock keys).
    used = _condition_keys.get(id(found), frozenset())
    lowered = {k.lower(): v for k, v in context.items()} if used else {}
    keyed = tuple((k, tuple(lowered[k]) if k in lowered else None) for k in sorted(used))
    key = (principal.role_name, str(id(found)), action, resource, keyed)
    verdict = _verdicts.get(key)
    if verdict is None:
        verdict = iam_policy.evaluate(found, action, resource, context)
        if len(_verdicts) >= _MAX_VERDICTS:
            _verdicts.clear()  # every object key is a resource of its own: bounded memory, whatever the uploads
        _verdicts[key] = verdict
    return verdict


def record(
    principal: Principal,
    action: str,
    resource: str,
    verdict: iam_policy.Verdict,
    context: Mapping[str, list[str]] | None = None,
) -> None:
    if not verdict.allowed:
        suggestion = json.dumps(iam_policy.allowing_statement(action, resource))
        level = logging.WARNING if _mode == "soft" else logging.INFO
        log.log(
            level,
            "%s: %s is not allowed %s on %s (%s); the statement that would allow it: %s",
            "IAM violation (soft mode, let through)" if _mode == "soft" else "IAM denied",
            principal.role_name,
            action,
            resource,
            verdict.reason,
            suggestion,
        )
    if _log_path is None:
        return
    entry: dict[str, Any] = {
        "role": principal.role_name,
        "session": principal.session_name,
        "action": action,
        "resource": resource,
        "allowed": verdict.allowed,
    }
    # The service's own keys (cloudwatch:namespace...), so the call can be judged again against the template's
    # conditions; the global ones follow from the role, the resource and the stack.
    own = {k: v for k, v in (context or {}).items() if not k.startswith("aws:")}
    if own:
        entry["context"] = own
    line = json.dumps(entry)
    global _log_file
    with _log_lock:
        # Opened once, line-buffered: every line is written whole when it is recorded, without opening the file
        # for each request (that was most of the cost of a check).
        if _log_file is None:
            _log_file = _log_path.open("a", encoding="utf-8", buffering=1)
        _log_file.write(line + "\n")


def denial_message(principal: Principal, action: str, resource: str, verdict: iam_policy.Verdict) -> str:
    why = (
        "with an explicit deny in an identity-based policy"
        if verdict.statement is not None
        else f"because no identity-based policy allows the {action} action"
    )
    return f"User: {principal.arn} is not authorized to perform: {action} on resource: {resource} {why}"


def check(
    principal: Principal, action: str, resources: list[str], context: Mapping[str, list[str]] | None = None
) -> tuple[str, str, iam_policy.Verdict] | None:
    """Records each (action, resource); returns the first denial, or None when every one is allowed (or soft).
    Without `context` (a call the stack makes on a principal's behalf: a rule's StartExecution, a task's Invoke),
    the global keys of a call in the resource's region."""
    denied = None
    for resource in resources:
        verdict = decide(principal, action, resource, context)
        record(principal, action, resource, verdict, context)
        if not verdict.allowed and denied is None:
            denied = (action, resource, verdict)
    return None if _mode == "soft" else denied


def _between(text: str, start: str, end: str) -> str:
    return text.partition(start)[2].partition(end)[0]


def _first(query: Mapping[str, Any], name: str) -> str:
    value = query.get(name)
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _missing_object(bucket: str, key: str) -> bool:
    from moto.s3.models import s3_backends

    found = s3_backends[ACCOUNT][PARTITION].buckets.get(bucket)
    return found is not None and found.keys.get(key) is None


def _denied_error(service: str, message: str, headers: Mapping[str, str]) -> Exception:
    from moto.core.exceptions import AccessDeniedError, JsonRESTError
    from moto.s3.exceptions import S3AccessDeniedError

    error: Exception
    if service == "s3":
        error = S3AccessDeniedError()
        error.message = message
        return error
    if "json" in (headers.get("Content-Type") or headers.get("content-type") or ""):
        error = JsonRESTError("AccessDeniedException", message)
    else:
        error = AccessDeniedError(user_arn="", action="")
        # moto's error takes a user and an action; IAM's message also names the resource and the reason.
        super(AccessDeniedError, error).__init__("AccessDenied", message)
    error.code = 403
    return error


def authorize(response: Any, iam_request_cls: type, resource: str = "*") -> None:
    """Replaces `ActionAuthenticatorMixin._authenticate_and_authorize_action` (moto's server calls it for every
    request, with the S3 resource where moto knows one)."""
    headers = response.headers
    authorization = headers.get("Authorization") or ""
    query = response.querystring or {}
    # Signed in the Authorization header, or a presigned URL (the credential in the query string).
    scope = _between(authorization, "Credential=", ",") if authorization else _first(query, "X-Amz-Credential")
    if not authorization and not scope and _first(query, "AWSAccessKeyId"):
        scope = f"{_first(query, 'AWSAccessKeyId')}//{response.region}/s3"  # S3's own (version 2) presigned URL
    access_key_id, _, rest = scope.partition("/")
    principal = principal_of(access_key_id) if access_key_id else None
    if principal is None:
        return  # the operator, or an unsigned call (Cognito's InitiateAuth...)
    named = response._get_action()
    operation = named[0] if isinstance(named, list) else named
    if authorization:
        from urllib.parse import urlparse

        raw_query = urlparse(response.uri).query
        request = iam_request_cls(
            account_id=response.current_account,
            method=response.method,
            path=response.raw_path + ("?" + raw_query if raw_query else ""),
            data=response.data,
            body=response.raw_body,
            headers=headers,
            action=operation,
        )
        request.check_signature()
    # A presigned URL's signature is not checked (moto has no check for it); its role's policies are.
    signing_service = rest.split("/")[2] if rest.count("/") >= 2 else ""
    versioned = "versionId" in query
    action = iam_resources.iam_action(signing_service, operation, versioned)
    region = getattr(response, "region", None) or "us-east-1"
    context = iam_context.global_keys(principal.role_arn, principal.session_name, response.current_account, region)
    context.update(iam_context.service_keys(action, response))
    if signing_service == "s3":
        arns = [resource]
    else:
        arns = iam_resources.resources(signing_service, operation, response, region, response.current_account)
    if signing_service == "dynamodb" and operation in iam_resources.TRANSACTIONS:
        parts = iam_resources.transaction_parts(response, region, response.current_account)
        denials = [found for part, arn in parts if (found := check(principal, part, [arn], context)) is not None]
        denied = denials[0] if denials else None
    else:
        denied = check(principal, action, arns, context)
    if denied is None and signing_service == "s3" and action in {"s3:GetObject", "s3:GetObjectVersion"}:
        # S3 answers 403, not 404, for a missing key to a caller that may not list the bucket.
        bucket, _, key = resource.removeprefix("arn:aws:s3:::").partition("/")
        if key and _missing_object(bucket, key):
            denied = check(principal, "s3:ListBucket", [f"arn:aws:s3:::{bucket}"], context)
    if denied is not None:
        action, arn, verdict = denied
        raise _denied_error(signing_service, denial_message(principal, action, arn, verdict), headers)


def deployed_roles(stack_resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each role of the stack as the template deployed it, by logical id: its name and policies (the statements the
    access log is checked against, whatever is changed later)."""
    roles = {}
    for resource in stack_resources:
        if resource.get("ResourceType") != "AWS::IAM::Role":
            continue
        name = resource["PhysicalResourceId"].rsplit("/", 1)[-1]
        documents = _documents(name) or {}
        roles[resource["LogicalResourceId"]] = {
            "role_name": name,
            "policies": {k: json.loads(v) if isinstance(v, str) else v for k, v in documents.items()},
        }
    return roles
