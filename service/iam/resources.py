"""The IAM action and resource ARNs of a request to the local stack, as IAM sees them on AWS.

moto names the action after the API operation and the service after the signing name, and knows the resource
only for S3. IAM names some actions differently (Lambda's Invoke is `lambda:InvokeFunction`) and authorises most
requests on the ARN of the resource they name (a table, a queue, a function, an index, an event bus).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlparse

#: Signing names that differ from IAM's service prefixes.
_SERVICE_PREFIX = {"monitoring": "cloudwatch", "execute-api": "execute-api"}
#: Operations whose IAM action has another name.
_ACTION_NAMES = {
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeAsync"): "InvokeFunction",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "HeadBucket"): "ListBucket",
}
#: S3 authorises a request for one version of an object as its own action.
_VERSIONED = {"s3:GetObject": "s3:GetObjectVersion", "s3:DeleteObject": "s3:DeleteObjectVersion"}


def iam_action(signing_service: str, operation: str, versioned: bool = False) -> str:
    service = _SERVICE_PREFIX.get(signing_service, signing_service)
    action = f"{service}:{_ACTION_NAMES.get((service, operation), operation)}"
    return _VERSIONED.get(action, action) if versioned else action


def _json_body(request: Any) -> dict[str, Any]:
    body = getattr(request, "body", None) or getattr(request, "raw_body", None) or b""
    if isinstance(body, dict):
        return body
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def parameter(request: Any, name: str) -> str | None:
    """A request parameter: as moto parsed it for a service whose protocol it decodes (CloudWatch's CBOR), else
    from a JSON body or a query-protocol form."""
    if getattr(request, "automated_parameter_parsing", False) and isinstance(getattr(request, "params", None), dict):
        parsed = request.params.get(name)
        if parsed is not None:
            return str(parsed)
    value = _json_body(request).get(name)
    if value is None:
        data = getattr(request, "querystring", None) or {}
        listed = data.get(name)
        value = listed[0] if isinstance(listed, list) and listed else listed
    return str(value) if value is not None else None


def _dynamodb(request: Any, operation: str, prefix: str) -> list[str]:
    body = _json_body(request)
    if operation in {"BatchGetItem", "BatchWriteItem"}:
        return [f"{prefix}:table/{name}" for name in body.get("RequestItems", {})]
    table = body.get("TableName")
    if not table:
        return ["*"]
    index = body.get("IndexName")
    return [f"{prefix}:table/{table}" + (f"/index/{index}" if index else "")]


#: A transaction has no IAM action of its own: each of its parts is authorised as the single-item operation it is.
_TRANSACT_PARTS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Get": "dynamodb:GetItem",
}
TRANSACTIONS = {"TransactWriteItems", "TransactGetItems"}


def transaction_parts(request: Any, region: str, account: str) -> list[tuple[str, str]]:
    """(action, table ARN) of each part of a DynamoDB transaction, as IAM authorises them (the DynamoDB guide's
    "Using IAM with DynamoDB transactions")."""
    parts = []
    for item in _json_body(request).get("TransactItems", []):
        for kind, part in item.items():
            if isinstance(part, dict) and "TableName" in part and kind in _TRANSACT_PARTS:
                parts.append((_TRANSACT_PARTS[kind], f"arn:aws:dynamodb:{region}:{account}:table/{part['TableName']}"))
    return list(dict.fromkeys(parts))


def _sqs(request: Any, prefix: str) -> list[str]:
    url = parameter(request, "QueueUrl")
    if not url:
        name = parameter(request, "QueueName")
        return [f"{prefix}:{name}"] if name else ["*"]
    return [f"{prefix}:{urlparse(url).path.rstrip('/').rsplit('/', 1)[-1]}"]


def _lambda(request: Any, prefix: str) -> list[str]:
    parts = unquote(urlparse(getattr(request, "path", "") or "").path).split("/")
    if "functions" in parts and parts.index("functions") + 1 < len(parts):
        name = parts[parts.index("functions") + 1]
        if name.startswith("arn:"):
            return [name]
        return [f"{prefix}:function:{name}"]
    return ["*"]


def _events(request: Any, operation: str, prefix: str) -> list[str]:
    body = _json_body(request)
    if operation == "PutEvents":
        buses = [entry.get("EventBusName") or "default" for entry in body.get("Entries", [])]
        return [bus if bus.startswith("arn:") else f"{prefix}:event-bus/{bus}" for bus in dict.fromkeys(buses)]
    return ["*"]


def resources(signing_service: str, operation: str, request: Any, region: str, account: str) -> list[str]:
    """The ARNs the request is authorised on ("*" where IAM has no resource for the action)."""
    service = _SERVICE_PREFIX.get(signing_service, signing_service)
    prefix = f"arn:aws:{service}:{region}:{account}"
    if service == "dynamodb":
        return _dynamodb(request, operation, prefix)
    if service == "sqs":
        return _sqs(request, prefix)
    if service == "lambda":
        return _lambda(request, prefix)
    if service == "events":
        return _events(request, operation, prefix)
    if service == "states":
        arn = parameter(request, "stateMachineArn") or parameter(request, "executionArn")
        return [arn] if arn else ["*"]
    if service == "cognito-idp":
        pool = parameter(request, "UserPoolId")
        return [f"{prefix}:userpool/{pool}"] if pool else ["*"]
    if service == "logs":
        group = parameter(request, "logGroupName")
        return [f"{prefix}:log-group:{group}:*"] if group else ["*"]
    return ["*"]
