"""Deploys infra/template.yaml into the local stack's CloudFormation, then applies what moto's CloudFormation skips."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3

from service.dal.stack import DEFAULT_STACK_NAME, StackInfo
from service.local import cognito
from service.local.alarms import create_alarms
from service.local.template import local_cloudformation_template

STACK_NAME = DEFAULT_STACK_NAME


def _substitute_definitions(template: dict[str, Any]) -> dict[str, Any]:
    """moto's CloudFormation ignores DefinitionSubstitutions: splice the values in with an equivalent Fn::Join.

    (Not Fn::Sub: moto evaluates it with string.Template, which would turn the context paths "$$.Execution.Id"
    into "$.Execution.Id".)
    """
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::StepFunctions::StateMachine":
            continue
        props = resource["Properties"]
        substitutions = props.pop("DefinitionSubstitutions", None) or {}
        definition = props["DefinitionString"]
        if isinstance(definition, dict) and "Fn::Join" in definition:
            # The translator writes the definition as a Fn::Join of its lines.
            separator, lines = definition["Fn::Join"]
            definition = separator.join(lines)
        pieces = re.split(r"\$\{([A-Za-z0-9_]+)\}", definition)
        # re.split alternates literal text and captured names.
        parts = [
            piece if i % 2 == 0 else substitutions.get(piece, "${" + piece + "}") for i, piece in enumerate(pieces)
        ]
        props["DefinitionString"] = {"Fn::Join": ["", parts]}
    return template


def _buckets(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The properties of every bucket the template declares, by logical id."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::S3::Bucket"
    }


def _apply_bucket_properties(s3: Any, bucket: str, properties: dict[str, Any]) -> None:
    """What moto's CloudFormation leaves out of a bucket, from the template's own properties: the EventBridge
    switch, and versioning (without it every object's version id is "null", and the claims would be keyed on
    something else than on AWS)."""
    if "EventBridgeConfiguration" in properties.get("NotificationConfiguration", {}):
        # The template's property is the switch; its (empty) content is what S3 takes.
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
    status = properties.get("VersioningConfiguration", {}).get("Status")
    if status:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})


#: Resources the local stack provides itself: the user pool (service/local/cognito.py, before the rest deploys) and
#: the HTTP API, which moto cannot run: the local review server plays its part (service/local/http_api.py).
SERVED_LOCALLY = ("AWS::Cognito::", "AWS::ApiGatewayV2::")


def without_served_locally(template: dict[str, Any]) -> dict[str, Any]:
    """The template without SERVED_LOCALLY resources, what refers to them (the API's invoke permissions) and the
    outputs that name them."""
    resources = template["Resources"]
    # Each resource's text once, not once per dropped name and round.
    texts = {name: json.dumps(resource) for name, resource in resources.items()}
    dropped = {name for name, r in resources.items() if r["Type"].startswith(SERVED_LOCALLY)}
    while True:
        more = {
            name
            for name, text in texts.items()
            if name not in dropped and any(_refers_to(text, other) for other in dropped)
        }
        if not more:
            break
        dropped |= more
    template["Resources"] = {name: r for name, r in resources.items() if name not in dropped}
    outputs = template.get("Outputs", {})
    template["Outputs"] = {
        name: o for name, o in outputs.items() if not any(_refers_to(json.dumps(o), other) for other in dropped)
    }
    return template


def _refers_to(text: str, name: str) -> bool:
    """Whether a node's JSON text refers to the resource `name` (Ref, Fn::GetAtt, or ${name} in an Fn::Sub)."""
    return any(
        pattern in text
        for pattern in (
            f'{{"Ref": "{name}"}}',
            f'"Fn::GetAtt": ["{name}"',
            f'"Fn::GetAtt": "{name}.',
            f"${{{name}}}",
            f"${{{name}.",
        )
    )


def provision(
    endpoint_url: str, region: str, parameters: dict[str, str] | None = None, template_path: Path | None = None
) -> tuple[StackInfo, dict[str, str], list[dict[str, Any]]]:
    """Deploys the stack; returns its outputs, every resource's id (physical id, or the pool's and the app
    client's) by logical id, and the deployed stack's resource summaries (ListStackResources)."""
    parameters = parameters or {}
    template = _substitute_definitions(local_cloudformation_template(parameters, region, template_path))
    session = boto3.session.Session(region_name=region)
    ids = cognito.create_from_template(
        template,
        session.client("cognito-idp", endpoint_url=endpoint_url),
        {"AWS::StackName": STACK_NAME, "AWS::Region": region},
    )
    template = without_served_locally(cognito.replace_refs(template, ids))
    cloudformation = session.client("cloudformation", endpoint_url=endpoint_url)
    cloudformation.create_stack(
        StackName=STACK_NAME,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    stack = cloudformation.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
    if stack["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"local stack did not deploy: {stack['StackStatus']} {stack.get('StackStatusReason')}")

    resources = cloudformation.list_stack_resources(StackName=STACK_NAME)["StackResourceSummaries"]
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in resources
        if "LogicalResourceId" in r and "PhysicalResourceId" in r
    }
    s3 = session.client("s3", endpoint_url=endpoint_url)
    for logical_id, properties in _buckets(template).items():
        _apply_bucket_properties(s3, physical[logical_id], properties)
    _register_for_execution(region)
    create_alarms(session.client("cloudwatch", endpoint_url=endpoint_url), template, STACK_NAME, region)
    return stack_info(endpoint_url, region), {**physical, **ids}, resources


def _register_for_execution(region: str) -> None:
    """moto keeps executable state machines in a second backend that its CloudFormation does not write to:
    register the deployed definitions there, under the same names (hence the same ARNs)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.stepfunctions.models import stepfunctions_backends
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    deployed = stepfunctions_backends[DEFAULT_ACCOUNT_ID][region]
    executable = stepfunctions_parser_backends[DEFAULT_ACCOUNT_ID][region]
    known = {machine.arn for machine in executable.state_machines}
    for machine in deployed.state_machines:
        if machine.arn not in known:
            executable.create_state_machine(
                name=machine.name,
                definition=machine.definition,
                roleArn=machine.roleArn,
                sm_type=machine.type,
            )


def stack_info(endpoint_url: str, region: str) -> StackInfo:
    """Reads the resource names from the deployed stack's outputs (the template declares them)."""
    return StackInfo.describe(STACK_NAME, region, endpoint_url=endpoint_url)


def function_environment(endpoint_url: str, region: str) -> dict[str, str]:
    """The environment the template gives the functions (resolved by CloudFormation), for in-process handlers."""
    lambda_client = boto3.client("lambda", endpoint_url=endpoint_url, region_name=region)
    merged: dict[str, str] = {}
    for function in lambda_client.list_functions()["Functions"]:
        variables = function.get("Environment", {}).get("Variables", {})
        merged.update({name: str(value) for name, value in variables.items()})
    # Each function names its own service; in one process they share the product's name.
    merged["POWERTOOLS_SERVICE_NAME"] = "scones"
    return merged
