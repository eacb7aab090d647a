"""Every outcome is an event on the stack's bus, as a subscriber sees it: a rule of their own on `event_bus_name`
with an SQS queue as its target, made with boto3 exactly as with `aws events put-rule` / `put-targets`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.domain.outcome_events import (
    IMAGE_ACCEPTED,
    IMAGE_FAILED,
    IMAGE_REVIEW_UNDONE,
    IMAGE_REVIEWED,
    IMAGE_SENT_TO_REVIEW,
    OutcomeEvent,
    outcome_id,
)
from service.local import faults, stack
from testkit.corpus import encode
from tests.e2e.conftest import StackClients
from tests.e2e.test_cli import scones
from tests.e2e.test_duplicates import executions_for
from tests.e2e.test_faults import failed_attempts
from tests.e2e.test_pipeline import wait
from tests.event_examples import EVENTS_PAGE, capture, load_examples, stable_part
from tests.neither import car, noise
from tests.outcome_bus import TARGET_ID, subscribe, unpublished_count

# Confident photos are accepted; the drawn car and the noise are unrecognised; broken files fail.
STACK_PARAMETERS = {"AuditRate": "0"}


class Subscriber:
    """A downstream system's subscription: its own queue and a rule on the stack's bus."""

    def __init__(self, stack: StackClients, name: str) -> None:
        self.events: Any = stack.info.client("events")
        self.sqs = stack.sqs
        bus = stack.info.event_bus_name
        assert bus, "status --json names the bus"
        self.bus = bus
        self.name = name
        self.queue_url = subscribe(self.events, self.sqs, bus, name)
        self.seen: list[OutcomeEvent] = []

    def drain(self, settle: float = 3.0, until: int = 0, timeout: float = 60.0) -> list[OutcomeEvent]:
        """Everything delivered: at least `until` events, then nothing new for `settle` seconds."""
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            for message in messages:
                self.seen.append(OutcomeEvent.model_validate_json(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            if messages:
                quiet_since = time.monotonic()
            elif len(self.seen) >= until and time.monotonic() - quiet_since >= settle:
                break
            else:
                time.sleep(0.2)
        return self.seen

    def close(self) -> None:
        self.events.remove_targets(Rule=self.name, EventBusName=self.bus, Ids=[TARGET_ID])
        self.events.delete_rule(Name=self.name, EventBusName=self.bus)
        self.sqs.delete_queue(QueueUrl=self.queue_url)


@pytest.fixture
def subscriber(local_stack: StackClients, request: pytest.FixtureRequest) -> Iterator[Subscriber]:
    found = Subscriber(local_stack, f"downstream-{request.node.name[:40].replace('[', '-').replace(']', '')}")
    yield found
    found.close()


def by_key(events: list[OutcomeEvent]) -> dict[str, list[OutcomeEvent]]:
    found: dict[str, list[OutcomeEvent]] = {}
    for event in events:
        found.setdefault(str(event.detail["key"]), []).append(event)
    return found


def test_each_upload_gives_exactly_one_outcome_event(
    local_stack: StackClients, subscriber: Subscriber, samples_dir: Path
) -> None:
    bucket = local_stack.info.intake_bucket
    uploads = {
        "events/bicycle one.png": (samples_dir / "bicycle-1.png").read_bytes(),
        "events/motorcycle+two.png": (samples_dir / "motorcycle-2.png").read_bytes(),
        "events/ünïcödé car.png": encode(car(seed=3), "PNG"),
        "events/noise.png": encode(noise((1200, 900), seed=5), "PNG"),
        "events/broken.jpg": (samples_dir / "broken.jpg").read_bytes(),
        "events/notes.png": (samples_dir / "notes.png").read_bytes(),
    }
    for key, body in uploads.items():
        local_stack.s3.put_object(Bucket=bucket, Key=key, Body=body)
    ledger = wait(local_stack, set(uploads))
    events = subscriber.drain(until=len(uploads))

    seen = by_key(events)
    assert set(seen) == set(uploads)
    assert all(len(found) == 1 for found in seen.values()), {k: len(v) for k, v in seen.items()}
    places = {IMAGE_ACCEPTED: "results", IMAGE_SENT_TO_REVIEW: "review", IMAGE_FAILED: "failed"}
    for key, (event,) in seen.items():
        (outcome,) = ledger.outcomes[key]
        assert places[event.detail_type] == outcome.place, key
        detail = event.parsed_detail()
        assert (detail.bucket, detail.key) == (bucket, key)
        head = local_stack.s3.head_object(Bucket=bucket, Key=key)
        assert detail.version_id == head["VersionId"]
        assert detail.outcome_id == outcome_id(bucket, key, detail.upload_id, event.detail_type)
        if outcome.record is not None:
            assert detail.upload_id == outcome.record.upload_id
            assert detail.model_version == outcome.record.model_version
    assert seen["events/broken.jpg"][0].detail["error"] == "CorruptImage"
    assert seen["events/broken.jpg"][0].detail["step"] == "Serialize"
    assert seen["events/notes.png"][0].detail["error"] == "NotAnImage"
    assert seen["events/ünïcödé car.png"][0].detail_type == IMAGE_SENT_TO_REVIEW
    assert seen["events/ünïcödé car.png"][0].detail["reason"] == "unrecognised"
    assert Counter(e.detail_type for e in events)[IMAGE_ACCEPTED] >= 1


def test_a_redelivered_upload_event_publishes_nothing_new(
    local_stack: StackClients, subscriber: Subscriber, samples_dir: Path
) -> None:
    key = "events/delivered twice.png"
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=(samples_dir / "bicycle-2.png").read_bytes()
    )
    wait(local_stack, {key})
    assert len(subscriber.drain(until=1)) == 1
    (first,) = executions_for(local_stack, key)
    again = local_stack.stepfunctions.start_execution(
        stateMachineArn=local_stack.info.state_machine_arn, name="events-redelivery-1", input=first["input"]
    )
    deadline = time.monotonic() + 30
    status = "RUNNING"
    while time.monotonic() < deadline and status == "RUNNING":
        status = local_stack.stepfunctions.describe_execution(executionArn=again["executionArn"])["status"]
        time.sleep(0.2)
    assert status == "SUCCEEDED"
    assert len(subscriber.drain(settle=3.0)) == 1


@pytest.fixture
def arm(local_stack: StackClients) -> Iterator[Any]:
    state_file = stack.state_file(local_stack.info.port)

    def arm_faults(*planned: faults.Fault) -> None:
        faults.arm(state_file, list(planned))

    yield arm_faults
    faults.disarm(state_file)


def test_a_failed_publication_is_retried(
    local_stack: StackClients, subscriber: Subscriber, samples_dir: Path, arm: Any
) -> None:
    arm(faults.Fault(target="PutEvents", error="ThrottlingException", times=2))
    key = "events/published on the third try.png"
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=(samples_dir / "bicycle-1.png").read_bytes()
    )
    wait(local_stack, {key})
    (event,) = subscriber.drain(until=1)
    assert event.detail["key"] == key
    assert failed_attempts(local_stack, key).count("EventBridge.FailedEntry") == 2


def test_a_publication_that_keeps_failing_keeps_the_outcome_and_is_counted(
    local_stack: StackClients, subscriber: Subscriber, samples_dir: Path, arm: Any
) -> None:
    before = unpublished_count(local_stack.cloudwatch)
    arm(faults.Fault(target="PutEvents", error="InternalFailure", times=3))
    key = "events/never published.png"
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=(samples_dir / "bicycle-1.png").read_bytes()
    )
    (outcome,) = wait(local_stack, {key}).outcomes[key]
    assert outcome.place == "results"  # the outcome is kept
    assert subscriber.drain(settle=3.0) == []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and unpublished_count(local_stack.cloudwatch) < before + 1:
        time.sleep(0.5)
    assert unpublished_count(local_stack.cloudwatch) == before + 1
    (execution,) = executions_for(local_stack, key)
    assert execution["status"] == "SUCCEEDED"


def test_resolving_a_review_gives_exactly_one_image_reviewed(local_stack: StackClients, subscriber: Subscriber) -> None:
    key = "events/to review ☀.png"
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=encode(noise((800, 600), seed=9), "PNG")
    )
    wait(local_stack, {key})
    (sent,) = subscriber.drain(until=1)
    assert sent.detail_type == IMAGE_SENT_TO_REVIEW

    scones(local_stack, "review", "resolve", key, "--label", "other", "--reviewer", "ana")
    scones(local_stack, "review", "resolve", key, "--label", "other", "--reviewer", "ana")  # a repeat: unchanged

    reviewed = subscriber.drain(until=2)[1:]
    assert [e.detail_type for e in reviewed] == [IMAGE_REVIEWED]
    detail = reviewed[0].parsed_detail()
    assert detail.model_dump(include={"key", "upload_id", "version_id"}) == sent.parsed_detail().model_dump(
        include={"key", "upload_id", "version_id"}
    )
    assert reviewed[0].detail["label"] == "other" and reviewed[0].detail["reviewer"] == "ana"
    assert reviewed[0].detail["overridden"] is True and reviewed[0].detail["model_label"] == sent.detail["label"]


def test_scones_events_prints_events_as_they_come(local_stack: StackClients, samples_dir: Path) -> None:
    status = json.loads(scones(local_stack, "status", "--json").stdout)
    assert status["event_bus_name"] == local_stack.info.event_bus_name
    watcher = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "events", "--json", "--idle", "8"],
        env=local_stack.cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stderr is not None
        assert "Listening on" in watcher.stderr.readline()  # subscribed: what is published now is seen
        key = "events/watched.png"
        local_stack.s3.put_object(
            Bucket=local_stack.info.intake_bucket, Key=key, Body=(samples_dir / "motorcycle-1.png").read_bytes()
        )
        out, _ = watcher.communicate(timeout=120)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    printed = [OutcomeEvent.model_validate_json(line) for line in out.splitlines()]
    assert [e.detail["key"] for e in printed] == [key]
    # The temporary subscription is gone.
    rules = local_stack.info.client("events").list_rules(EventBusName=local_stack.info.event_bus_name)["Rules"]
    assert not [r for r in rules if r["Name"].startswith("scones-events-")]


def taps(stack: StackClients) -> tuple[list[str], list[str]]:
    """The temporary rules and queues of `scones events` on the stack now."""
    rules = stack.info.client("events").list_rules(EventBusName=stack.info.event_bus_name)["Rules"]
    queues = stack.sqs.list_queues(QueueNamePrefix="scones-events-").get("QueueUrls", [])
    return [r["Name"] for r in rules if r["Name"].startswith("scones-events-")], queues


@pytest.mark.parametrize("stop", ["SIGTERM from timeout", "SIGINT"])
def test_scones_events_follow_cleans_up_however_it_is_stopped(local_stack: StackClients, stop: str) -> None:
    """`timeout 5 scones events --follow`: timeout passes its SIGTERM on to the command, as a service manager
    stops it; Ctrl-C sends SIGINT. Either way the rule and the queue go."""
    assert taps(local_stack) == ([], [])
    command = [sys.executable, "-m", "service.cli", "events", "--follow"]
    if stop.startswith("SIGTERM"):
        command = ["timeout", "300", *command]
    watcher = subprocess.Popen(command, env=local_stack.cli_env(), stderr=subprocess.PIPE, text=True)
    try:
        assert watcher.stderr is not None
        assert "Listening on" in watcher.stderr.readline()
        rules, queues = taps(local_stack)
        assert len(rules) == 1 and len(queues) == 1  # subscribed: there is something to clean up
        watcher.send_signal(signal.SIGTERM if stop.startswith("SIGTERM") else signal.SIGINT)
        _, errors = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert watcher.returncode == 0, errors
    assert taps(local_stack) == ([], [])


def test_the_documented_examples_are_what_a_run_publishes(local_stack: StackClients, samples_dir: Path) -> None:
    live = capture(local_stack.info, samples_dir)
    committed = load_examples()
    for kind in committed:
        assert stable_part(live[kind]) == stable_part(committed[kind]), kind


def documented_subscription() -> list[str]:
    """The docs' AWS CLI commands that subscribe a queue to the bus ("Outcome events"), as lines of shell."""
    text = EVENTS_PAGE.read_text(encoding="utf-8")
    start = text.index("```sh\n", text.index("Subscribe with your own rule")) + len("```sh\n")
    return text[start : text.index("```", start)].splitlines()


def test_the_documented_subscription_works_with_the_aws_cli(
    local_stack: StackClients, samples_dir: Path, tmp_path: Path
) -> None:
    *subscribe, receive = documented_subscription()
    assert receive.startswith("aws sqs receive-message")
    prelude = [
        "set -euo pipefail",
        'aws() { command aws --endpoint-url "$ENDPOINT" "$@"; }',  # the page's note for the local stack
        'scones() { "$PYTHON" -m service.cli "$@"; }',
    ]
    env = {
        **local_stack.cli_env(),
        "ENDPOINT": str(local_stack.info.endpoint_url),
        "PYTHON": sys.executable,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": local_stack.info.region,
    }

    def shell(*lines: str) -> str:
        script = "\n".join([*prelude, *lines])
        done = subprocess.run(["bash", "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    shell(*subscribe)
    key = "events/for the routing system.png"
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=(samples_dir / "bicycle-1.png").read_bytes()
    )
    wait(local_stack, {key})
    (queue_url,) = [line for line in subscribe if line.startswith("queue_url=")]  # create-queue is idempotent
    found = json.loads(shell(queue_url, receive.replace("--wait-time-seconds 20", "--wait-time-seconds 5")) or "{}")
    bodies = [OutcomeEvent.model_validate_json(m["Body"]) for m in found.get("Messages", [])]
    assert [(e.detail_type, e.detail["key"]) for e in bodies] == [(IMAGE_ACCEPTED, key)]


def test_an_undo_reaches_an_aws_cli_subscriber_and_the_results_forget_the_label(
    local_stack: StackClients, tmp_path: Path
) -> None:
    from service.cli.review import open_desk

    # The documented subscription, for the review's outcomes and in a queue and rule of this consumer's own.
    kinds = '["Image Sent To Review", "Image Reviewed", "Image Review Undone"]'
    *subscribe, receive = [
        line.replace('["Image Accepted", "Image Reviewed"]', kinds).replace("routing", "review-watch")
        for line in documented_subscription()
    ]
    env = {
        **local_stack.cli_env(),
        "ENDPOINT": str(local_stack.info.endpoint_url),
        "PYTHON": sys.executable,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": local_stack.info.region,
    }
    prelude = ["set -euo pipefail", 'aws() { command aws --endpoint-url "$ENDPOINT" "$@"; }']

    def shell(*lines: str) -> str:
        done = subprocess.run(
            ["bash", "-c", "\n".join([*prelude, *lines])], env=env, cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    shell(*subscribe)
    (queue_url,) = [line for line in subscribe if line.startswith("queue_url=")]
    key = "events/taken back.png"
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=encode(noise((800, 600), seed=11), "PNG")
    )
    wait(local_stack, {key})
    desk = open_desk(local_stack.info)
    desk.resolve(key, "bicycle", "ana@example.com")
    desk.undo(key, "ana@example.com", window_s=300)  # the page's 10 s window is the desk's default

    mine: dict[str, OutcomeEvent] = {}  # by event id: a message not deleted comes back
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(mine) < 3:
        found = json.loads(shell(queue_url, receive.replace("--wait-time-seconds 20", "--wait-time-seconds 2")) or "{}")
        for message in found.get("Messages", []):
            event = OutcomeEvent.model_validate_json(message["Body"])
            if event.detail["key"] == key:
                mine.setdefault(event.id, event)
    order = sorted(
        mine.values(), key=lambda e: [IMAGE_SENT_TO_REVIEW, IMAGE_REVIEWED, IMAGE_REVIEW_UNDONE].index(e.detail_type)
    )
    assert [e.detail_type for e in order] == [IMAGE_SENT_TO_REVIEW, IMAGE_REVIEWED, IMAGE_REVIEW_UNDONE]
    assert order[1].time <= order[2].time  # the undo comes after the decision it takes back
    mine_in_order = order
    assert mine_in_order[2].detail["outcome_id"] == mine_in_order[1].detail["outcome_id"]
    human = scones(local_stack, "results", "--source", "human", "--json").stdout
    assert key not in [json.loads(line)["key"] for line in human.splitlines() if line]


def test_a_decision_whose_event_cannot_be_published_stays_and_is_counted(
    local_stack: StackClients, subscriber: Subscriber, arm: Any
) -> None:
    key = "events/decided while the bus is down.png"
    local_stack.s3.put_object(
        Bucket=local_stack.info.intake_bucket, Key=key, Body=encode(noise((800, 600), seed=11), "PNG")
    )
    wait(local_stack, {key})
    assert [e.detail_type for e in subscriber.drain(until=1)] == [IMAGE_SENT_TO_REVIEW]
    before = unpublished_count(local_stack.cloudwatch)
    arm(faults.Fault(target="PutEvents", error="InternalFailure", times=3))  # every attempt of the desk's

    shown = json.loads(scones(local_stack, "review", "resolve", key, "--label", "other", "--json").stdout)

    assert shown["outcome"] == "resolved" and shown["record"]["label"] == "other"  # the decision is kept
    assert subscriber.drain(settle=3.0)[1:] == []
    assert unpublished_count(local_stack.cloudwatch) == before + 1
    (outcome,) = wait(local_stack, {key}).outcomes[key]
    assert outcome.record is not None and outcome.record.label == "other"
