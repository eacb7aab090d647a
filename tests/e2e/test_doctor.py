"""`scones doctor` against a real local stack: it passes on a fresh one and leaves nothing behind; it fails, naming
the role, once the Serialize function's role has lost its policies."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from service.dal.queues import Queue
from service.domain.probe import PROBE_DIMENSION, PROBE_DIMENSION_VALUE, PROBE_MARKER
from service.local import faults, stack
from service.ops.event_tap import EventTap
from service.ops.template_file import load_template
from tests.e2e.conftest import StackClients
from tests.e2e.test_ingest import aws_cli
from tests.e2e.test_observability import aws_cli as aws_cli_json

EVERY_CHECK = [
    "outputs",
    "bucket events",
    "rule",
    "alarms",
    "roles",
    "review API",
    "event bus",
    "probe",
    "failed queue",
    "rule dead letters",
]


def scones(stack: StackClients, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], env=stack.cli_env(), capture_output=True, text=True, check=False
    )


def doctor(stack: StackClients, *args: str) -> tuple[int, dict[str, dict[str, str]], str]:
    done = scones(stack, "doctor", "--json", *args)
    report = json.loads(done.stdout)
    return done.returncode, {c["name"]: c for c in report["checks"]}, done.stderr


def test_the_local_stack_answers_what_the_doctor_reads_as_aws_does(local_stack: StackClients) -> None:
    """moto left these out (bucket's EventBridge switch, alarms, role policies as JSON); the local stack does not."""
    info = local_stack.info
    configuration = local_stack.s3.get_bucket_notification_configuration(Bucket=info.intake_bucket)
    assert "EventBridgeConfiguration" in configuration
    declared = [k for k, v in load_template()["Resources"].items() if v["Type"] == "AWS::CloudWatch::Alarm"]
    alarms = [a["AlarmName"] for a in local_stack.cloudwatch.describe_alarms()["MetricAlarms"]]
    assert declared and sorted(declared) == sorted(name.split("-")[1] for name in alarms)
    iam: Any = info.client("iam")
    role = next(r["RoleName"] for r in iam.list_roles()["Roles"] if "SerializeFunctionRole" in r["RoleName"])
    names = iam.list_role_policies(RoleName=role)["PolicyNames"]
    documents = [iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"] for n in names]
    assert names and all(isinstance(d, dict) and d["Statement"] for d in documents)


def test_doctor_passes_on_a_fresh_stack_and_leaves_no_trace(local_stack: StackClients, tmp_path: Path) -> None:
    info = local_stack.info
    assert info.event_bus_name
    # A downstream system subscribed to the service's events, as docs/events.md shows.
    with EventTap(info.client("events"), local_stack.sqs, info.event_bus_name) as subscriber:
        status, checks, stderr = doctor(local_stack)
        assert status == 0, (checks, stderr)
        assert list(checks) == EVERY_CHECK
        assert {c["status"] for c in checks.values()} == {"ok"}, checks
        assert checks["probe"]["detail"].startswith("accepted in")
        # The probe's event went out under the doctor's own source: the doctor saw it, the subscriber did not.
        assert checks["probe"]["detail"].endswith("its event published")
        assert subscriber.receive(wait_seconds=2) == []

    for command in (["results", "--json"], ["review", "list", "--json"], ["failed", "list", "--json"]):
        listed = scones(local_stack, *command)
        assert listed.returncode == 0 and listed.stdout.strip() == "", (command, listed.stdout)
    assert local_stack.dynamodb.scan(TableName=info.results_table)["Count"] == 0
    assert info.reviews_table and local_stack.dynamodb.scan(TableName=info.reviews_table)["Count"] == 0
    assert Queue(local_stack.sqs, info.failed_queue_url).depth() == 0
    assert Queue(local_stack.sqs, info.review_queue_url).depth() == 0
    versions = local_stack.s3.list_object_versions(Bucket=info.intake_bucket)
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")
    counted = json.loads(scones(local_stack, "metrics", "--json").stdout)
    assert not {"ImagesReceived", "ImagesClassified", "ImagesAccepted", "ImagesSentToReview"} & counted.keys()
    report = scones(local_stack, "report", "--out", str(tmp_path / "report"))
    shown = "".join(p.read_text(errors="replace") for p in (tmp_path / "report").glob("*.html"))
    assert report.stdout.startswith("0 inferences") and PROBE_MARKER not in shown


def images_received(stack: StackClients, dimensions: list[dict[str, str]]) -> float:
    """ImagesReceived of the series with exactly these dimensions, as a dashboard or an alarm reads it."""
    now = datetime.now(UTC)
    points = stack.cloudwatch.get_metric_statistics(
        Namespace=stack.info.metrics_namespace, MetricName="ImagesReceived", Dimensions=dimensions,
        StartTime=now - timedelta(hours=1), EndTime=now + timedelta(minutes=5), Period=3600, Statistics=["Sum"],
    )["Datapoints"]  # fmt: skip
    return sum(point["Sum"] for point in points)


def test_two_doctor_runs_leave_images_received_unchanged(local_stack: StackClients) -> None:
    """The probe is counted in its own {probe, service} series only; CloudWatch's query for {service} reads
    exactly that series, and so does the local stack (moto would add the probe's)."""
    service = [{"Name": "service", "Value": "scones"}]
    probe = [*service, {"Name": PROBE_DIMENSION, "Value": PROBE_DIMENSION_VALUE}]
    before, probes_before = images_received(local_stack, service), images_received(local_stack, probe)
    for _ in range(2):
        status, checks, stderr = doctor(local_stack)
        assert status == 0, (checks, stderr)
    # Metrics arrive a moment after the outcome: wait until both probes are counted where they belong.
    deadline = time.monotonic() + 30
    while images_received(local_stack, probe) < probes_before + 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert images_received(local_stack, probe) == probes_before + 2
    assert images_received(local_stack, service) == before
    counted = json.loads(scones(local_stack, "metrics", "--json").stdout)
    assert counted.get("ImagesReceived", {}).get("sum", 0) == before


def test_a_probe_that_lands_in_the_failed_queue_fails_with_its_cause_and_is_removed(local_stack: StackClients) -> None:
    state_file = stack.state_file(local_stack.info.port)
    faults.arm(state_file, [faults.Fault(target="Serialize", error="AccessDenied", message="no s3:GetObject")])
    try:
        status, checks, stderr = doctor(local_stack)
    finally:
        faults.disarm(state_file)
    assert status == 1 and stderr.strip() == "Failed: probe."
    assert checks["probe"] == {
        "name": "probe",
        "status": "fail",
        "detail": "failed at Serialize with AccessDenied: no s3:GetObject",
    }
    assert checks["failed queue"]["status"] == "ok"  # measured after the probe's message was removed
    assert scones(local_stack, "failed", "list", "--json").stdout.strip() == ""
    assert Queue(local_stack.sqs, local_stack.info.failed_queue_url).depth() == 0


def test_doctor_fails_naming_the_role_once_serialize_loses_its_policies(local_stack: StackClients) -> None:
    """As an operator would strip the role, with the AWS CLI."""
    roles = aws_cli_json(local_stack, "iam", "list-roles")["Roles"]
    role = next(r["RoleName"] for r in roles if "SerializeFunctionRole" in r["RoleName"])
    for name in aws_cli_json(local_stack, "iam", "list-role-policies", "--role-name", role)["PolicyNames"]:
        aws_cli(local_stack, "iam", "delete-role-policy", "--role-name", role, "--policy-name", name)
    attached = aws_cli_json(local_stack, "iam", "list-attached-role-policies", "--role-name", role)
    for policy in attached["AttachedPolicies"]:
        aws_cli(local_stack, "iam", "detach-role-policy", "--role-name", role, "--policy-arn", policy["PolicyArn"])
    assert not aws_cli_json(local_stack, "iam", "list-role-policies", "--role-name", role)["PolicyNames"]

    status, checks, stderr = doctor(local_stack)
    assert status == 1
    assert checks["roles"]["status"] == "fail"
    assert f"SerializeFunction (role {role}) may not: s3:GetObject, s3:GetObjectVersion on" in checks["roles"]["detail"]
    assert "dynamodb:PutItem" in checks["roles"]["detail"]
    assert "roles" in stderr.removeprefix("Failed: ")
    # The other principals still hold what they need.
    assert "PipelineStateMachine" not in checks["roles"]["detail"]
