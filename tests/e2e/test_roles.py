"""Each function and the state machine hold their own role on the local stack, resources included.

The functions are found on the deployed stack (each with the role the template gives it), never listed here; the
operator's clients (these tests' own, the AWS CLI with any keys) keep full access.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import wait

#: This module strips a role's policies (the last test): the access log is checked by the other modules.
ROLES_CHANGED = True


def functions(stack: StackClients) -> dict[str, str]:
    """Each deployed function's logical id (from the stack) and its role's ARN (from the function)."""
    cloudformation = stack.info.client("cloudformation")
    lambda_client = stack.info.client("lambda")
    resources = cloudformation.list_stack_resources(StackName="scones")["StackResourceSummaries"]
    return {
        r["LogicalResourceId"]: lambda_client.get_function(FunctionName=r["PhysicalResourceId"])["Configuration"][
            "Role"
        ]
        for r in resources
        if r["ResourceType"] == "AWS::Lambda::Function"
    }


def as_role(stack: StackClients, role_arn: str, service: str) -> Any:
    """A client with the role's credentials from the stack's STS, as Lambda gives a function."""
    issued = stack.info.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="test")["Credentials"]
    return boto3.client(
        service,
        endpoint_url=stack.info.endpoint_url,
        region_name=stack.info.region,
        aws_access_key_id=issued["AccessKeyId"],
        aws_secret_access_key=issued["SecretAccessKey"],
        aws_session_token=issued["SessionToken"],
    )


def denied(error: pytest.ExceptionInfo[ClientError]) -> str:
    code = str(error.value.response["Error"]["Code"])
    assert code in {"AccessDenied", "AccessDeniedException", "403"}, code
    return str(error.value.response["Error"].get("Message", ""))


@pytest.fixture(scope="module")
def upload(local_stack: StackClients, samples_dir: Path) -> str:
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key="roles/bike.png", Body=(samples_dir / "bicycle-1.png").read_bytes()
    )
    wait(local_stack, {"roles/bike.png"})
    return "roles/bike.png"


def test_every_function_runs_with_its_own_role(local_stack: StackClients) -> None:
    found = functions(local_stack)
    assert {"SerializeFunction", "ClassifyFunction", "FilterFunction"} <= set(found)
    assert len(set(found.values())) == len(found)


def test_filter_cannot_read_the_bucket(local_stack: StackClients, upload: str) -> None:
    s3 = as_role(local_stack, functions(local_stack)["FilterFunction"], "s3")
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=local_stack.info.intake_bucket, Key=upload)
    assert "s3:GetObject" in denied(error)


def test_serialize_reads_the_bucket_and_tells_denied_from_missing(local_stack: StackClients, upload: str) -> None:
    bucket = local_stack.info.intake_bucket
    serialize = as_role(local_stack, functions(local_stack)["SerializeFunction"], "s3")
    assert serialize.head_object(Bucket=bucket, Key=upload)["ContentLength"] > 0
    with pytest.raises(ClientError) as missing:
        serialize.head_object(Bucket=bucket, Key="roles/no-such-key.png")
    assert missing.value.response["Error"]["Code"] == "404"  # it may list the bucket: "not found"
    # Filter may not list the bucket: S3 answers 403 for a missing key, as for a present one.
    filter_s3 = as_role(local_stack, functions(local_stack)["FilterFunction"], "s3")
    with pytest.raises(ClientError) as hidden:
        filter_s3.head_object(Bucket=bucket, Key="roles/no-such-key.png")
    assert hidden.value.response["Error"]["Code"] == "403"


def test_classify_cannot_write_the_results_table(local_stack: StackClients) -> None:
    dynamodb = as_role(local_stack, functions(local_stack)["ClassifyFunction"], "dynamodb")
    with pytest.raises(ClientError) as error:
        dynamodb.put_item(
            TableName=local_stack.info.results_table, Item={"key": {"S": "forged"}, "upload_id": {"S": "x"}}
        )
    message = denied(error)
    assert "dynamodb:PutItem" in message and local_stack.info.results_table in message


def test_no_function_can_delete_an_upload(local_stack: StackClients, upload: str) -> None:
    for logical_id, role in functions(local_stack).items():
        s3 = as_role(local_stack, role, "s3")
        with pytest.raises(ClientError) as error:
            s3.delete_object(Bucket=local_stack.info.intake_bucket, Key=upload)
        assert "s3:DeleteObject" in denied(error), logical_id
    # Still there, for the operator.
    assert local_stack.s3.head_object(Bucket=local_stack.info.intake_bucket, Key=upload)["ContentLength"] > 0


def test_the_operator_keeps_full_access_with_any_keys(local_stack: StackClients, upload: str) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=local_stack.info.endpoint_url,
        region_name=local_stack.info.region,
        aws_access_key_id="AKIAANYTHINGATALL000",
        aws_secret_access_key="whatever",
    )
    assert s3.get_object(Bucket=local_stack.info.intake_bucket, Key=upload)["ContentLength"] > 0


def test_a_presigned_url_carries_its_role(local_stack: StackClients, upload: str) -> None:
    import requests

    found = functions(local_stack)
    bucket = local_stack.info.intake_bucket
    allowed = as_role(local_stack, found["SerializeFunction"], "s3").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": upload}
    )
    refused = as_role(local_stack, found["FilterFunction"], "s3").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": upload}
    )
    assert requests.get(allowed, timeout=10).status_code == 200
    assert requests.get(refused, timeout=10).status_code == 403


def aws(stack: StackClients, *args: str) -> str:
    cli = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    assert cli, "the AWS CLI is part of the dev extra"
    env = {**stack.cli_env(), "AWS_ACCESS_KEY_ID": "anything", "AWS_SECRET_ACCESS_KEY": "anything"}
    command = [cli, "--endpoint-url", str(stack.info.endpoint_url), "--region", stack.info.region, "--output", "json"]
    return subprocess.run([*command, *args], check=True, env=env, capture_output=True, text=True).stdout


def test_a_role_stripped_with_the_cli_fails_the_next_upload_as_access_denied(
    local_stack: StackClients, samples_dir: Path
) -> None:
    """Last in this module: it leaves Serialize without permissions. The role's current policies are enforced."""
    role = functions(local_stack)["SerializeFunction"].rsplit("/", 1)[-1]
    for name in json.loads(aws(local_stack, "iam", "list-role-policies", "--role-name", role))["PolicyNames"]:
        aws(local_stack, "iam", "delete-role-policy", "--role-name", role, "--policy-name", name)
    attached = json.loads(aws(local_stack, "iam", "list-attached-role-policies", "--role-name", role))
    for policy in attached["AttachedPolicies"]:
        aws(local_stack, "iam", "detach-role-policy", "--role-name", role, "--policy-arn", policy["PolicyArn"])

    bucket = local_stack.info.intake_bucket
    aws(local_stack, "s3", "cp", str(samples_dir / "bicycle-1.png"), f"s3://{bucket}/roles/after-strip.png")
    ledger = wait(local_stack, {"roles/after-strip.png"})

    (outcome,) = ledger.outcomes["roles/after-strip.png"]
    assert outcome.place == "failed" and outcome.failure is not None
    assert outcome.failure.error == "AccessDenied"
    assert outcome.failure.step == "Serialize"
    assert "dynamodb:PutItem" in outcome.failure.cause and "IdempotencyTable" in outcome.failure.cause


def test_put_metric_data_is_allowed_only_into_the_stacks_namespace(local_stack: StackClients) -> None:
    """The template binds PutMetricData (no resource of its own) to the namespace with a condition: the condition
    is evaluated with the request's cloudwatch:namespace, for the state machine's role and the review API's."""
    state_machine = local_stack.stepfunctions.describe_state_machine(
        stateMachineArn=local_stack.info.state_machine_arn
    )["roleArn"]
    datum = [{"MetricName": "ConditionProbe", "Unit": "Count", "Value": 1}]
    for role in (state_machine, functions(local_stack)["ReviewApiFunction"]):
        cloudwatch = as_role(local_stack, role, "cloudwatch")
        cloudwatch.put_metric_data(Namespace="Scones", MetricData=datum)
        with pytest.raises(ClientError) as error:
            cloudwatch.put_metric_data(Namespace="Elsewhere", MetricData=datum)
        assert "cloudwatch:PutMetricData" in denied(error)
    probes = local_stack.cloudwatch.list_metrics(MetricName="ConditionProbe")["Metrics"]
    assert {m["Namespace"] for m in probes} == {"Scones"}
