"""Reading the handlers' Powertools log lines back: locally from the stack's log file, on AWS from CloudWatch Logs."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from handlers import classify, filter, serialize
from service.cli import app
from service.domain.errors import CorruptImage
from service.ops import logs
from service.runtime.observability import logger
from tests.claims import create_claims_table
from tests.events import eventbridge_event
from tests.unit import test_handlers
from tests.unit.test_handlers import MeanRedClassifier, context, png

BUCKET = "intake"
# Serialize's input as the state machine passes it, whichever shape the handler tests define for it.
serialize_request: Callable[[dict[str, Any]], dict[str, Any]] = getattr(test_handlers, "serialize_request", lambda e: e)
FUNCTIONS = {step: f"scones-{step}Function-ABC123" for step in logs.STEPS}
GOOD, BROKEN = "photos/red bike é+1.png", "photos/broken.jpg"


def run_pipeline(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Runs the three handlers in-process on one good and one broken object; returns what they printed, log lines
    and EMF metric lines together, as the local stack's log file receives them."""
    monkeypatch.setattr(classify, "get_classifier", MeanRedClassifier)
    stream = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        with mock_aws():
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket=BUCKET)
            create_claims_table()
            etag = s3.put_object(Bucket=BUCKET, Key=GOOD, Body=png((220, 20, 20)))["ETag"].strip('"')
            s3.put_object(Bucket=BUCKET, Key=BROKEN, Body=b"\xff\xd8\xff\xe0" + b"\x00" * 40)
            image = serialize.handler(
                serialize_request(eventbridge_event(BUCKET, GOOD, etag=etag)), context(FUNCTIONS["Serialize"])
            )
            prediction = classify.handler({"image": image}, context(FUNCTIONS["Classify"]))
            filter.handler({"image": image, "prediction": prediction}, context(FUNCTIONS["Filter"]))
            with pytest.raises(CorruptImage):
                serialize.handler(serialize_request(eventbridge_event(BUCKET, BROKEN)), context(FUNCTIONS["Serialize"]))
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
    return stream.getvalue().splitlines() + capsys.readouterr().out.splitlines()


@pytest.fixture
def handler_lines(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> list[str]:
    monkeypatch.setenv("CONFIDENCE_THRESHOLD", "0.5")
    return run_pipeline(monkeypatch, capsys)


def test_one_image_is_followed_through_the_three_steps(handler_lines: list[str]) -> None:
    assert any(line.startswith('{"_aws"') for line in handler_lines), "the EMF lines are part of the input"
    timeline = logs.Timeline(key=GOOD, entries=logs.read_lines(handler_lines, key=GOOD))
    assert timeline.steps == ["Serialize", "Classify", "Filter"]
    assert [e.message for e in timeline.entries] == ["serialized", "classified", "decided"]
    serialized, classified, decided = timeline.entries
    assert serialized.fields["format"] == "PNG"
    assert classified.fields["label"] == "motorcycle"
    assert 0.8 < classified.fields["confidence"] <= 1.0
    assert decided.fields["route"] == "accept"
    assert timeline.outcome == "accept"
    assert all(e.bucket == BUCKET and e.key == GOOD and e.level == "INFO" for e in timeline.entries)
    assert [e.timestamp for e in timeline.entries] == sorted(e.timestamp for e in timeline.entries)
    assert all(e.request_id for e in timeline.entries)


def test_a_broken_image_shows_its_rejection(handler_lines: list[str]) -> None:
    entries = logs.read_lines(handler_lines, key=BROKEN)
    assert [(e.step, e.level, e.message) for e in entries] == [("Serialize", "WARNING", "rejected")]
    assert entries[0].fields["error"] == "CorruptImage"
    assert "truncated" in entries[0].fields["reason"] or "damaged" in entries[0].fields["reason"]
    assert logs.Timeline(key=BROKEN, entries=entries).outcome == "rejected (CorruptImage)"


def test_without_a_key_every_handler_line_is_read_and_since_cuts_old_ones(handler_lines: list[str]) -> None:
    every = logs.read_lines(handler_lines)
    assert {e.key for e in every} == {GOOD, BROKEN}
    assert len(every) == 4
    assert logs.read_lines(handler_lines, since=datetime.now(UTC) + timedelta(minutes=1)) == []


def test_two_documents_written_onto_one_line_are_both_read() -> None:
    log_line = json.dumps(
        {"level": "INFO", "message": "decided", "timestamp": "2026-11-22 02:34:46,721+0000", "key": "a.png",
         "function_name": FUNCTIONS["Filter"], "route": "review", "threshold": 0.9}
    )  # fmt: skip
    emf = '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]},"ImagesReceived":[1.0]}'
    entries = logs.parse_line(f"{emf}{log_line}garbage {{not json")
    assert len(entries) == 1
    assert (entries[0].step, entries[0].key, entries[0].fields) == (
        "Filter",
        "a.png",
        {"route": "review", "threshold": 0.9},
    )
    assert entries[0].timestamp == datetime(2026, 11, 22, 2, 34, 46, 721000, tzinfo=UTC)
    assert logs.parse_line("No Moto CloudFormation support for AWS::CloudWatch::Alarm") == []


def test_timestamps_in_powertools_and_iso_formats() -> None:
    expected = datetime(2026, 11, 22, 10, 0, 0, 5000, tzinfo=UTC)
    assert logs.parse_timestamp("2026-11-22 11:00:00,005+0100") == expected
    assert logs.parse_timestamp("2026-11-22T10:00:00.005Z") == expected


def test_follow_file_yields_lines_written_after_it_started(handler_lines: list[str], tmp_path: Path) -> None:
    path = tmp_path / "stack.log"
    path.write_text("\n".join(handler_lines[:1]) + "\n", encoding="utf-8")
    polls = iter(range(100))
    appended = threading.Event()

    def stop() -> bool:
        if next(polls) == 2 and not appended.is_set():
            with path.open("a", encoding="utf-8") as handle:
                handle.write("\n".join(handler_lines[1:]) + "\n")
            appended.set()
            return False
        return appended.is_set()

    followed = list(logs.follow_file(path, key=GOOD, poll=0.01, stop=stop))
    assert [e.message for e in followed] == ["serialized", "classified", "decided"]


def test_filter_pattern_selects_the_correlation_id() -> None:
    assert logs.filter_pattern("a dir/é+1.png") == '{ $.correlation_id = "a dir/é+1.png" }'
    # A quote cannot go inside the pattern's value: its prefix is matched and the key checked after parsing.
    assert logs.filter_pattern('odd"name.png') == '{ $.correlation_id = "odd*" }'


def test_function_names_give_the_step() -> None:
    assert logs.step_of("scones-ClassifyFunction-0SCXH1HHI2SZ") == "Classify"
    assert logs.step_of("something-else") is None


# --- CloudWatch Logs, with moto --------------------------------------------------------------------------------


class FakeCloudFormation:
    """DescribeStackResources as CloudFormation answers it for a deployed stack (moto's CloudFormation takes seconds
    to create Lambda functions, and only this one call is needed)."""

    def __init__(self, stack_name: str) -> None:
        self.stack_name = stack_name

    def describe_stack_resources(self, StackName: str) -> dict[str, Any]:  # noqa: N803 (boto3's parameter name)
        assert StackName == self.stack_name
        resource = {"StackName": StackName, "ResourceStatus": "CREATE_COMPLETE"}
        functions = [
            {**resource, "LogicalResourceId": f"{step}Function", "PhysicalResourceId": name,
             "ResourceType": "AWS::Lambda::Function"}
            for step, name in FUNCTIONS.items()
        ]  # fmt: skip
        others = [
            {**resource, "LogicalResourceId": "SerializeFunctionRole", "PhysicalResourceId": "role",
             "ResourceType": "AWS::IAM::Role"},
            {**resource, "LogicalResourceId": "SerializeLogGroup", "PhysicalResourceId": "/aws/lambda/x",
             "ResourceType": "AWS::Logs::LogGroup"},
        ]  # fmt: skip
        return {"StackResources": others + functions}


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        yield {
            "cloudformation": FakeCloudFormation("scones-prod"),
            "logs": boto3.client("logs", region_name="us-east-1"),
        }


def put_lines(client: Any, group: str, lines: list[str]) -> None:
    client.create_log_group(logGroupName=group)
    client.create_log_stream(logGroupName=group, logStreamName="2026/11/22/[$LATEST]abc")
    now = int(datetime.now(UTC).timestamp() * 1000)
    client.put_log_events(
        logGroupName=group,
        logStreamName="2026/11/22/[$LATEST]abc",
        logEvents=[{"timestamp": now + i, "message": line} for i, line in enumerate(lines)],
    )


def test_cloudwatch_logs_of_the_stacks_functions_follow_one_key(aws: dict[str, Any], handler_lines: list[str]) -> None:
    functions = logs.stack_functions(aws["cloudformation"], "scones-prod")
    assert functions == FUNCTIONS
    # Each function's group gets its own lines, with Lambda's plain-text START/REPORT lines around them.
    for step, name in functions.items():
        own = [line for line in handler_lines if logs.parse_line(line) and logs.parse_line(line)[0].step == step]
        put_lines(
            aws["logs"], logs.log_group(name), ["START RequestId: 1 Version: $LATEST", *own, "REPORT RequestId: 1"]
        )
    patterns: list[str] = []
    aws["logs"].meta.events.register(
        "provide-client-params.logs.FilterLogEvents", lambda params, **_: patterns.append(params.get("filterPattern"))
    )

    entries = logs.read_cloudwatch(aws["logs"], functions, key=GOOD, since=datetime.now(UTC) - timedelta(hours=1))

    assert [(e.step, e.message) for e in entries] == [
        ("Serialize", "serialized"), ("Classify", "classified"), ("Filter", "decided")
    ]  # fmt: skip
    assert patterns == [logs.filter_pattern(GOOD)] * 3  # CloudWatch does the searching on AWS
    rejected = logs.read_cloudwatch(aws["logs"], functions, key=BROKEN)
    assert [(e.step, e.fields["error"]) for e in rejected] == [("Serialize", "CorruptImage")]
    assert logs.read_cloudwatch(aws["logs"], functions, key=GOOD, since=datetime.now(UTC) + timedelta(hours=1)) == []


# --- The command ---------------------------------------------------------------------------------------------


def test_scones_logs_reads_the_local_stacks_log_file(
    handler_lines: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import service.cli.commands  # noqa: F401  (registers the commands)

    monkeypatch.setenv("SCONES_STATE_DIR", str(tmp_path))
    (tmp_path / "stack-4599.log").write_text("server noise\n" + "\n".join(handler_lines) + "\n", encoding="utf-8")
    runner = CliRunner()

    as_json = runner.invoke(app, ["logs", "--port", "4599", "--key", GOOD, "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert [json.loads(line)["step"] for line in as_json.stdout.splitlines()] == ["Serialize", "Classify", "Filter"]

    readable = runner.invoke(app, ["logs", "--port", "4599", "--key", BROKEN])
    assert readable.exit_code == 0, readable.output
    assert "rejected" in readable.stdout
    assert "CorruptImage" in readable.stdout

    missing = runner.invoke(app, ["logs", "--port", "4598"])
    assert missing.exit_code != 0
