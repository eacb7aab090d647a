"""infra/template.yaml: what it declares, cfn-lint, the SAM translation, and the metric names it watches."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.domain import metric_names
from service.domain.outcome_events import NOT_PUBLISHED_METRIC
from service.domain.paths import TEMPLATE_PATH
from service.local.template import inline_local_artifacts, translate
from service.ops.template_file import load_template

KNOWN_METRICS = {
    value for name, value in vars(metric_names).items() if name.isupper() and not name.endswith("_DIMENSION")
}
# Written by the state machine's CountUnpublished (and the review desk), not by a handler.
KNOWN_METRICS.add(NOT_PUBLISHED_METRIC)
REGION = "us-east-1"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def _translated(parameters: dict[str, str]) -> dict[str, Any]:
    return translate(inline_local_artifacts(load_template(), TEMPLATE_PATH.parent), parameters, REGION)


def test_cfn_lint_is_clean() -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), str(TEMPLATE_PATH)], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_declares_the_pipeline(template: dict[str, Any]) -> None:
    assert len(_of_type(template, "AWS::S3::Bucket")) == 1
    assert len(_of_type(template, "AWS::Serverless::StateMachine")) == 1
    assert len(_of_type(template, "AWS::Serverless::Function")) == 5
    assert {"ResultsTable", "IdempotencyTable", "ReviewsTable"} == set(_of_type(template, "AWS::DynamoDB::Table"))
    assert {"ReviewQueue", "FailedQueue", "RuleDeadLetterQueue"} <= set(_of_type(template, "AWS::SQS::Queue"))
    assert len(_of_type(template, "AWS::CloudWatch::Dashboard")) == 1
    assert len(_of_type(template, "AWS::CloudWatch::Alarm")) >= 3
    machine = template["Resources"]["PipelineStateMachine"]["Properties"]
    rule = machine["Events"]["ObjectCreated"]
    assert rule["Type"] == "EventBridgeRule"
    assert rule["Properties"]["Pattern"]["source"] == ["aws.s3"]
    assert rule["Properties"]["Pattern"]["detail-type"] == ["Object Created"]
    assert "RetryPolicy" in rule["Properties"] and "DeadLetterConfig" in rule["Properties"]
    assert machine["Tracing"] == {"Enabled": True}
    assert machine["Logging"]["Level"] in {"ERROR", "ALL"}


def test_keeps_the_outputs_the_local_stack_reads(template: dict[str, Any]) -> None:
    assert {
        "IntakeBucketName",
        "ResultsTableName",
        "ReviewQueueUrl",
        "FailedQueueUrl",
        "RuleDeadLetterQueueUrl",
        "StateMachineArn",
        "MetricsNamespace",
    } <= set(template["Outputs"])


def test_functions_run_python312_on_arm64_traced_with_a_retained_log_group(template: dict[str, Any]) -> None:
    globals_function = template["Globals"]["Function"]
    assert globals_function["Runtime"] == "python3.12"
    assert globals_function["Architectures"] == ["arm64"]
    assert globals_function["Tracing"] == "Active"
    assert globals_function["CodeUri"] == "../build/lambda"
    log_groups = {
        json.dumps(r["Properties"]["LogGroupName"]): r["Properties"]
        for r in _of_type(template, "AWS::Logs::LogGroup").values()
    }
    for name, function in _of_type(template, "AWS::Serverless::Function").items():
        props = function["Properties"]
        assert props["MemorySize"] >= 128 and 1 <= props["Timeout"] <= 60
        group = log_groups[json.dumps({"Fn::Sub": f"/aws/lambda/${{{name}}}"})]
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_alarms_notify_an_encrypted_topic_with_an_optional_email(template: dict[str, Any]) -> None:
    topics = _of_type(template, "AWS::SNS::Topic")
    assert len(topics) == 1
    (topic_name, topic), *_ = topics.items()
    key_ref = topic["Properties"]["KmsMasterKeyId"]
    key = template["Resources"][key_ref["Ref"]]
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert any(s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com" for s in statements)
    for alarm in _of_type(template, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_name}]
    (subscription,) = _of_type(template, "AWS::SNS::Subscription").values()
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}


def test_alarms_cover_failures_dead_letters_and_the_review_rate(template: dict[str, Any]) -> None:
    alarms = [a["Properties"] for a in _of_type(template, "AWS::CloudWatch::Alarm").values()]
    watched = {(a.get("Namespace"), a.get("MetricName")) for a in alarms}
    assert ("AWS/States", "ExecutionsFailed") in watched
    # An EXPRESS execution cut off at 5 minutes reaches no Catch: its object would have no outcome.
    assert ("AWS/States", "ExecutionsTimedOut") in watched
    queues = {
        a["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in alarms
        if a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    assert {"FailedQueue", "RuleDeadLetterQueue"} <= queues
    (rate,) = [a for a in alarms if a.get("Threshold") == {"Ref": "ReviewRateAlarmThreshold"}]
    assert rate["Threshold"] == {"Ref": "ReviewRateAlarmThreshold"}
    stats = {m["Id"]: m["MetricStat"]["Metric"]["MetricName"] for m in rate["Metrics"] if "MetricStat" in m}
    assert sorted(stats.values()) == ["ImagesAccepted", "ImagesSentToReview"]
    (returned,) = [m for m in rate["Metrics"] if m.get("ReturnData")]
    assert "/" in returned["Expression"]
    (backlog,) = [a for a in alarms if a.get("Threshold") == {"Ref": "PendingReviewAlarmDays"}]
    watched_age = [m["MetricStat"]["Metric"]["MetricName"] for m in backlog["Metrics"] if "MetricStat" in m]
    assert watched_age == ["OldestPendingReviewAge"]


def _dashboard_body(template: dict[str, Any]) -> dict[str, Any]:
    (dashboard,) = _of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    # Every ${...} stands inside a JSON string: replace it to parse the body as CloudFormation would produce it.
    return json.loads(re.sub(r"\$\{[^}]+\}", "x", body))


def _scones_metrics(template: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, metric name) for every metric in namespace Scones that the dashboard or an alarm refers to."""
    for widget in _dashboard_body(template)["widgets"]:
        for line in widget["properties"].get("metrics", []):
            if isinstance(line[0], str):
                if line[0] == "Scones":
                    yield widget["properties"]["title"], line[1]
            else:
                expression = line[0]["expression"]
                if "{Scones" in expression:
                    for name in re.findall(r'MetricName=\\?"(\w+)', expression):
                        yield widget["properties"]["title"], name
    for name, alarm in _of_type(template, "AWS::CloudWatch::Alarm").items():
        props = alarm["Properties"]
        if props.get("Namespace") == "Scones":
            yield name, props["MetricName"]
        for metric in props.get("Metrics", []):
            stat = metric.get("MetricStat", {}).get("Metric", {})
            if stat.get("Namespace") == "Scones":
                yield name, stat["MetricName"]


def test_every_scones_metric_watched_is_one_the_handlers_emit(template: dict[str, Any]) -> None:
    watched = list(_scones_metrics(template))
    unknown = [(where, name) for where, name in watched if name not in KNOWN_METRICS]
    assert unknown == []
    names = {name for _, name in watched}
    for required in ("ImagesReceived", "ImagesAccepted", "ImagesSentToReview", "Confidence", "InferenceLatency"):
        assert required in names


def test_dashboard_shows_the_pipeline_at_a_glance(template: dict[str, Any]) -> None:
    lines = [
        line
        for widget in _dashboard_body(template)["widgets"]
        for line in widget["properties"].get("metrics", [])
        if isinstance(line[0], str)
    ]
    pairs = {(line[0], line[1]) for line in lines}
    assert ("AWS/States", "ExecutionsFailed") in pairs
    assert ("AWS/States", "ExecutionTime") in pairs
    assert ("AWS/SQS", "NumberOfMessagesSent") in pairs
    latency_stats = {line[-1].get("stat") for line in lines if line[1] == "InferenceLatency"}
    assert {"p50", "p95"} <= latency_stats
    # Dimensions the handlers use: every Scones metric line is dimensioned by service=scones.
    assert all(line[2:4] == ["service", "scones"] for line in lines if line[0] == "Scones")
    # Error codes are a log field, not a metric dimension: one log widget counts them from Serialize's logs.
    (codes,) = [w for w in _dashboard_body(template)["widgets"] if w["type"] == "log"]
    assert "filter message = 'rejected'" in codes["properties"]["query"]
    assert "by error" in codes["properties"]["query"]


def _policies(resource: dict[str, Any]) -> list[dict[str, Any]]:
    return [p["PolicyDocument"] for p in resource["Properties"].get("Policies", [])]


def _statements(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for d in documents for s in d["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


@pytest.mark.parametrize(
    "parameters",
    [
        {},
        {
            "ModelBackend": "sagemaker",
            "SageMakerEndpointName": "scones-endpoint",
            "WorkflowType": "EXPRESS",
            "IntakePrefix": "incoming/",
            "AlarmEmail": "ops@example.com",
            "ConfidenceThreshold": "0.9",
        },
    ],
    ids=["defaults", "sagemaker-express"],
)
def test_translates_with_least_privilege_roles(parameters: dict[str, str]) -> None:
    resources = _translated(parameters)["Resources"]

    serialize = _statements(_policies(resources["SerializeFunctionRole"]))
    reads = [s for s in serialize if all(a.startswith("s3:") for a in _actions(s))]
    assert {a for s in reads for a in _actions(s)} <= {
        "s3:GetObject",
        "s3:ListBucket",  # a deleted object then reads as 404 (ObjectNotFound), not 403
        "s3:GetBucketLocation",
        "s3:GetObjectVersion",
        "s3:GetLifecycleConfiguration",
    }
    assert all("IntakeBucket" in json.dumps(s["Resource"]) for s in reads)
    (claims,) = [s for s in serialize if s not in reads]
    assert claims == {
        "Effect": "Allow",
        "Action": "dynamodb:PutItem",
        "Resource": {"Fn::GetAtt": ["IdempotencyTable", "Arn"]},
    }
    assert _policies(resources["FilterFunctionRole"]) == []
    assert _policies(resources["ClassifyFunctionRole"]) == []
    endpoint_policy = resources["ClassifyInvokeEndpointPolicy"]
    assert endpoint_policy["Condition"] == "UseSageMaker"
    (invoke,) = endpoint_policy["Properties"]["PolicyDocument"]["Statement"]
    assert invoke["Action"] == "sagemaker:InvokeEndpoint" and ":endpoint/" in json.dumps(invoke["Resource"])

    machine = _statements(_policies(resources["PipelineStateMachineRole"]))
    by_action = {a: s for s in machine for a in _actions(s)}
    assert json.dumps(by_action["dynamodb:PutItem"]["Resource"]) == json.dumps(
        [{"Fn::GetAtt": ["ResultsTable", "Arn"]}, {"Fn::GetAtt": ["ReviewsTable", "Arn"]}]
    )
    (backlog_query,) = _statements(_policies(resources["ReviewMetricsFunctionRole"]))
    assert _actions(backlog_query) == ["dynamodb:Query"]
    assert json.dumps(backlog_query["Resource"]) == json.dumps({"Fn::Sub": "${ReviewsTable.Arn}/index/pending-by-age"})
    assert "ReviewQueue" in json.dumps(by_action["sqs:SendMessage"]["Resource"])
    assert "FailedQueue" in json.dumps(by_action["sqs:SendMessage"]["Resource"])
    unscoped = [s for s in machine if s["Resource"] == "*"]
    wildcard = {a for s in unscoped for a in _actions(s)}
    # Only log delivery needs "*" (the CloudWatch Logs delivery APIs take no resource), and counting unpublished
    # outcome events, which PutMetricData scopes by namespace instead.
    assert wildcard and all(a.startswith("logs:") or a == "cloudwatch:PutMetricData" for a in wildcard)
    (put_metric,) = [s for s in unscoped if "cloudwatch:PutMetricData" in _actions(s)]
    assert put_metric["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Scones"}}
    assert by_action["events:PutEvents"]["Resource"] == {"Fn::GetAtt": ["OutcomeBus", "Arn"]}
    invoked = {json.dumps(s["Resource"]) for s in machine if "lambda:InvokeFunction" in _actions(s)}
    assert len(invoked) == 3
    assert "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess" in json.dumps(
        resources["PipelineStateMachineRole"]["Properties"]["ManagedPolicyArns"]
    )
    # The rule has a role of its own that can start this one state machine and nothing else.
    rule_role = _statements(_policies(resources["PipelineStateMachineObjectCreatedRole"]))
    assert rule_role == [
        {"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": "PipelineStateMachine"}}
    ]
    (target,) = resources["PipelineStateMachineObjectCreated"]["Properties"]["Targets"]
    assert target["RoleArn"] == {"Fn::GetAtt": ["PipelineStateMachineObjectCreatedRole", "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["RuleDeadLetterQueue", "Arn"]}

    state_machine = resources["PipelineStateMachine"]["Properties"]
    assert state_machine["StateMachineType"] == {"Ref": "WorkflowType"}
    # EXPRESS workflows keep no execution history: their log destination is the only record of failures.
    assert state_machine["LoggingConfiguration"]["Level"] != "OFF"
    assert state_machine["LoggingConfiguration"]["Destinations"]


def test_samconfig_deploys_this_template_with_its_parameters(template: dict[str, Any]) -> None:
    config = tomllib.loads((TEMPLATE_PATH.parent / "samconfig.toml").read_text(encoding="utf-8"))["default"]
    assert config["global"]["parameters"]["stack_name"] == "scones"
    deploy = config["deploy"]["parameters"]
    assert set(deploy["capabilities"].split()) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
    assert deploy["resolve_s3"] is True and deploy["confirm_changeset"] is True
    overrides = dict(item.split("=", 1) for item in shlex.split(deploy["parameter_overrides"]))
    assert overrides and set(overrides) <= set(template["Parameters"])
    for name, value in overrides.items():
        allowed = template["Parameters"][name].get("AllowedValues")
        assert allowed is None or value in [str(v) for v in allowed], name


def test_sagemaker_endpoint_names_are_lowercase_and_required_with_that_backend(template: dict[str, Any]) -> None:
    # Endpoint ARNs are lowercase: a mixed-case name would make the InvokeEndpoint policy match nothing.
    pattern = re.compile(template["Parameters"]["SageMakerEndpointName"]["AllowedPattern"])
    assert pattern.fullmatch("scones-endpoint-1") and pattern.fullmatch("")
    assert not pattern.fullmatch("Scones-Endpoint") and not pattern.fullmatch("-scones")
    rule = template["Rules"]["SageMakerNeedsAnEndpoint"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "ModelBackend"}, "sagemaker"]}


def test_express_is_the_default_workflow(template: dict[str, Any]) -> None:
    workflow = template["Parameters"]["WorkflowType"]
    assert workflow["Default"] == "EXPRESS"
    assert set(workflow["AllowedValues"]) == {"STANDARD", "EXPRESS"}


def test_the_services_data_outlives_the_stack(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for logical_id in ("IntakeBucket", "ResultsTable", "ReviewsTable", "FailedQueue"):
        assert resources[logical_id]["DeletionPolicy"] == "Retain", logical_id
        assert resources[logical_id]["UpdateReplacePolicy"] == "Retain", logical_id


def test_uploads_are_kept_unless_a_retention_is_chosen(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    assert parameters["UploadRetentionDays"]["Default"] == 0
    assert parameters["UploadInfrequentAccessDays"]["Default"] == 0
    rules = {
        rule["Id"]: rule
        for rule in template["Resources"]["IntakeBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    }
    assert rules["expire-old-versions"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    expire = rules["expire-uploads"]
    assert expire["Status"] == {"Fn::If": ["HasUploadRetention", "Enabled", "Disabled"]}
    assert expire["ExpirationInDays"]["Fn::If"][1] == {"Ref": "UploadRetentionDays"}
    assert template["Conditions"]["HasUploadRetention"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "UploadRetentionDays"}, 0]}]
    }
    (transition,) = rules["infrequent-access"]["Transitions"]
    assert transition["StorageClass"] == "STANDARD_IA"


def test_traces_are_sampled_at_a_parameter_for_the_pipeline_only(template: dict[str, Any]) -> None:
    assert template["Parameters"]["TraceSamplingRate"]["Default"] == 0.05
    (rule,) = _of_type(template, "AWS::XRay::SamplingRule").values()
    sampling = rule["Properties"]["SamplingRule"]
    assert sampling["FixedRate"] == {"Ref": "TraceSamplingRate"}
    assert sampling["ReservoirSize"] == 0
    # Scoped to this stack's state machine, never the account's other services.
    assert sampling["ServiceName"] == {"Fn::GetAtt": ["PipelineStateMachine", "Name"]}
    assert sampling["ServiceType"] == "AWS::StepFunctions::StateMachine"


def test_the_review_desk_is_a_user_pool_an_http_api_with_a_jwt_authorizer_and_one_function(
    template: dict[str, Any],
) -> None:
    (pool,) = _of_type(template, "AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}  # no self sign-up
    assert props["DeletionProtection"] == "ACTIVE" and pool["DeletionPolicy"] == "Retain"
    assert props["UsernameConfiguration"] == {"CaseSensitive": False}
    # The user name is the email itself: an access token's `username` then names the reviewer. As an alias
    # (UsernameAttributes), `username` would be a generated id, and access tokens carry no email.
    assert "UsernameAttributes" not in props and "AliasAttributes" not in props
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12 and all(
        policy[f"Require{kind}"] for kind in ("Lowercase", "Uppercase", "Numbers", "Symbols")
    )
    groups = {g["Properties"]["GroupName"] for g in _of_type(template, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"reviewers", "admins"}
    (client,) = _of_type(template, "AWS::Cognito::UserPoolClient").values()
    assert client["Properties"]["GenerateSecret"] is False
    assert set(client["Properties"]["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}

    (api,) = _of_type(template, "AWS::Serverless::HttpApi").values()
    auth = api["Properties"]["Auth"]
    jwt = auth["Authorizers"][auth["DefaultAuthorizer"]]["JwtConfiguration"]
    assert jwt["issuer"] == {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${ReviewerPool}"}
    assert jwt["audience"] == [{"Ref": "ReviewerPoolClient"}]
    throttling = api["Properties"]["DefaultRouteSettings"]
    assert throttling["ThrottlingBurstLimit"] > 0 and throttling["ThrottlingRateLimit"] > 0
    assert "CorsConfiguration" not in api["Properties"]  # the page is served from the API's own origin

    function = template["Resources"]["ReviewApiFunction"]["Properties"]
    assert function["Handler"] == "handlers.review_api.handler"
    routes = {
        (e["Properties"]["Method"], e["Properties"]["Path"]): e["Properties"].get("Auth", {}).get("Authorizer")
        for e in function["Events"].values()
    }
    api_routes = {
        ("GET", "/api/pending"), ("POST", "/api/next"), ("POST", "/api/renew"), ("POST", "/api/release"),
        ("POST", "/api/resolve"), ("POST", "/api/undo"), ("GET", "/api/image"), ("GET", "/api/me"),
        ("GET", "/api/stats"),
    }  # fmt: skip
    assert {route for route in routes if route[1].startswith("/api/")} == api_routes
    # Only the page's own files are public; every /api/ route takes the default (JWT) authorizer.
    assert {route for route, authorizer in routes.items() if authorizer == "NONE"} == {
        ("GET", "/"),
        ("GET", "/review.js"),
        ("GET", "/review.css"),
        ("GET", "/config.json"),
    }
    assert {"ReviewUrl", "UserPoolId", "UserPoolClientId"} <= template["Outputs"].keys()


def test_the_review_function_may_touch_only_the_desk_s_resources(template: dict[str, Any]) -> None:
    (policy,) = template["Resources"]["ReviewApiFunction"]["Properties"]["Policies"]
    # PutMetricData has no resource in IAM: its one "*" is bound to the stack's namespace instead.
    (metrics,) = [s for s in policy["Statement"] if s["Action"] == "cloudwatch:PutMetricData"]
    assert metrics["Resource"] == "*" and metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Scones"}}
    granted = {
        (action, json.dumps(resource, sort_keys=True))
        for statement in policy["Statement"]
        if statement is not metrics
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        for resource in (statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]])
    }
    text = " ".join(sorted(resource for _, resource in granted))
    for allowed in ("ReviewsTable", "ResultsTable", "ReviewQueue", "IntakeBucket", "OutcomeBus"):
        assert allowed in text
    for other in ("IdempotencyTable", "FailedQueue", "RuleDeadLetterQueue", '"*"'):
        assert other not in text
    assert {action for action, _ in granted if action.startswith("s3:")} == {"s3:GetObject", "s3:GetObjectVersion"}
    assert {action for action, _ in granted if action.startswith("sqs:")} == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
    }
    assert all(not action.endswith("*") for action, _ in granted)


def test_the_state_machine_counts_unpublished_events_on_the_alarmed_metric(template: dict[str, Any]) -> None:
    from service.domain.paths import STATE_MACHINE_PATH

    states = json.loads(STATE_MACHINE_PATH.read_text(encoding="utf-8"))["States"]
    counted = states["CountUnpublished"]["Parameters"]
    assert counted["Namespace"] == "Scones" and counted["MetricData"][0]["MetricName"] == NOT_PUBLISHED_METRIC
    alarm = template["Resources"]["UnpublishedOutcomeEventsAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("Scones", NOT_PUBLISHED_METRIC)
    for publish in ("PublishOutcome", "PublishFailure"):
        assert [c["Next"] for c in states[publish]["Catch"]] == ["CountUnpublished"]
        assert states[publish]["Parameters"]["Entries"][0]["EventBusName"] == "${EventBusName}"
