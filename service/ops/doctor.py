"""`scones doctor`: is a deployed stack (or the local one) wired end to end? Each check is a function of the clients
it reads, so that each can be tested alone; `diagnose` runs them all in order.

What it reads is the stack itself: its CloudFormation outputs, resources and processed template (never a second list
of resources), the bucket, the rule, the alarms, the roles' policies, the queues, and one probe image sent through
the pipeline under the reserved prefix (service/domain/probe.py), whose every trace it removes afterwards.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from service.dal.queues import Queue
from service.dal.results import ResultsTable
from service.dal.reviews import ReviewsTable
from service.dal.stack import StackInfo
from service.domain.models import FailedMessage
from service.domain.outcome_events import PROBE_SOURCE
from service.domain.probe import PROBE_MARKER, is_probe
from service.iam.policy import Statement, evaluate, role_policies, statements
from service.ops.event_tap import EventTap
from service.ops.probe_image import probe_png
from service.ops.role_needs import NEEDS, Need
from service.ops.template_file import parse_template

Status = Literal["ok", "warn", "fail", "skip"]
ClientFactory = Callable[[str], Any]

#: How long the probe may take from upload to outcome (a cold start of each function included).
DEFAULT_PROBE_TIMEOUT = 90.0
#: After the first outcome, how long to keep looking for a second one (there must be exactly one).
SETTLE_SECONDS = 2.0
#: How long the probe's outcome event may take to reach a subscriber once the outcome is written.
EVENT_WAIT_SECONDS = 15.0
#: The failed queue is read through (every message received and made visible again): every few polls only.
FAILED_QUEUE_EVERY = 4
ALARM_TYPE = "AWS::CloudWatch::Alarm"
RULE_TYPE = "AWS::Events::Rule"


class Check(BaseModel):
    name: str
    status: Status
    detail: str


class DoctorReport(BaseModel):
    stack: str
    endpoint_url: str | None
    region: str
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]


class Resource(BaseModel):
    type: str
    physical_id: str


class DeployedStack(BaseModel):
    """A CloudFormation stack as deployed: outputs, resources by logical id, and its processed template."""

    name: str
    outputs: dict[str, str]
    resources: dict[str, Resource]
    template: dict[str, Any]

    @classmethod
    def read(cls, cloudformation: Any, name: str) -> DeployedStack:
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        resources: dict[str, Resource] = {}
        for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=name):
            for summary in page["StackResourceSummaries"]:
                if summary.get("LogicalResourceId") and summary.get("PhysicalResourceId"):
                    resources[summary["LogicalResourceId"]] = Resource(
                        type=summary["ResourceType"], physical_id=summary["PhysicalResourceId"]
                    )
        body = cloudformation.get_template(StackName=name, TemplateStage="Processed")["TemplateBody"]
        template = body if isinstance(body, dict) else parse_template(body)
        return cls(name=name, outputs=outputs, resources=resources, template=dict(template))

    def declared(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.template.get("Resources", {}).items()
            if resource.get("Type") == resource_type
        }


def _error(error: Exception) -> str:
    if isinstance(error, ClientError):
        found = error.response.get("Error", {})
        return f"{found.get('Code', 'Error')}: {found.get('Message', '')}".strip()
    return f"{type(error).__name__}: {error}"


# ------------------------------------------------------------------------------------------------------- wiring


def check_outputs(stack: DeployedStack) -> tuple[Check, StackInfo | None]:
    """Every output the template declares is there, and they name what the tools need."""
    declared = stack.template.get("Outputs", {})
    missing = sorted(k for k, v in declared.items() if k not in stack.outputs and "Condition" not in v)
    try:
        info = StackInfo.from_outputs(endpoint_url=None, region="", outputs=stack.outputs)
    except KeyError as error:
        missing = sorted({*missing, str(error.args[0])})
        info = None
    if missing:
        return Check(name="outputs", status="fail", detail=f"missing: {', '.join(missing)}"), info
    return Check(name="outputs", status="ok", detail=f"{len(stack.outputs)} outputs, as the template declares"), info


def check_bucket_events(s3: Any, bucket: str) -> Check:
    configuration = s3.get_bucket_notification_configuration(Bucket=bucket)
    if "EventBridgeConfiguration" in configuration:
        return Check(name="bucket events", status="ok", detail=f"s3://{bucket} sends its events to EventBridge")
    return Check(
        name="bucket events",
        status="fail",
        detail=f"s3://{bucket} has no EventBridgeConfiguration: uploads start nothing",
    )


def intake_prefix(pattern: dict[str, Any]) -> str:
    """The key prefix the rule's pattern requires ("" when it takes the whole bucket)."""
    for condition in pattern.get("detail", {}).get("object", {}).get("key", []):
        if isinstance(condition, dict) and isinstance(condition.get("prefix"), str):
            return str(condition["prefix"])
    return ""


def _rule_address(physical_id: str) -> tuple[str, dict[str, str]]:
    """A rule's name, and the EventBusName argument when it is on a custom bus (its physical id is "bus|name")."""
    bus, _, name = physical_id.rpartition("|")
    return name, {"EventBusName": bus} if bus else {}


def check_rule(events: Any, stack: DeployedStack, state_machine_arn: str, bucket: str) -> tuple[Check, str]:
    """The stack's rule that targets the state machine is enabled and matches the bucket; returns the prefix it
    requires, under which the probe goes."""
    for _, resource in sorted(stack.resources.items()):
        if resource.type != RULE_TYPE:
            continue
        name, bus_kwargs = _rule_address(resource.physical_id)
        targets = events.list_targets_by_rule(Rule=name, **bus_kwargs)["Targets"]
        if not any(t["Arn"] == state_machine_arn for t in targets):
            continue
        rule = events.describe_rule(Name=name, **bus_kwargs)
        pattern = json.loads(rule.get("EventPattern") or "{}")
        prefix = intake_prefix(pattern)
        if rule.get("State") != "ENABLED":
            return Check(
                name="rule", status="fail", detail=f"{name} is {rule.get('State')}: uploads start nothing"
            ), prefix
        buckets = pattern.get("detail", {}).get("bucket", {}).get("name", [])
        if bucket not in buckets:
            return Check(name="rule", status="fail", detail=f"{name} does not match bucket {bucket}"), prefix
        where = f"keys under {prefix!r}" if prefix else "the whole bucket"
        return Check(name="rule", status="ok", detail=f"{name} enabled, {where} → the state machine"), prefix
    return Check(name="rule", status="fail", detail="no rule of the stack targets the state machine"), ""


def check_alarms(cloudwatch: Any, stack: DeployedStack) -> Check:
    """Every alarm the template declares exists (found by its physical name, else by CloudFormation's naming)."""
    declared = stack.declared(ALARM_TYPE)
    if not declared:
        return Check(name="alarms", status="skip", detail="the template declares no alarm")
    found: dict[str, dict[str, Any]] = {}
    missing = []
    for logical_id, resource in sorted(declared.items()):
        deployed = stack.resources.get(logical_id)
        if deployed is not None:
            alarms = cloudwatch.describe_alarms(AlarmNames=[deployed.physical_id])
        else:
            alarms = cloudwatch.describe_alarms(AlarmNamePrefix=f"{stack.name}-{logical_id}-")
        every = alarms.get("MetricAlarms", []) + alarms.get("CompositeAlarms", [])
        if every:
            found[logical_id] = every[0]
        elif "Condition" not in resource:
            missing.append(logical_id)
    if missing:
        return Check(name="alarms", status="fail", detail=f"missing: {', '.join(missing)}")
    firing = sorted(k for k, a in found.items() if a.get("StateValue") == "ALARM")
    if firing:
        return Check(name="alarms", status="warn", detail=f"{len(found)} alarms; in ALARM: {', '.join(firing)}")
    return Check(name="alarms", status="ok", detail=f"{len(found)} alarms, none firing")


# --------------------------------------------------------------------------------------------------------- roles


class RoleDecision(BaseModel):
    allowed: bool
    detail: str = ""


class PermissionChecker:
    """IAM's own dry run: SimulatePrincipalPolicy with the role as the source of policies (on AWS)."""

    method = "SimulatePrincipalPolicy"

    def __init__(self, iam: Any) -> None:
        self._iam = iam

    def decide(
        self, role_arn: str, action: str, resource: str, context: dict[str, list[str]] | None = None
    ) -> RoleDecision:
        """`context`: the request's condition keys (e.g. cloudwatch:namespace), for statements with a Condition."""
        entries = [
            {"ContextKeyName": key, "ContextKeyValues": values, "ContextKeyType": "stringList"}
            for key, values in (context or {}).items()
        ]
        results = self._iam.simulate_principal_policy(
            PolicySourceArn=role_arn,
            ActionNames=[action],
            ResourceArns=[resource],
            **({"ContextEntries": entries} if entries else {}),
        )["EvaluationResults"]
        decision = results[0]["EvalDecision"] if results else "implicitDeny"
        return RoleDecision(allowed=decision == "allowed", detail=decision)


class PolicyEvaluator(PermissionChecker):
    """The role's identity policies, read from IAM and evaluated here (where no simulator is offered)."""

    method = "the roles' policies, evaluated"

    def __init__(self, iam: Any) -> None:
        super().__init__(iam)
        self._statements: dict[str, list[Statement]] = {}

    def decide(
        self, role_arn: str, action: str, resource: str, context: dict[str, list[str]] | None = None
    ) -> RoleDecision:
        role_name = role_arn.rsplit("/", 1)[-1]
        if role_name not in self._statements:
            self._statements[role_name] = statements(role_policies(self._iam, role_name))
        found = evaluate(self._statements[role_name], action, resource, context)
        return RoleDecision(allowed=found.allowed, detail=found.decision)


class ArnResolver:
    """ARNs of the stack's resources, by logical id, asked of each service (never built from a naming guess)."""

    def __init__(self, clients: ClientFactory, stack: DeployedStack, probe_key: str) -> None:
        self._clients = clients
        self._stack = stack
        self._probe_key = probe_key
        #: Each function's configuration, read once (its role, its ARN and its environment are all asked of it).
        self._functions: dict[str, dict[str, Any]] = {}

    def _partition(self) -> str:
        for resource in self._stack.resources.values():
            if resource.physical_id.startswith("arn:"):
                return resource.physical_id.split(":")[1]
        return "aws"

    def arn(self, need: Need) -> str:
        resource = self._stack.resources[need.resource]
        physical = resource.physical_id
        if resource.type == "AWS::S3::Bucket":
            base = f"arn:{self._partition()}:s3:::{physical}"
            return f"{base}/{self._probe_key}" if need.scope == "objects" else base
        if resource.type == "AWS::DynamoDB::Table":
            table_arn = str(self._clients("dynamodb").describe_table(TableName=physical)["Table"]["TableArn"])
            return f"{table_arn}/index/{need.index}" if need.scope == "index" else table_arn
        if resource.type == "AWS::SQS::Queue":
            attributes = self._clients("sqs").get_queue_attributes(QueueUrl=physical, AttributeNames=["QueueArn"])
            return str(attributes["Attributes"]["QueueArn"])
        if resource.type == "AWS::Lambda::Function":
            configuration = self._function(physical)
            function_arn = str(configuration["FunctionArn"])
            if need.scope == "endpoint" and need.environment:
                _, partition, _, region, account, *_ = function_arn.split(":")
                name = configuration.get("Environment", {}).get("Variables", {}).get(need.environment, "")
                return f"arn:{partition}:sagemaker:{region}:{account}:endpoint/{name.lower()}"
            return function_arn
        if resource.type == "AWS::Events::EventBus":
            return str(self._clients("events").describe_event_bus(Name=physical)["Arn"])
        if physical.startswith("arn:"):
            return physical
        raise ValueError(f"no ARN known for {need.resource} ({resource.type})")

    def _function(self, name: str) -> dict[str, Any]:
        if name not in self._functions:
            self._functions[name] = dict(self._clients("lambda").get_function_configuration(FunctionName=name))
        return self._functions[name]

    def applies(self, principal: str, need: Need) -> bool:
        """Whether a need holds for this deployment (a function's settings may make it moot)."""
        if not need.when:
            return True
        resource = self._stack.resources[principal]
        if resource.type != "AWS::Lambda::Function":
            return True
        variables = self._function(resource.physical_id).get("Environment", {}).get("Variables", {})
        return all(variables.get(name) == value for name, value in need.when.items())

    def role_of(self, principal: str) -> str:
        resource = self._stack.resources[principal]
        if resource.type == "AWS::Lambda::Function":
            return str(self._function(resource.physical_id)["Role"])
        if resource.type == "AWS::StepFunctions::StateMachine":
            machine = self._clients("stepfunctions").describe_state_machine(stateMachineArn=resource.physical_id)
            return str(machine["roleArn"])
        if resource.type == RULE_TYPE:
            name, bus_kwargs = _rule_address(resource.physical_id)
            targets = self._clients("events").list_targets_by_rule(Rule=name, **bus_kwargs)
            roles = [t["RoleArn"] for t in targets["Targets"] if t.get("RoleArn")]
            if roles:
                return str(roles[0])
        raise ValueError(f"no role known for {principal} ({resource.type})")


def check_roles(
    stack: DeployedStack,
    resolver: ArnResolver,
    checker: PermissionChecker,
    needs: dict[str, tuple[Need, ...]] = NEEDS,
) -> Check:
    """Each principal's role allows every action its step needs, on the stack's own resources."""
    denied: list[str] = []
    checked = 0
    roles: set[str] = set()
    for principal, principal_needs in needs.items():
        if principal not in stack.resources:
            denied.append(f"{principal}: not in the stack")
            continue
        role_arn = resolver.role_of(principal)
        refused: list[str] = []
        for need in principal_needs:
            if need.resource not in stack.resources:
                refused.append(f"{need.resource} (not in the stack)")
                continue
            if not resolver.applies(principal, need):
                continue
            resource_arn = resolver.arn(need)
            checked += len(need.actions)
            roles.add(role_arn)
            actions = [a for a in need.actions if not checker.decide(role_arn, a, resource_arn).allowed]
            if actions:
                refused.append(f"{', '.join(actions)} on {resource_arn}")
        if refused:
            denied.append(f"{principal} (role {role_arn.rsplit('/', 1)[-1]}) may not: {'; '.join(refused)}")
    if denied:
        return Check(name="roles", status="fail", detail=" | ".join(denied))
    return Check(
        name="roles",
        status="ok",
        detail=f"{len(roles)} roles allow the {checked} actions their steps need ({checker.method})",
    )


# ---------------------------------------------------------------------------------------------- what it serves


def check_review_api(review_url: str, timeout: float = 10.0) -> Check:
    """The review API answers, and refuses a request without a token (401)."""
    url = f"{review_url.rstrip('/')}/api/me"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        return Check(name="review API", status="fail", detail=f"GET {url}: no answer ({error})")
    if status == 401:
        return Check(name="review API", status="ok", detail=f"GET {url} without a token: 401")
    return Check(name="review API", status="fail", detail=f"GET {url} without a token answered {status}, not 401")


def check_event_bus(events: Any, bus_name: str) -> Check:
    try:
        events.describe_event_bus(Name=bus_name)
    except ClientError as error:
        return Check(name="event bus", status="fail", detail=f"{bus_name}: {_error(error)}")
    return Check(name="event bus", status="ok", detail=f"{bus_name} exists")


def check_queue_depths(sqs: Any, failed_queue_url: str, dead_letter_url: str | None) -> list[Check]:
    """Failures are outcomes (a warning: someone should look); events in the rule's dead-letter queue never
    started the pipeline (a failure: uploads without any outcome)."""
    failed = Queue(sqs, failed_queue_url).depth()
    checks = [
        Check(name="failed queue", status="ok", detail="empty")
        if failed == 0
        else Check(name="failed queue", status="warn", detail=f"{failed} failed images (`scones failed list`)")
    ]
    if dead_letter_url is None:
        checks.append(Check(name="rule dead letters", status="skip", detail="the stack has no rule dead-letter queue"))
    else:
        dead = Queue(sqs, dead_letter_url).depth()
        checks.append(
            Check(name="rule dead letters", status="ok", detail="empty")
            if dead == 0
            else Check(
                name="rule dead letters",
                status="fail",
                detail=f"{dead} upload events could not start the pipeline (`scones backfill` gives them an outcome)",
            )
        )
    return checks


# --------------------------------------------------------------------------------------------------------- probe


class ProbeOutcomes(BaseModel):
    results: list[str] = []
    reviews: list[str] = []
    failures: list[FailedMessage] = []

    @property
    def count(self) -> int:
        return len(self.results) + len(self.reviews) + len(self.failures)


def probe_key(prefix: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{prefix}{PROBE_MARKER}{stamp}-{uuid.uuid4().hex[:8]}.png"


def _probe_outcomes(clients: ClientFactory, info: StackInfo, key: str, failed_queue: bool = True) -> ProbeOutcomes:
    dynamodb = clients("dynamodb")
    found = ProbeOutcomes(
        results=[
            f"{r.label} {r.confidence:.3f} ({r.reason})"
            for r in ResultsTable(dynamodb, info.results_table).for_key(key)
        ]
    )
    if info.reviews_table:
        found.reviews = [
            f"{i.label} {i.confidence:.3f} ({i.reason})"
            for i in ReviewsTable(dynamodb, info.reviews_table).for_key(key)
        ]
    if failed_queue:
        found.failures = [
            FailedMessage.model_validate(body)
            for body in Queue(clients("sqs"), info.failed_queue_url).peek(limit=100_000, wait_seconds=1)
            if body.get("key") == key
        ]
    return found


def run_probe(clients: ClientFactory, info: StackInfo, key: str, timeout: float = DEFAULT_PROBE_TIMEOUT) -> Check:
    """Uploads the probe and waits for its one outcome, and on a stack with an outcome bus for that outcome's event
    (published under the probe's own source, which no subscriber of "scones" sees); removes every trace of the
    probe whatever happens."""
    with contextlib.ExitStack() as opened:
        tap = None
        if info.event_bus_name:
            tap = opened.enter_context(
                EventTap(clients("events"), clients("sqs"), info.event_bus_name, source=PROBE_SOURCE)
            )
        found = _probe_once(clients, info, key, timeout)
        if tap is None or found.status != "ok":
            return found
        return _with_its_event(found, tap, key)


def _with_its_event(found: Check, tap: EventTap, key: str) -> Check:
    deadline = time.monotonic() + EVENT_WAIT_SECONDS
    while time.monotonic() < deadline:
        if any(event.parsed_detail().key == key for event in tap.receive(wait_seconds=1)):
            return found.model_copy(update={"detail": f"{found.detail}; its event published"})
    return Check(
        name="probe",
        status="fail",
        detail=f"{found.detail}, but its outcome event did not arrive on the bus within {EVENT_WAIT_SECONDS:.0f} s",
    )


def _probe_once(clients: ClientFactory, info: StackInfo, key: str, timeout: float) -> Check:
    s3 = clients("s3")
    started = time.monotonic()
    try:
        s3.put_object(Bucket=info.intake_bucket, Key=key, Body=probe_png(), ContentType="image/png")
    except (ClientError, BotoCoreError) as error:
        return Check(name="probe", status="fail", detail=f"upload of s3://{info.intake_bucket}/{key}: {_error(error)}")
    try:
        found = ProbeOutcomes()
        polls = 0
        while time.monotonic() - started < timeout:
            # The tables are read by key at every poll; the failed queue, which is read through, every few.
            found = _probe_outcomes(clients, info, key, failed_queue=polls % FAILED_QUEUE_EVERY == 0)
            polls += 1
            if found.count:
                time.sleep(SETTLE_SECONDS)
                found = _probe_outcomes(clients, info, key)
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        return _probe_check(found, elapsed, timeout)
    finally:
        remove_probe(clients, info, key)


def _probe_check(found: ProbeOutcomes, elapsed: float, timeout: float) -> Check:
    if found.count == 0:
        return Check(name="probe", status="fail", detail=f"no outcome within {timeout:.0f} s")
    if found.count > 1:
        places = [*(f"results: {r}" for r in found.results), *(f"review: {r}" for r in found.reviews)]
        places += [f"failed: {f.error}" for f in found.failures]
        return Check(name="probe", status="fail", detail=f"{found.count} outcomes, not one: {'; '.join(places)}")
    if found.failures:
        failure = found.failures[0]
        return Check(
            name="probe",
            status="fail",
            detail=f"failed at {failure.step} with {failure.error}: {failure.reason}",
        )
    if found.results:
        return Check(name="probe", status="ok", detail=f"accepted in {elapsed:.1f} s: {found.results[0]}")
    return Check(name="probe", status="ok", detail=f"sent to review in {elapsed:.1f} s: {found.reviews[0]}")


def _sweep_probe_messages(queue: Queue) -> int:
    """Deletes every probe's message (this run's and any left by an earlier one); the others stay as they were."""
    held: list[str] = []
    removed = 0
    try:
        for message in queue.receive(visibility_timeout=30, wait_seconds=1):
            if is_probe(str(message.body.get("key", ""))):
                queue.delete(message.receipt_handle)
                removed += 1
            else:
                held.append(message.receipt_handle)
    finally:
        queue.release(held)
    return removed


def remove_probe(clients: ClientFactory, info: StackInfo, key: str) -> None:
    """The probe's records, messages and every S3 version of it. (Its claim, an internal record that no listing
    reads, expires with the claims table's TTL.)"""
    dynamodb = clients("dynamodb")
    for record in ResultsTable(dynamodb, info.results_table).for_key(key):
        dynamodb.delete_item(
            TableName=info.results_table, Key={"key": {"S": key}, "upload_id": {"S": record.upload_id}}
        )
    if info.reviews_table:
        for item in ReviewsTable(dynamodb, info.reviews_table).for_key(key):
            dynamodb.delete_item(
                TableName=info.reviews_table, Key={"key": {"S": key}, "upload_id": {"S": item.upload_id}}
            )
    sqs = clients("sqs")
    _sweep_probe_messages(Queue(sqs, info.review_queue_url))
    _sweep_probe_messages(Queue(sqs, info.failed_queue_url))
    s3 = clients("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=info.intake_bucket, Prefix=key):
        for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            if version["Key"] == key:
                s3.delete_object(Bucket=info.intake_bucket, Key=key, VersionId=version["VersionId"])


# ------------------------------------------------------------------------------------------------------ together


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    """A check that could not run is a failure naming why, never a crash of the whole doctor."""
    try:
        return check()
    except (ClientError, BotoCoreError, KeyError, ValueError) as error:
        return Check(name=name, status="fail", detail=_error(error))


def diagnose(
    clients: ClientFactory,
    stack_name: str,
    region: str,
    endpoint_url: str | None,
    probe_timeout: float = DEFAULT_PROBE_TIMEOUT,
    checker: PermissionChecker | None = None,
    review_url: str | None = None,
) -> DoctorReport:
    """`review_url` is where the review API answers when the stack's outputs cannot say (the local stack serves
    the HTTP API itself, outside its CloudFormation)."""
    report = DoctorReport(stack=stack_name, endpoint_url=endpoint_url, region=region, checks=[])
    try:
        stack = DeployedStack.read(clients("cloudformation"), stack_name)
    except (ClientError, BotoCoreError) as error:
        report.checks.append(Check(name="stack", status="fail", detail=f"{stack_name}: {_error(error)}"))
        return report
    outputs, named = check_outputs(stack)
    report.checks.append(outputs)
    if named is None:
        return report
    info = named.model_copy(update={"endpoint_url": endpoint_url, "region": region})
    review_url = review_url or info.review_url
    bus_name = info.event_bus_name

    checks = report.checks
    checks.append(_guarded("bucket events", lambda: check_bucket_events(clients("s3"), info.intake_bucket)))
    prefix = ""

    def rule() -> Check:
        nonlocal prefix
        found, prefix = check_rule(clients("events"), stack, info.state_machine_arn, info.intake_bucket)
        return found

    checks.append(_guarded("rule", rule))
    checks.append(_guarded("alarms", lambda: check_alarms(clients("cloudwatch"), stack)))
    key = probe_key(prefix)
    roles_checker = checker or (PolicyEvaluator(clients("iam")) if endpoint_url else PermissionChecker(clients("iam")))
    checks.append(_guarded("roles", lambda: check_roles(stack, ArnResolver(clients, stack, key), roles_checker)))
    if review_url:
        checks.append(_guarded("review API", lambda: check_review_api(str(review_url))))
    if bus_name:
        checks.append(_guarded("event bus", lambda: check_event_bus(clients("events"), str(bus_name))))
    checks.append(_guarded("probe", lambda: run_probe(clients, info, key, probe_timeout)))
    try:
        checks += check_queue_depths(clients("sqs"), info.failed_queue_url, info.rule_dead_letter_queue_url)
    except (ClientError, BotoCoreError) as error:
        checks.append(Check(name="queues", status="fail", detail=_error(error)))
    return report
