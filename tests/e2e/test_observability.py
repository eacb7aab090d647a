"""Observing a real local stack from outside: the AWS CLI's CloudWatch, `scones logs`, `scones report`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from service.ops.accounting import wait_until_accounted
from service.ops.report import CHARTS
from tests.e2e.conftest import StackClients

GOOD, BROKEN = "samples/bicycle-1.png", "samples/broken.jpg"


@pytest.fixture(scope="module")
def uploaded(local_stack: StackClients, samples_dir: Path) -> list[str]:
    """The demo's samples, one at a time: the local stack runs the three handlers in one process, where they share
    one Powertools Logger, so images in flight together could lend each other their log context."""
    files = [*sorted(samples_dir.glob("*.png")), samples_dir / "broken.jpg"]
    keys = []
    for path in files:
        key = f"samples/{path.name}"
        local_stack.s3.upload_file(str(path), local_stack.info.intake_bucket, key)
        info = local_stack.info
        ledger = wait_until_accounted(
            local_stack.dynamodb, local_stack.sqs, info.results_table, info.review_queue_url, info.failed_queue_url,
            {key}, timeout=30, poll=0.1, reviews_table=info.reviews_table,
        )  # fmt: skip
        assert ledger.missing({key}) == set()
        keys.append(key)
    return keys


def aws_cli(stack: StackClients, *args: str) -> Any:
    aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    assert aws, "the AWS CLI is part of the dev extra"
    env = {**stack.cli_env(), "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    answer = subprocess.run(
        [aws, *args, "--endpoint-url", str(stack.info.endpoint_url), "--region", stack.info.region, "--output", "json"],
        check=True, env=env, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(answer.stdout)


def scones(stack: StackClients, *args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        check=True, env=stack.cli_env(), capture_output=True, text=True, cwd=cwd,
    ).stdout  # fmt: skip


def received(stack: StackClients) -> float:
    """ImagesReceived summed over every series the namespace lists, as the AWS CLI reports it."""
    namespace = stack.info.metrics_namespace
    listed = aws_cli(stack, "cloudwatch", "list-metrics", "--namespace", namespace, "--metric-name", "ImagesReceived")
    now = datetime.now(UTC)
    total = 0.0
    for metric in listed["Metrics"]:
        dimensions = [f"Name={d['Name']},Value={d['Value']}" for d in metric.get("Dimensions", [])]
        statistics = aws_cli(
            stack, "cloudwatch", "get-metric-statistics", "--namespace", namespace, "--metric-name", "ImagesReceived",
            *(["--dimensions", *dimensions] if dimensions else []),
            "--start-time", (now - timedelta(hours=1)).isoformat(),
            "--end-time", (now + timedelta(minutes=5)).isoformat(),
            "--period", "3600", "--statistics", "Sum",
        )  # fmt: skip
        total += sum(point["Sum"] for point in statistics["Datapoints"])
    return total


def test_the_aws_cli_lists_the_metrics_and_counts_every_image(local_stack: StackClients, uploaded: list[str]) -> None:
    # The metrics reach CloudWatch a moment after the outcomes.
    deadline = time.monotonic() + 15
    while (total := received(local_stack)) < len(uploaded) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert total == len(uploaded)
    listed = aws_cli(local_stack, "cloudwatch", "list-metrics", "--namespace", local_stack.info.metrics_namespace)
    names = {metric["MetricName"] for metric in listed["Metrics"]}
    assert {"ImagesReceived", "ImagesRejected", "ImagesClassified", "Confidence", "InferenceLatency"} <= names
    assert names & {"ImagesAccepted", "ImagesSentToReview"}


def test_logs_follow_a_good_image_through_the_three_steps(local_stack: StackClients, uploaded: list[str]) -> None:
    lines = [json.loads(line) for line in scones(local_stack, "logs", "--key", GOOD, "--json").splitlines()]
    assert [(line["step"], line["message"]) for line in lines] == [
        ("Serialize", "serialized"), ("Classify", "classified"), ("Filter", "decided")
    ]  # fmt: skip
    assert all(line["key"] == GOOD and line["bucket"] == local_stack.info.intake_bucket for line in lines)
    assert lines[1]["fields"]["label"] in {"bicycle", "motorcycle"}
    assert lines[2]["fields"]["route"] in {"accept", "review"}
    readable = scones(local_stack, "logs", "--key", GOOD)
    assert "Serialize → Classify → Filter" in readable


def test_logs_show_the_rejection_of_the_broken_image(local_stack: StackClients, uploaded: list[str]) -> None:
    lines = [json.loads(line) for line in scones(local_stack, "logs", "--key", BROKEN, "--json").splitlines()]
    assert [(line["step"], line["level"], line["message"]) for line in lines] == [("Serialize", "WARNING", "rejected")]
    assert lines[0]["fields"]["error"] == "CorruptImage"


def test_report_writes_the_charts(local_stack: StackClients, uploaded: list[str], tmp_path: Path) -> None:
    scones(local_stack, "report", "--out", "tmp", "--since", "1h", cwd=tmp_path)
    out = tmp_path / "tmp"
    for chart in CHARTS:
        with Image.open(out / chart.file) as image:
            assert image.format == "PNG" and image.size[0] >= 800
    page = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'src="{chart.file}"' in page for chart in CHARTS)
    classified = len(uploaded) - 2  # broken.jpg and notes.png are rejected
    assert f"<th>inferences</th><td>{classified}</td>" in page
