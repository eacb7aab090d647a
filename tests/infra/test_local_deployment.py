"""The template, translated by aws-sam-translator and deployed into the local stack's CloudFormation, runs an image."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.local import stack
from service.local.provision import STACK_NAME

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "bicycle-1.png"


class Deployment:
    def __init__(self, info: stack.LocalStackStatus) -> None:
        self.info = info
        self.cloudformation: Any = info.client("cloudformation")
        self.cloudwatch: Any = info.client("cloudwatch")
        self.logs: Any = info.client("logs")
        self.awslambda: Any = info.client("lambda")
        self.s3: Any = info.client("s3")
        self.dynamodb: Any = info.client("dynamodb")
        self.sqs: Any = info.client("sqs")

    def outputs(self) -> dict[str, str]:
        (found,) = self.cloudformation.describe_stacks(StackName=STACK_NAME)["Stacks"]
        return {o["OutputKey"]: o["OutputValue"] for o in found["Outputs"]}

    def resources(self) -> dict[str, dict[str, str]]:
        summaries = self.cloudformation.list_stack_resources(StackName=STACK_NAME)["StackResourceSummaries"]
        return {r["LogicalResourceId"]: r for r in summaries}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCONES_STATE_DIR", str(tmp_path_factory.mktemp("state")))
        port = stack.free_port()
        try:
            yield Deployment(stack.up(port, ephemeral=True))
        finally:
            stack.down(port)


def test_outputs_and_resources_are_deployed(deployment: Deployment) -> None:
    outputs = deployment.outputs()
    assert outputs["IntakeBucketName"] == deployment.info.intake_bucket
    assert outputs["MetricsNamespace"] == "Scones"
    resources = deployment.resources()
    for logical_id in (
        "IntakeBucket",
        "ResultsTable",
        "ReviewQueue",
        "FailedQueue",
        "RuleDeadLetterQueue",
        "SerializeFunction",
        "ClassifyFunction",
        "FilterFunction",
        "PipelineStateMachine",
        "PipelineStateMachineObjectCreated",
        "Dashboard",
        "AlarmTopic",
        "AlarmTopicKey",
    ):
        assert logical_id in resources, logical_id


def test_each_function_has_its_log_group_with_retention(deployment: Deployment) -> None:
    functions = [f["FunctionName"] for f in deployment.awslambda.list_functions()["Functions"]]
    assert len(functions) == 5
    groups = {
        g["logGroupName"]: g.get("retentionInDays")
        for g in deployment.logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
    }
    assert {f"/aws/lambda/{name}": 30 for name in functions}.items() <= groups.items()


def test_dashboard_body_resolves_to_the_deployed_resources(deployment: Deployment) -> None:
    name = deployment.outputs()["DashboardName"]
    body = deployment.cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"]
    assert "${" not in body
    widgets = json.loads(body)["widgets"]
    lines = [line for w in widgets for line in w["properties"].get("metrics", []) if isinstance(line[0], str)]
    assert ["AWS/States", "ExecutionsFailed", "StateMachineArn", deployment.info.state_machine_arn] in [
        line[:4] for line in lines
    ]
    failed_queue_name = deployment.info.failed_queue_url.rsplit("/", 1)[1]
    assert any(line[:4] == ["AWS/SQS", "NumberOfMessagesSent", "QueueName", failed_queue_name] for line in lines)
    assert {w["properties"]["region"] for w in widgets} == {deployment.info.region}


def test_an_uploaded_image_ends_in_the_results_table_or_the_review_queue(deployment: Deployment) -> None:
    key = f"infra check/{uuid.uuid4().hex} bicycle.png"
    deployment.s3.put_object(Bucket=deployment.info.intake_bucket, Key=key, Body=SAMPLE.read_bytes())
    deadline = time.monotonic() + 60
    where = None
    while where is None and time.monotonic() < deadline:
        found = deployment.dynamodb.query(
            TableName=deployment.info.results_table,
            KeyConditionExpression="#k = :k",
            ExpressionAttributeNames={"#k": "key"},
            ExpressionAttributeValues={":k": {"S": key}},
        )
        if found["Items"]:
            where = "results"
            break
        messages = deployment.sqs.receive_message(
            QueueUrl=deployment.info.review_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        if any(json.loads(m["Body"]).get("key") == key for m in messages):
            where = "review"
            break
        failed = deployment.sqs.receive_message(
            QueueUrl=deployment.info.failed_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", [])
        bodies = [json.loads(m["Body"]) for m in failed]
        assert not [b for b in bodies if b.get("key") == key], f"the image failed: {bodies}"
    assert where in {"results", "review"}, f"{key!r} reached neither the results table nor the review queue"


def test_the_local_stack_runs_the_templates_express_definition(deployment: Deployment) -> None:
    """The same definition, with the same type: what the e2e tests exercise is what AWS runs by default."""
    from service.domain.paths import STATE_MACHINE_PATH

    sfn: Any = deployment.info.client("stepfunctions")
    described = sfn.describe_state_machine(stateMachineArn=deployment.info.state_machine_arn)
    assert described["type"] == "EXPRESS"
    deployed = json.loads(described["definition"])
    shipped = json.loads(STATE_MACHINE_PATH.read_text(encoding="utf-8"))
    assert deployed["States"].keys() == shipped["States"].keys()
    for name, state in shipped["States"].items():
        assert deployed["States"][name].get("TimeoutSeconds") == state.get("TimeoutSeconds"), name
        assert deployed["States"][name].get("Retry") == state.get("Retry"), name


def test_the_user_pool_is_built_from_the_template(deployment: Deployment) -> None:
    """moto's CloudFormation has no Cognito resources: the local stack creates them from the template's own
    properties, and the HTTP API's part is played by the local review server (`review_url`)."""
    from service.ops.template_file import load_template

    resources = load_template()["Resources"]
    idp: Any = deployment.info.client("cognito-idp")
    pool = idp.describe_user_pool(UserPoolId=deployment.info.user_pool_id)["UserPool"]
    declared = resources["ReviewerPool"]["Properties"]
    assert pool["Name"] == f"{STACK_NAME}-reviewers"
    assert pool["Policies"]["PasswordPolicy"] == declared["Policies"]["PasswordPolicy"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=deployment.info.user_pool_id)["Groups"]}
    assert groups == {"reviewers", "admins"}
    client = idp.describe_user_pool_client(
        UserPoolId=deployment.info.user_pool_id, ClientId=deployment.info.user_pool_client_id
    )["UserPoolClient"]
    assert client["ExplicitAuthFlows"] == resources["ReviewerPoolClient"]["Properties"]["ExplicitAuthFlows"]
    # The function's environment names the client the pool gave, not a template reference.
    environments = [
        f.get("Environment", {}).get("Variables", {}) for f in deployment.awslambda.list_functions()["Functions"]
    ]
    assert {"USER_POOL_CLIENT_ID": deployment.info.user_pool_client_id}.items() <= next(
        e for e in environments if "USER_POOL_CLIENT_ID" in e
    ).items()
    assert deployment.info.review_url and deployment.info.review_url.startswith("http://127.0.0.1:")
