"""The doctor's checks, each against a hand-made AWS answer (the fakes live here, never in the product)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest

from service.domain.models import FailedMessage, Prediction, SerializedImage
from service.domain.probe import PROBE_DIMENSION, PROBE_MARKER, is_probe
from service.iam.policy import evaluate, statements
from service.ops import doctor
from service.ops.doctor import DeployedStack, ProbeOutcomes, Resource
from service.ops.metrics import metric_summaries
from service.ops.probe_image import probe_png
from service.ops.role_needs import NEEDS, Need
from service.ops.template_file import load_template
from service.pipeline import steps

BUCKET = "intake-bucket"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:pipeline"


def _stack(**resources: Resource) -> DeployedStack:
    return DeployedStack(name="scones", outputs={}, resources=dict(resources), template={"Resources": {}})


# ------------------------------------------------------------------------------------------------ IAM evaluation


def _decide(policies: dict[str, Any], action: str, resource: str, context: dict[str, list[str]] | None = None) -> str:
    """The local roles check's decision, from the role's policies as IAM answers them."""
    return evaluate(statements(policies), action, resource, context).decision


def test_an_allow_statement_matches_actions_case_insensitively_and_resources_by_wildcard() -> None:
    policies = {"p": {"Statement": [{"Effect": "Allow", "Action": "S3:Get*", "Resource": "arn:aws:s3:::b/*"}]}}
    assert _decide(policies, "s3:GetObject", "arn:aws:s3:::b/k.png") == "allowed"
    assert _decide(policies, "s3:GetObject", "arn:aws:s3:::other/k.png") == "implicitDeny"
    assert _decide(policies, "s3:PutObject", "arn:aws:s3:::b/k.png") == "implicitDeny"
    # Resources are case-sensitive (an ARN with another case is another resource).
    assert _decide(policies, "s3:GetObject", "arn:aws:s3:::B/k.png") == "implicitDeny"


def test_an_explicit_deny_wins_and_not_action_excludes() -> None:
    policies = {
        "allow": {"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}},
        "deny": {"Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]},
    }
    assert _decide(policies, "s3:GetObject", "arn:aws:s3:::b/k") == "allowed"
    assert _decide(policies, "iam:PassRole", "arn:aws:iam::1:role/r") == "implicitDeny"
    found = evaluate(statements(policies), "s3:DeleteObject", "arn:aws:s3:::b/k")
    assert found.decision == "explicitDeny" and found.statement is not None and found.statement.policy == "deny"


# The state machine's PutMetricData: no resource, bound to the stack's namespace instead.
METRICS_STATEMENT = {
    "Effect": "Allow",
    "Action": "cloudwatch:PutMetricData",
    "Resource": "*",
    "Condition": {"StringEquals": {"cloudwatch:namespace": "Scones"}},
}


def test_an_allow_with_a_condition_counts_only_for_a_request_that_meets_it() -> None:
    policies = {"p": {"Statement": [METRICS_STATEMENT]}}
    assert _decide(policies, "cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": ["Scones"]}) == "allowed"
    assert _decide(policies, "cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": ["Other"]}) == "implicitDeny"
    # Without the request's context the condition is not met: never allowed on a condition left unchecked.
    assert _decide(policies, "cloudwatch:PutMetricData", "*") == "implicitDeny"


def test_the_local_roles_check_reads_url_encoded_policies_and_passes_the_context() -> None:
    class Iam:
        def get_paginator(self, name: str) -> Any:
            pages = {
                "list_role_policies": [{"PolicyNames": ["inline"]}],
                "list_attached_role_policies": [{"AttachedPolicies": []}],
            }
            return SimpleNamespace(paginate=lambda **_: pages[name])

        def get_role_policy(self, RoleName: str, PolicyName: str) -> dict[str, Any]:  # noqa: N803 (boto3's names)
            return {"PolicyDocument": quote(json.dumps({"Statement": [METRICS_STATEMENT]}))}

    checker = doctor.PolicyEvaluator(Iam())
    role = "arn:aws:iam::1:role/machine"
    assert checker.decide(role, "cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": ["Scones"]}).allowed
    refused = checker.decide(role, "cloudwatch:PutMetricData", "*")
    assert not refused.allowed and refused.detail == "implicitDeny"


# -------------------------------------------------------------------------------------------------- the wiring


class FakeS3:
    def __init__(self, configuration: dict[str, Any]) -> None:
        self.configuration = configuration

    def get_bucket_notification_configuration(self, Bucket: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        return self.configuration


def test_bucket_events_need_the_eventbridge_configuration() -> None:
    assert doctor.check_bucket_events(FakeS3({"EventBridgeConfiguration": {}}), BUCKET).status == "ok"
    missing = doctor.check_bucket_events(FakeS3({"QueueConfigurations": []}), BUCKET)
    assert missing.status == "fail" and BUCKET in missing.detail


class FakeEvents:
    def __init__(self, state: str, pattern: dict[str, Any], target: str = MACHINE) -> None:
        self.state, self.pattern, self.target = state, pattern, target

    def list_targets_by_rule(self, Rule: str) -> dict[str, Any]:  # noqa: N803
        return {"Targets": [{"Id": "t", "Arn": self.target if Rule == "intake-rule" else "arn:other"}]}

    def describe_rule(self, Name: str) -> dict[str, Any]:  # noqa: N803
        return {"Name": Name, "State": self.state, "EventPattern": json.dumps(self.pattern)}


RULES = {
    "ScheduleRule": Resource(type="AWS::Events::Rule", physical_id="schedule-rule"),
    "IntakeRule": Resource(type="AWS::Events::Rule", physical_id="intake-rule"),
}


def _pattern(key: list[Any], bucket: str = BUCKET) -> dict[str, Any]:
    return {"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}, "object": {"key": key}}}


def test_the_rule_must_be_enabled_match_the_bucket_and_target_the_state_machine() -> None:
    stack = _stack(**RULES)
    found, prefix = doctor.check_rule(FakeEvents("ENABLED", _pattern([{"prefix": "in/"}])), stack, MACHINE, BUCKET)
    assert found.status == "ok" and prefix == "in/" and "intake-rule" in found.detail
    disabled, _ = doctor.check_rule(FakeEvents("DISABLED", _pattern([])), stack, MACHINE, BUCKET)
    assert disabled.status == "fail" and "DISABLED" in disabled.detail
    other_bucket, _ = doctor.check_rule(FakeEvents("ENABLED", _pattern([], "x")), stack, MACHINE, BUCKET)
    assert other_bucket.status == "fail"
    untargeted, _ = doctor.check_rule(FakeEvents("ENABLED", _pattern([]), "arn:x"), stack, MACHINE, BUCKET)
    assert untargeted.status == "fail" and "targets the state machine" in untargeted.detail


class FakeCloudWatch:
    def __init__(self, alarms: dict[str, str]) -> None:
        self.alarms = alarms  # name -> state

    def describe_alarms(self, **kwargs: Any) -> dict[str, Any]:
        names = kwargs.get("AlarmNames") or [n for n in self.alarms if n.startswith(kwargs["AlarmNamePrefix"])]
        return {"MetricAlarms": [{"AlarmName": n, "StateValue": self.alarms[n]} for n in names if n in self.alarms]}


def _alarm_stack() -> DeployedStack:
    template = {"Resources": {"A": {"Type": "AWS::CloudWatch::Alarm"}, "B": {"Type": "AWS::CloudWatch::Alarm"}}}
    return DeployedStack(
        name="scones",
        outputs={},
        resources={"A": Resource(type="AWS::CloudWatch::Alarm", physical_id="alarm-a")},
        template=template,
    )


def test_every_declared_alarm_must_exist_by_physical_name_or_cloudformation_naming() -> None:
    ok = doctor.check_alarms(FakeCloudWatch({"alarm-a": "OK", "scones-B-XYZ": "OK"}), _alarm_stack())
    assert ok.status == "ok" and "2 alarms" in ok.detail
    missing = doctor.check_alarms(FakeCloudWatch({"alarm-a": "OK"}), _alarm_stack())
    assert missing.status == "fail" and missing.detail == "missing: B"
    firing = doctor.check_alarms(FakeCloudWatch({"alarm-a": "ALARM", "scones-B-1": "OK"}), _alarm_stack())
    assert firing.status == "warn" and "A" in firing.detail


def test_outputs_the_template_declares_must_all_be_there() -> None:
    outputs = {
        "IntakeBucketName": BUCKET,
        "ResultsTableName": "r",
        "ReviewQueueUrl": "q",
        "FailedQueueUrl": "f",
        "StateMachineArn": MACHINE,
    }
    declared = {"Outputs": {name: {"Value": "x"} for name in [*outputs, "DashboardName"]}}
    stack = DeployedStack(name="scones", outputs=outputs, resources={}, template=declared)
    check, info = doctor.check_outputs(stack)
    assert check.status == "fail" and check.detail == "missing: DashboardName" and info is not None
    stack.outputs.pop("StateMachineArn")
    check, info = doctor.check_outputs(stack)
    assert check.status == "fail" and "StateMachineArn" in check.detail and info is None


class FakeSqs:
    def __init__(self, depths: dict[str, int]) -> None:
        self.depths = depths

    def get_queue_attributes(self, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:  # noqa: N803
        return {
            "Attributes": {
                "ApproximateNumberOfMessages": self.depths[QueueUrl],
                "ApproximateNumberOfMessagesNotVisible": 0,
            }
        }


def test_failures_warn_and_dead_letters_fail() -> None:
    calm = doctor.check_queue_depths(FakeSqs({"f": 0, "d": 0}), "f", "d")
    assert [c.status for c in calm] == ["ok", "ok"]
    busy = doctor.check_queue_depths(FakeSqs({"f": 3, "d": 2}), "f", "d")
    assert [c.status for c in busy] == ["warn", "fail"] and "3 failed" in busy[0].detail


# --------------------------------------------------------------------------------------------------------- roles


class FakeResolver:
    def role_of(self, principal: str) -> str:
        return f"arn:aws:iam::1:role/{principal}Role"

    def arn(self, need: Need) -> str:
        return f"arn:aws:test:::{need.resource}"

    def applies(self, principal: str, need: Need) -> bool:
        return need.when != {"MODE": "off"}


class FakeChecker(doctor.PermissionChecker):
    method = "a test"

    def __init__(self, refused: set[tuple[str, str]]) -> None:
        self.refused = refused

    def decide(
        self, role_arn: str, action: str, resource: str, context: dict[str, list[str]] | None = None
    ) -> doctor.RoleDecision:
        return doctor.RoleDecision(allowed=(role_arn.rsplit("/", 1)[-1], action) not in self.refused)


def test_a_role_that_lacks_an_action_is_named_with_the_action_and_resource() -> None:
    needs = {
        "Fn": (
            Need(actions=("s3:GetObject", "s3:GetObjectVersion"), resource="Bucket", why="reads"),
            Need(actions=("s3:PutObject",), resource="Bucket", when={"MODE": "off"}, why="moot here"),
        )
    }
    stack = _stack(
        Fn=Resource(type="AWS::Lambda::Function", physical_id="fn"),
        Bucket=Resource(type="AWS::S3::Bucket", physical_id="b"),
    )
    resolver: Any = FakeResolver()
    ok = doctor.check_roles(stack, resolver, FakeChecker(set()), needs)
    assert ok.status == "ok" and "2 actions" in ok.detail
    refused = doctor.check_roles(stack, resolver, FakeChecker({("FnRole", "s3:GetObjectVersion")}), needs)
    assert refused.status == "fail"
    assert refused.detail == "Fn (role FnRole) may not: s3:GetObjectVersion on arn:aws:test:::Bucket"
    gone = doctor.check_roles(_stack(), resolver, FakeChecker(set()), needs)
    assert gone.status == "fail" and "Fn: not in the stack" in gone.detail


def test_every_need_names_a_principal_and_a_resource_of_the_template() -> None:
    resources = load_template()["Resources"]
    for principal, needs in NEEDS.items():
        # A rule SAM generates from an event is named <StateMachine><Event>.
        owner = principal if principal in resources else "PipelineStateMachine"
        assert owner in resources, principal
        for need in needs:
            assert need.resource in resources, (principal, need.resource)


# --------------------------------------------------------------------------------------------------------- probe


def _failure() -> FailedMessage:
    return FailedMessage(bucket=BUCKET, key="k", error="AccessDenied", cause="s3:GetObject denied", step="Serialize")


def test_the_probe_needs_exactly_one_outcome_and_a_failure_shows_its_cause() -> None:
    assert doctor._probe_check(ProbeOutcomes(), 90, 90).detail == "no outcome within 90 s"
    assert doctor._probe_check(ProbeOutcomes(results=["bicycle 0.999"]), 3.2, 90).status == "ok"
    assert doctor._probe_check(ProbeOutcomes(reviews=["bicycle 0.6"]), 3.2, 90).status == "ok"
    failed = doctor._probe_check(ProbeOutcomes(failures=[_failure()]), 3.2, 90)
    assert failed.status == "fail" and failed.detail == "failed at Serialize with AccessDenied: s3:GetObject denied"
    twice = doctor._probe_check(ProbeOutcomes(results=["a"], failures=[_failure()]), 3.2, 90)
    assert twice.status == "fail" and twice.detail.startswith("2 outcomes")


def test_the_probe_key_is_reserved_and_under_the_rules_prefix() -> None:
    key = doctor.probe_key("in/")
    assert key.startswith(f"in/{PROBE_MARKER}") and is_probe(key) and not is_probe("in/photo.png")
    assert probe_png().startswith(b"\x89PNG") and probe_png() == probe_png()


def test_a_probe_is_never_drawn_for_an_audit() -> None:
    def image(key: str) -> SerializedImage:
        return SerializedImage(
            bucket=BUCKET,
            key=key,
            version_id="v1",
            format="PNG",
            width=32,
            height=32,
            pixels_png_b64="",
            uploaded_at=datetime(2026, 1, 1, tzinfo=UTC),
        )

    prediction = Prediction(
        label="bicycle", confidence=0.99, probabilities={"bicycle": 0.99, "motorcycle": 0.01}, model_version="m"
    )
    assert steps.decide(image("a.png"), prediction, 0.5, audit_rate=1.0).audit
    probe = steps.decide(image(f"{PROBE_MARKER}a.png"), prediction, 0.5, audit_rate=1.0)
    assert probe.route == "accept" and not probe.audit and probe.review_item is None


class FakeMetrics:
    """Two series of ImagesReceived: the plain one and a probe's."""

    def get_paginator(self, name: str) -> Any:
        series = [
            {"MetricName": "ImagesReceived", "Dimensions": [{"Name": "service", "Value": "scones"}]},
            {
                "MetricName": "ImagesReceived",
                "Dimensions": [{"Name": "service", "Value": "scones"}, {"Name": PROBE_DIMENSION, "Value": "doctor"}],
            },
        ]

        class Paginator:
            def paginate(self, Namespace: str) -> Iterator[dict[str, Any]]:  # noqa: N803
                yield {"Metrics": series}

        return Paginator()

    def get_metric_statistics(self, **kwargs: Any) -> dict[str, Any]:
        probe = any(d["Name"] == PROBE_DIMENSION for d in kwargs["Dimensions"])
        return {"Datapoints": [{"Sum": 100.0 if probe else 2.0, "SampleCount": 2.0}]}


def test_scones_metrics_leaves_the_probes_series_out() -> None:
    assert metric_summaries(FakeMetrics(), "Scones")["ImagesReceived"].sum == 2.0


# ---------------------------------------------------------------------------------------------------- review API


@pytest.fixture
def answering() -> Iterator[Any]:
    servers = []

    def start(status: int) -> str:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(status if self.path == "/api/me" else 404)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()


def test_the_review_api_must_refuse_a_request_without_a_token(answering: Any) -> None:
    assert doctor.check_review_api(answering(401)).status == "ok"
    open_door = doctor.check_review_api(answering(200))
    assert open_door.status == "fail" and "answered 200, not 401" in open_door.detail
    assert doctor.check_review_api("http://127.0.0.1:9/").status == "fail"


class FakeLambda:
    def get_function_configuration(self, FunctionName: str) -> dict[str, Any]:  # noqa: N803
        variables = {"MODEL_BACKEND": "sagemaker", "SAGEMAKER_ENDPOINT_NAME": "scones-endpoint"}
        return {
            "FunctionArn": f"arn:aws:lambda:eu-west-1:123456789012:function:{FunctionName}",
            "Role": f"arn:aws:iam::123456789012:role/{FunctionName}-role",
            "Environment": {"Variables": variables},
        }


def test_the_classify_role_needs_its_endpoint_only_with_the_sagemaker_backend() -> None:
    stack = _stack(ClassifyFunction=Resource(type="AWS::Lambda::Function", physical_id="classify"))
    resolver = doctor.ArnResolver(lambda service: FakeLambda(), stack, "probe.png")
    (need,) = NEEDS["ClassifyFunction"]
    assert resolver.applies("ClassifyFunction", need)
    assert resolver.arn(need) == "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/scones-endpoint"
    assert resolver.role_of("ClassifyFunction") == "arn:aws:iam::123456789012:role/classify-role"
    onnx = need.model_copy(update={"when": {"MODEL_BACKEND": "onnx"}})
    assert not resolver.applies("ClassifyFunction", onnx)
