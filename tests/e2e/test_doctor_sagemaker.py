"""With ModelBackend=sagemaker, the Classify role must be able to ask its endpoint: the template's conditional
policy grants it (the doctor checks it, with resource matching), and without that policy the doctor says so."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import StackClients
from tests.e2e.test_doctor import doctor

STACK_PARAMETERS = {"ModelBackend": "sagemaker", "SageMakerEndpointName": "scones-endpoint"}


def test_the_classify_role_is_checked_against_its_endpoint(local_stack: StackClients) -> None:
    # No endpoint exists locally, so the probe cannot succeed here: only the roles are in question.
    _, checks, _ = doctor(local_stack, "--timeout", "1")
    assert checks["roles"]["status"] == "ok" and "6 roles allow the 27 actions" in checks["roles"]["detail"]

    iam: Any = local_stack.info.client("iam")
    role = next(r["RoleName"] for r in iam.list_roles()["Roles"] if "ClassifyFunctionRole" in r["RoleName"])
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role, PolicyName=name)
    status, checks, _ = doctor(local_stack, "--timeout", "1")
    assert status == 1 and checks["roles"]["status"] == "fail"
    endpoint = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/scones-endpoint"
    assert (
        checks["roles"]["detail"] == f"ClassifyFunction (role {role}) may not: sagemaker:InvokeEndpoint on {endpoint}"
    )
