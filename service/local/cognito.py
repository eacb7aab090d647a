"""The template's user pool, its groups and its app client, created in the local stack's Cognito.

moto's CloudFormation has no Cognito resources (it would skip them with a warning), so they are created here
through moto's cognito-idp API, from the template's own resource properties (CloudFormation's property names are
the API's parameter names, but for the pool's name), and every `Ref` to them in the rest of the template is
replaced by the id the pool or the client got, before the rest deploys.
"""

from __future__ import annotations

import re
from typing import Any

POOL, GROUP, CLIENT = "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolGroup", "AWS::Cognito::UserPoolClient"
COGNITO_TYPES = (POOL, GROUP, CLIENT)


class TemplateError(RuntimeError):
    """A property the local stack cannot evaluate."""


def _resolve(value: Any, refs: dict[str, str]) -> Any:
    """Evaluates the few intrinsics the Cognito resources use: Ref and Fn::Sub of known names."""
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            if argument not in refs:
                raise TemplateError(f"Ref to {argument!r}, which the local stack cannot resolve here.")
            return refs[argument]
        if function == "Fn::Sub" and isinstance(argument, str):

            def substitute(match: re.Match[str]) -> str:
                name = match.group(1)
                if name not in refs:
                    raise TemplateError(f"${{{name}}} in a Cognito resource, which the local stack cannot resolve.")
                return refs[name]

            return re.sub(r"\$\{([A-Za-z0-9_:.]+)\}", substitute, argument)
    if isinstance(value, dict):
        return {k: _resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, refs) for v in value]
    return value


def create_from_template(template: dict[str, Any], cognito: Any, refs: dict[str, str]) -> dict[str, str]:
    """Creates the template's pools, then their groups and clients; returns their ids by logical id.

    `refs` resolves the template's parameters and pseudo parameters (AWS::StackName, AWS::Region).
    """
    resources = template["Resources"]
    created: dict[str, str] = {}
    for wanted in COGNITO_TYPES:
        for logical_id, resource in resources.items():
            if resource["Type"] != wanted:
                continue
            properties = _resolve(resource.get("Properties", {}), {**refs, **created})
            if wanted == POOL:
                name = properties.pop("UserPoolName", logical_id)
                pool = cognito.create_user_pool(PoolName=name, **properties)["UserPool"]
                created[logical_id] = pool["Id"]
            elif wanted == GROUP:
                cognito.create_group(**properties)
                created[logical_id] = properties["GroupName"]
            else:
                created[logical_id] = cognito.create_user_pool_client(**properties)["UserPoolClient"]["ClientId"]
    return created


def replace_refs(value: Any, ids: dict[str, str]) -> Any:
    """The template with every `Ref` to a created resource (and `${Name}` in an Fn::Sub) replaced by its id."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in ids:
            return ids[value["Ref"]]
        if set(value) == {"Fn::Sub"}:
            argument = value["Fn::Sub"]
            if isinstance(argument, str):
                return {"Fn::Sub": _sub_ids(argument, ids)}
            if isinstance(argument, list):
                return {"Fn::Sub": [_sub_ids(argument[0], ids), replace_refs(argument[1], ids)]}
        return {k: replace_refs(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_refs(v, ids) for v in value]
    return value


def _sub_ids(text: str, ids: dict[str, str]) -> str:
    return re.sub(r"\$\{([A-Za-z0-9_]+)\}", lambda m: ids.get(m.group(1), m.group(0)), text)
