"""infra/template.yaml, read and translated for the local stack: the one source of truth for resources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from service.domain.paths import TEMPLATE_PATH
from service.ops.template_file import load_template

# Managed policies the template may name; the translator only needs their ARNs, and must work offline.
_MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    "AWSXRayDaemonWriteAccess": "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
}


class _OfflinePolicyLoader:
    def load(self) -> dict[str, str]:
        return dict(_MANAGED_POLICIES)


def inline_local_artifacts(template: dict[str, Any], base: Path) -> dict[str, Any]:
    """Replace file references the translator cannot resolve offline.

    The state machine definition is read from its file (the same file AWS deploys); function code is not needed
    locally because the handlers run in-process, so a placeholder stands in for the artifact.
    """
    resources = template.get("Resources", {})
    for resource in resources.values():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
            definition_path = base / props.pop("DefinitionUri")
            props["Definition"] = json.loads(definition_path.read_text(encoding="utf-8"))
        if resource.get("Type") == "AWS::Serverless::Function":
            props.pop("CodeUri", None)
            props["InlineCode"] = "# runs in-process in the local stack\n"
    globals_function = template.get("Globals", {}).get("Function", {})
    globals_function.pop("CodeUri", None)
    return template


def translate(template: dict[str, Any], parameters: dict[str, str], region: str) -> dict[str, Any]:
    """SAM → plain CloudFormation, with aws-sam-translator (the same transform AWS applies)."""
    import os

    from samtranslator.translator.transform import transform

    # The translator looks the region up from the environment (ARN partitions).
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    return transform(template, parameters, _OfflinePolicyLoader())


def local_cloudformation_template(
    parameters: dict[str, str], region: str, template_path: Path | None = None
) -> dict[str, Any]:
    """The template (infra/template.yaml, or a copy of it beside it) translated to plain CloudFormation."""
    path = template_path or TEMPLATE_PATH
    template = inline_local_artifacts(load_template(path), path.parent)
    return translate(template, parameters, region)
